"""Every data-check rule fires on a card that breaks it and clears on one that does not."""
from datetime import date

import pytest

from services.cases import checks
from services.cases.checks import Card

TODAY = date(2026, 10, 20)


def case(**overrides):
    return {"_id": "c1", "case_no": "N-1", "title": "T", "category": "criminal", "department": "criminal",
            "status": "under_review", "handler_id": "u-li", "suspect_count": 1, "decided_on": None, **overrides}


def suspect(**overrides):
    return {"_id": "s1", "name": "王某", "charges": ["fraud"], "decision": None, "referral": None, **overrides}


LI_CRIMINAL = {"_id": "u-li", "department": "criminal"}

CASES = {
    "closed_without_decision_date": (Card(case(status="closed"), [suspect()]),
                                     Card(case(status="closed", decided_on="2026-09-01"), [suspect()])),
    "suspect_without_charge": (Card(case(), [suspect(charges=[])]), Card(case(), [suspect()])),
    "recovered_exceeds_involved": (
        Card(case(asset_recovery={"amount_involved_fen": 100, "recovered_fen": 101}), [suspect()]),
        Card(case(asset_recovery={"amount_involved_fen": 100, "recovered_fen": 100}), [suspect()])),
    "referral_overdue": (
        Card(case(), [suspect(referral={"due_on": "2026-10-10", "transferred_on": None})]),
        Card(case(), [suspect(referral={"due_on": "2026-10-10", "transferred_on": "2026-10-09"})])),
    "suspect_count_mismatch": (Card(case(suspect_count=2), [suspect()]), Card(case(suspect_count=1), [suspect()])),
    "handler_outside_department": (Card(case(), [suspect()], {"_id": "u-li", "department": "civil"}),
                                   Card(case(), [suspect()], LI_CRIMINAL)),
}


def test_every_rule_has_a_firing_and_a_clearing_case_here():
    assert set(CASES) == set(checks.RULES)


@pytest.mark.parametrize("rule", sorted(CASES))
def test_a_rule_fires_on_a_card_that_breaks_it(rule):
    broken, _ = CASES[rule]
    found = checks.findings(broken, TODAY, [rule])
    assert found and all(name == rule and message for name, _, message in found)


@pytest.mark.parametrize("rule", sorted(CASES))
def test_a_rule_clears_on_a_card_that_keeps_it(rule):
    _, kept = CASES[rule]
    assert checks.findings(kept, TODAY, [rule]) == []


def test_a_referral_due_today_is_not_overdue_yet():
    card = Card(case(), [suspect(referral={"due_on": "2026-10-20", "transferred_on": None})])
    assert checks.findings(card, TODAY, ["referral_overdue"]) == []


def test_the_weekly_patrol_covers_the_key_fields_only_and_findings_name_their_subject():
    assert set(checks.scope_rules("weekly")) < set(checks.scope_rules("monthly")) == set(checks.RULES)
    [(_, subject, _)] = checks.findings(CASES["suspect_without_charge"][0], TODAY, ["suspect_without_charge"])
    assert subject == "suspect:s1"
    assert checks.finding_id("suspect_without_charge", "c1", subject) == "suspect_without_charge:c1:suspect:s1"


def test_a_referral_closed_by_the_administrative_organs_reply_is_not_overdue():
    """The reverse referral's outcome came back (recommendation.replied with the penalty outcome)."""
    card = Card(case(), [suspect(referral={"due_on": "2026-10-10", "transferred_on": None,
                                           "closed_on": "2026-10-15"})])
    assert checks.findings(card, TODAY, ["referral_overdue"]) == []
