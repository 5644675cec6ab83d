"""The staff ledger's rule table (config.yml) and the scorecard, without a broker."""
from datetime import date, datetime, timezone
from pathlib import Path

import pytest
import yaml
from nameko.cli.main import setup_yaml_parser

from services.inspections import ledger

NOW = datetime(2026, 8, 1, tzinfo=timezone.utc)


@pytest.fixture(scope="module")
def rules():
    setup_yaml_parser()
    config = yaml.safe_load((Path(__file__).resolve().parents[3] / "config.yml").read_text())
    return ledger.rules_from_config(config["INSPECTIONS_LEDGER_RULES"])


def test_the_configured_table_counts_what_the_issue_lists(rules):
    events = {rule.event for rule in rules}
    assert events == {"case.evaluated", "data_check.finding_unresolved", "supervision_task.verified",
                      "supervision_task.overdue", "staff.discipline_recorded"}


def test_an_evaluation_counts_by_grade_for_the_handler_linked_to_its_source(rules):
    payload = {"handler_id": "u-1", "evaluation_id": "e-1", "grade": "excellent"}
    [entry] = ledger.entries_for("case.evaluated", payload, date(2026, 8, 3), rules, NOW, event_id="ev-1")
    assert (entry["user_id"], entry["points"], entry["period"]) == ("u-1", 2, "2026-Q3")
    assert entry["source"] == {"kind": "evaluation", "id": "e-1", "event": "case.evaluated", "event_id": "ev-1"}
    assert entry["_id"] == "case_evaluated_excellent:evaluation:e-1"
    assert ledger.entries_for("case.evaluated", {**payload, "grade": "qualified"}, date(2026, 8, 3), rules, NOW) == []
    assert ledger.entries_for("case.evaluated", {**payload, "handler_id": None}, date(2026, 8, 3), rules, NOW) == []


def test_a_task_counts_plus_when_verified_on_time_and_minus_when_overdue(rules):
    task = {"task_id": "t-1", "owner_id": "u-1"}
    assert ledger.entries_for("supervision_task.verified", {**task, "on_time": True}, date(2026, 8, 3), rules,
                              NOW)[0]["points"] == 1
    assert ledger.entries_for("supervision_task.verified", {**task, "on_time": False}, date(2026, 8, 3), rules, NOW) == []
    assert ledger.entries_for("supervision_task.overdue", task, date(2026, 8, 3), rules, NOW)[0]["points"] == -2


def test_the_scorecard_totals_by_category():
    entries = [{"category": "personal_competence", "points": 2}, {"category": "personal_competence", "points": -3},
               {"category": "key_work", "points": -2}]
    card = ledger.scorecard("u-1", "2026-Q3", entries)
    assert card["totals"]["personal_competence"] == {"positive": 2, "negative": -3, "net": -1, "entries": 2}
    assert card["totals"]["daily_management"] == {"positive": 0, "negative": 0, "net": 0, "entries": 0}
    assert card["total"] == -3


@pytest.mark.parametrize("period,bounds", [("2026-Q1", (date(2026, 1, 1), date(2026, 3, 31))),
                                           ("2026-Q4", (date(2026, 10, 1), date(2026, 12, 31)))])
def test_periods_are_quarters(period, bounds):
    assert ledger.period_bounds(period) == bounds and ledger.period_of(bounds[1]) == period


@pytest.mark.parametrize("bad", [
    [{"name": "x", "event": "e", "person": "p", "source": ["k", "id"], "category": "vibes", "points": 1, "label": "l"}],
    [{"name": "x", "event": "e", "person": "p", "source": ["k", "id"], "category": "key_work", "points": 0, "label": "l"}],
    [{"name": "x", "event": "e", "person": "p", "category": "key_work", "points": 1, "label": "l"}],
])
def test_an_unusable_rule_table_is_refused(bad):
    with pytest.raises(ledger.BadRules):
        ledger.rules_from_config(bad)
