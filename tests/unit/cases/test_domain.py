from datetime import date, datetime, timezone

import pytest

from kit.context import Actor
from kit.errors import Conflict
from services.cases import domain

NOW = datetime(2026, 11, 25, 8, 0, tzinfo=timezone.utc)
HEAD = Actor("u-head", ("department_head",), "criminal")


def make_case(**overrides):
    data = {"case_no": " 平检刑诉〔2026〕1号 ", "title": "张某诈骗案", "category": "criminal",
            "department": "criminal", "handler_id": None}
    return {**domain.new_case({**data, **overrides}, HEAD, NOW)}


def test_new_case_starts_registered_at_version_1_with_trimmed_fields():
    case = make_case()
    assert case["status"] == "registered"
    assert case["version"] == 1
    assert case["case_no"] == "平检刑诉〔2026〕1号"
    assert case["created_by"] == "u-head" and case["created_at"] == NOW


def test_registration_without_handler_emits_only_registered():
    assert [t for t, _ in domain.registration_events(make_case())] == ["case.registered"]


def test_registration_with_handler_also_emits_assigned():
    events = domain.registration_events(make_case(handler_id="u-pros"))
    assert [t for t, _ in events] == ["case.registered", "case.assigned"]
    assert events[1][1]["handler_id"] == "u-pros" and events[1][1]["previous_handler_id"] is None


@pytest.mark.parametrize("current,target", [("registered", "under_review"), ("under_review", "decided"),
                                            ("decided", "closed")])
def test_each_forward_step_is_allowed(current, target):
    changes, events = domain.transition({**make_case(), "status": current}, target, date(2026, 10, 9))
    assert changes == ({"status": target, "decided_on": "2026-10-09"} if target == "decided" else {"status": target})
    assert events[0][0] == "case.status_changed"
    assert events[0][1]["from"] == current and events[0][1]["to"] == target


@pytest.mark.parametrize("current,target", [("registered", "decided"), ("registered", "closed"),
                                            ("under_review", "registered"), ("closed", "registered"),
                                            ("decided", "decided"), ("closed", "closed")])
def test_skipping_going_back_or_staying_is_a_conflict(current, target):
    with pytest.raises(Conflict) as err:
        domain.transition({**make_case(), "status": current}, target)
    assert "to" in err.value.fields


def test_assign_records_previous_handler():
    changes, events = domain.assign(make_case(handler_id="u-a"), "u-b")
    assert changes == {"handler_id": "u-b"}
    assert events[0][1]["previous_handler_id"] == "u-a"


def test_a_reassignment_tells_the_previous_handler_and_names_who_did_it():
    changes, events = domain.assign(make_case(handler_id="u-a"), "u-b", "u-head")
    assert [t for t, _ in events] == ["case.assigned", "case.reassigned"]
    assert events[1][1]["previous_handler_id"] == "u-a" and events[1][1]["assigned_by"] == "u-head"


def test_a_first_assignment_is_no_reassignment():
    _, events = domain.assign(make_case(handler_id=None), "u-b", "u-head")
    assert [t for t, _ in events] == ["case.assigned"]


def test_handing_back_clears_the_handler_and_is_a_reassignment():
    changes, events = domain.assign(make_case(handler_id="u-a"), None, "u-a")
    assert changes == {"handler_id": None}
    assert [t for t, _ in events] == ["case.reassigned"] and events[0][1]["handler_id"] is None


def test_assigning_the_current_handler_changes_nothing():
    assert domain.assign(make_case(handler_id="u-a"), "u-a") == ({}, [])


def test_a_closed_case_cannot_be_assigned():
    with pytest.raises(Conflict):
        domain.assign({**make_case(), "status": "closed"}, "u-b")


def test_a_decision_is_not_in_the_future_nor_before_the_case_was_registered():
    from datetime import datetime, timezone
    from kit.errors import ValidationFailed
    case = {**make_case(), "status": "under_review", "accepted_on": None,  # registered before it was recorded
            "created_at": datetime(2026, 3, 1, 16, 30, tzinfo=timezone.utc)}  # 2026-03-02 in Beijing
    for decided_on in (date(9999, 12, 31), date(2026, 10, 10), date(2026, 3, 1)):
        with pytest.raises(ValidationFailed) as err:
            domain.transition(case, "decided", decided_on, date(2026, 10, 9))
        assert "decided_on" in err.value.fields
    changes, _ = domain.transition(case, "decided", date(2026, 3, 2), date(2026, 10, 9))
    assert changes["decided_on"] == "2026-03-02"


def test_the_acceptance_day_defaults_to_the_registration_day_and_bounds_the_decisions():
    from kit.errors import ValidationFailed
    assert make_case()["accepted_on"] == "2026-11-25"
    case = domain.new_case({"case_no": "1", "title": "t", "category": "criminal", "department": "criminal",
                            "accepted_on": date(2026, 9, 1)}, HEAD, NOW, date(2026, 11, 25))
    assert case["accepted_on"] == "2026-09-01"
    domain.transition({**case, "status": "under_review"}, "decided", date(2026, 9, 1), date(2026, 11, 25))
    with pytest.raises(ValidationFailed):
        domain.transition({**case, "status": "under_review"}, "decided", date(2026, 8, 31), date(2026, 11, 25))
    with pytest.raises(ValidationFailed) as err:
        domain.new_case({"case_no": "1", "title": "t", "category": "criminal", "department": "criminal",
                         "accepted_on": date(2026, 11, 26)}, HEAD, NOW, date(2026, 11, 25))
    assert "accepted_on" in err.value.fields
