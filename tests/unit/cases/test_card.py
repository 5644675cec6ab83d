"""The case card (issue 22): 案由, source, the reviewing prosecutor and assistant, notes; the handling
time limit per category from the acceptance date; PATCH rules; the worklists."""
from datetime import date, datetime, timezone

import pytest

from kit.context import Actor
from kit.errors import Conflict, ValidationFailed
from services.cases import domain, policy

LIMITS = domain.DEFAULT_TIME_LIMITS
CASE = {"_id": "c1", "case_no": "N-1", "title": "诈骗案", "category": "criminal", "department": "criminal",
        "handler_id": "u-li", "status": "under_review", "accepted_on": "2026-01-31", "version": 3,
        "created_at": datetime(2026, 1, 31, 2, tzinfo=timezone.utc)}


def test_a_criminal_case_is_due_one_month_after_acceptance_clamped_to_the_month_end():
    limit = domain.time_limit(LIMITS, CASE, date(2026, 2, 20))
    assert limit == {"due_on": "2026-02-28", "days_left": 8, "overdue": False, "rule": "1 个月"}
    late = domain.time_limit(LIMITS, CASE, date(2026, 3, 2))
    assert late["overdue"] is True and late["days_left"] == -2


def test_no_time_limit_once_decided_or_for_a_category_without_one():
    assert domain.time_limit(LIMITS, {**CASE, "status": "decided"}, date(2026, 2, 20)) is None
    assert domain.time_limit(LIMITS, {**CASE, "category": "other"}, date(2026, 2, 20)) is None
    civil = domain.time_limit(LIMITS, {**CASE, "category": "civil_execution_supervision"}, date(2026, 2, 20))
    assert civil["due_on"] == "2026-04-30" and civil["rule"] == "3 个月"


def test_the_time_limits_are_configuration():
    limits = domain.time_limits_from_config({"criminal": {"days": 45}})
    assert domain.time_limit(limits, CASE, date(2026, 2, 20))["due_on"] == "2026-03-17"
    with pytest.raises(ValueError):
        domain.time_limits_from_config({"murder": {"months": 1}})
    with pytest.raises(ValueError):
        domain.time_limits_from_config({"criminal": {}})


def test_an_edit_changes_what_differs_and_announces_the_card_as_it_is_after():
    changes, events = domain.edit(CASE, {"cause": "fraud", "source": "某区公安分局", "title": "诈骗案"},
                                  date(2026, 2, 20))
    assert changes == {"cause": "fraud", "source": "某区公安分局"}
    [(event_type, payload)] = events
    assert event_type == "case.updated" and payload["changed"] == ["cause", "source"]
    assert payload["source"] == "某区公安分局" and payload["title"] == "诈骗案"
    assert domain.edit({**CASE, **changes}, {"cause": "fraud"}, date(2026, 2, 20)) == ({}, [])


def test_an_edit_refuses_an_implausible_acceptance_date_and_a_closed_case():
    with pytest.raises(ValidationFailed) as refused:
        domain.edit(CASE, {"accepted_on": date(2026, 3, 1)}, date(2026, 2, 20))  # in the future
    assert "accepted_on" in refused.value.fields
    with pytest.raises(ValidationFailed) as refused:
        domain.edit({**CASE, "decided_on": "2026-02-10"}, {"accepted_on": date(2026, 2, 15)}, date(2026, 2, 20))
    assert "accepted_on" in refused.value.fields
    with pytest.raises(Conflict):
        domain.edit({**CASE, "status": "closed"}, {"notes": "x"}, date(2026, 2, 20))


def test_the_worklists():
    li = Actor("u-li", ("prosecutor",), "criminal")
    assert policy.worklist(li, None, "criminal", "u-li", {}) == ("criminal", "u-li", {})
    assert policy.worklist(li, "mine", "criminal", "u-li", {}) == (None, None, {"handler_id": "u-li"})
    assert policy.worklist(li, "unassigned", "criminal", "u-li", {}) == ("criminal", None, {"unassigned": True})
    assert policy.worklist(li, "department", "criminal", "u-li", {}) == ("criminal", None, {})
    manager = Actor("u-m", ("case_manager",), "case_management")
    assert policy.worklist(manager, "unassigned", None, None, {}) == (None, None, {"unassigned": True})
