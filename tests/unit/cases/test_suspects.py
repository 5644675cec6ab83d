"""Suspect rules: masking, the referral a decision starts (once), its due date, key-case reasons."""
from datetime import date, datetime, timezone

import pytest

from kit.calendar import Schedule, WorkingCalendar
from kit.errors import ValidationFailed
from services.cases import suspects

NOW = datetime(2026, 9, 30, 2, 0, tzinfo=timezone.utc)
TODAY = date(2026, 9, 30)
LIBRARY = WorkingCalendar()
CASE = {"_id": "c1", "case_no": "N-1", "title": "T", "department": "criminal", "handler_id": "u-li"}
REFERRING = {"decision": "non_prosecution", "decided_on": date(2026, 9, 30), "reason": "情节轻微",
             "administrative_penalty_warranted": True, "administrative_organ": None}


def new(**data):
    body = {"name": "王某", "id_number": "11010119900307231x", "layer": "peripheral", "charges": ["fraud"],
            "decision": None, "arrested_on": None, **data}
    return suspects.new_suspect(CASE, body, NOW, TODAY, LIBRARY)


def test_id_numbers_are_masked_between_the_region_and_the_last_four():
    assert suspects.mask_id_number("11010119900307231X") == "110101********231X"
    assert suspects.mask_id_number("110101900307231") == "110101*****7231"


def test_a_referring_decision_starts_the_referral_due_in_three_working_days_once():
    suspect, events = new(decision=REFERRING)
    assert suspect["id_number"] == "11010119900307231X"
    assert suspect["referral"] == {"due_on": "2026-10-10", "transferred_on": None, "provisional": False}
    assert [e[0] for e in events] == ["case.non_prosecution_decided"]
    assert suspects.edit(CASE, suspect, {"decision": REFERRING}, TODAY, LIBRARY) == ({}, [])  # the same decision again


def test_a_decision_replaced_by_another_is_a_reversal_and_ends_the_referral():
    suspect, _ = new(decision=REFERRING)
    changes, events = suspects.edit(CASE, suspect, {"decision": {**REFERRING, "decision": "prosecute",
                                                                 "administrative_penalty_warranted": False}}, TODAY, LIBRARY)
    assert changes["decision_reversed"] is True and changes["referral"] is None and events == []


def test_a_decision_cannot_be_dated_in_the_future():
    with pytest.raises(ValidationFailed):
        new(decision={**REFERRING, "decided_on": date(2026, 10, 1)})


def test_a_referral_is_recorded_once_and_not_before_the_decision():
    suspect, _ = new(decision=REFERRING)
    with pytest.raises(ValidationFailed):
        suspects.record_referral(CASE, suspect, date(2026, 9, 29))
    changes, events = suspects.record_referral(CASE, suspect, date(2026, 10, 8))
    assert changes["referral"]["transferred_on"] == "2026-10-08" and events[0][0] == "case.referral_recorded"
    assert suspects.record_referral(CASE, {**suspect, **changes}, date(2026, 10, 8)) == ({}, [])


def test_key_evaluation_reasons():
    arrested, _ = new(decision={**REFERRING, "administrative_penalty_warranted": False}, arrested_on=date(2026, 5, 1))
    assert suspects.key_evaluation_reasons([arrested]) == ["non_prosecution_after_arrest"]
    assert suspects.key_evaluation_reasons([{**arrested, "decision_reversed": True}]) == [
        "decision_reversed", "non_prosecution_after_arrest"]
    assert suspects.key_evaluation_reasons([new()[0]]) == []


def test_the_view_masks_for_readers_who_may_not_see_and_computes_overdue():
    suspect, _ = new(decision=REFERRING)
    shown = suspects.view(suspect, date(2026, 10, 12), may_see_personal_data=False)
    assert shown["id_number"] == "110101********231X" and shown["id_number_masked"] is True
    assert shown["referral"]["overdue"] is True
    assert suspects.view(suspect, date(2026, 10, 10), True)["referral"]["overdue"] is False


REPLY = {"recommendation_id": "r-1", "case_id": "c1", "suspect_id": "s1", "kind": "procuratorial_opinion",
         "received_on": date(2026, 11, 20),
         "penalty_outcome": {"decision": "penalized", "decided_on": date(2026, 11, 18), "penalty": "罚款五百元"}}


def test_the_penalty_outcome_of_the_reverse_referral_is_written_and_closes_the_referral():
    suspect, _ = new(decision=REFERRING)
    changes, events = suspects.record_penalty_outcome(suspect, REPLY)
    assert events == []
    assert changes["administrative_penalty"] == {"decision": "penalized", "decided_on": "2026-11-18",
                                                 "penalty": "罚款五百元", "recommendation_id": "r-1",
                                                 "reported_on": "2026-11-20"}
    after = {**suspect, **changes}
    assert after["referral"]["closed_on"] == "2026-11-20" and suspects.pending_referral(after) is None
    # Past its due date, an untransferred referral closed by the reply is not overdue.
    assert suspects.view(after, date(2026, 12, 31), True)["referral"]["overdue"] is False
    assert suspects.view(suspect, date(2026, 12, 31), True)["referral"]["overdue"] is True
    # The same outcome delivered again changes nothing.
    assert suspects.record_penalty_outcome(after, REPLY) == ({}, [])


YEAR_END = {**REFERRING, "decided_on": date(2026, 12, 31)}
LOADED_2027 = WorkingCalendar({2027: Schedule(2027, frozenset({date(2027, 1, 1)}), frozenset())})


def test_a_referral_due_in_a_year_with_no_schedule_is_provisional_and_says_so_in_its_event():
    suspect, events = suspects.new_suspect(CASE, {"name": "王某", "id_number": "11010119900307231x",
                                                 "layer": "peripheral", "charges": ["fraud"], "decision": YEAR_END,
                                                 "arrested_on": None}, NOW, date(2026, 12, 31), LIBRARY)
    assert suspect["referral"] == {"due_on": "2027-01-05", "transferred_on": None, "provisional": True}
    assert events[0][1]["referral_due_on"] == "2027-01-05" and events[0][1]["referral_due_provisional"] is True


def test_a_loaded_schedule_moves_a_provisional_referral_once_and_announces_it():
    suspect, _ = suspects.new_suspect(CASE, {"name": "王某", "id_number": "11010119900307231x",
                                            "layer": "peripheral", "charges": ["fraud"], "decision": YEAR_END,
                                            "arrested_on": None}, NOW, date(2026, 12, 31), LIBRARY)
    changes, events = suspects.recompute_referral(CASE, suspect, LOADED_2027)
    assert changes == {"referral": {"due_on": "2027-01-06", "transferred_on": None, "provisional": False}}
    assert [event[0] for event in events] == ["case.referral_due_moved"]
    assert events[0][1]["previous_due_on"] == "2027-01-05" and events[0][1]["referral_due_on"] == "2027-01-06"
    assert events[0][1]["handler_id"] == "u-li"
    # Computed again over the same schedule: nothing moves, nothing is announced.
    assert suspects.recompute_referral(CASE, {**suspect, **changes}, LOADED_2027) == ({}, [])


def test_a_recomputed_date_that_stays_only_stops_being_provisional():
    no_holiday = WorkingCalendar({2027: Schedule(2027, frozenset(), frozenset())})
    suspect, _ = suspects.new_suspect(CASE, {"name": "王某", "id_number": "11010119900307231x",
                                            "layer": "peripheral", "charges": ["fraud"], "decision": YEAR_END,
                                            "arrested_on": None}, NOW, date(2026, 12, 31), LIBRARY)
    changes, events = suspects.recompute_referral(CASE, suspect, no_holiday)
    assert changes["referral"]["due_on"] == "2027-01-05" and changes["referral"]["provisional"] is False
    assert events == []


def test_a_recorded_referral_is_not_recomputed():
    suspect, _ = suspects.new_suspect(CASE, {"name": "王某", "id_number": "11010119900307231x",
                                            "layer": "peripheral", "charges": ["fraud"], "decision": YEAR_END,
                                            "arrested_on": None}, NOW, date(2026, 12, 31), LIBRARY)
    recorded = {**suspect, "referral": {**suspect["referral"], "transferred_on": "2027-01-04"}}
    assert suspects.recompute_referral(CASE, recorded, LOADED_2027) == ({}, [])


def test_the_referral_reminds_on_its_due_day_then_is_overdue_and_neither_once_recorded():
    suspect, _ = suspects.new_suspect(CASE, {"name": "王某", "id_number": "11010119900307231x",
                                            "layer": "peripheral", "charges": ["fraud"], "decision": REFERRING,
                                            "arrested_on": None}, NOW, TODAY, LIBRARY)   # due 2026-10-10
    assert [t.name for t in suspects.REFERRAL_DEADLINE.thresholds] == ["due_today", "overdue"]
    event_type, payload = suspects.referral_deadline_event(CASE, suspect, "due_today", date(2026, 10, 10))
    assert event_type == "case.referral_due_today" and payload["referral_due_on"] == "2026-10-10"
    assert suspects.referral_deadline_event(CASE, suspect, "due_today", date(2026, 10, 12)) is None  # long past
    assert suspects.referral_deadline_event(CASE, suspect, "overdue", date(2026, 10, 11))[0] == "case.referral_overdue"
    recorded = {**suspect, "referral": {**suspect["referral"], "transferred_on": "2026-10-09"}}
    assert suspects.referral_deadline_event(CASE, recorded, "due_today", date(2026, 10, 10)) is None


def test_a_proposed_non_prosecution_is_recorded_before_the_decision_and_told_when_a_penalty_is_warranted():
    from kit.context import Actor
    from kit.errors import Conflict
    actor = Actor("u-li", ("prosecutor",), "criminal")
    suspect, _ = suspects.new_suspect(CASE, {"name": "王某", "id_number": "11010119900307231x", "layer": "peripheral",
                                            "charges": ["fraud"], "decision": None, "arrested_on": None},
                                      NOW, TODAY, LIBRARY)
    body = {"proposed_on": TODAY, "reason": "情节轻微", "administrative_penalty_warranted": True,
            "administrative_organ": None}
    changes, [(event_type, payload)] = suspects.propose_non_prosecution(CASE, suspect, body, actor, TODAY)
    assert changes["proposed_non_prosecution"]["proposed_on"] == "2026-09-30"
    assert event_type == "case.non_prosecution_proposed" and payload["notify_department"] == "administrative"
    assert suspects.propose_non_prosecution(CASE, {**suspect, **changes}, body, actor, TODAY) == ({}, [])
    quiet, events = suspects.propose_non_prosecution(CASE, suspect, {**body, "administrative_penalty_warranted": False},
                                                     actor, TODAY)
    assert quiet and events == []
    with pytest.raises(Conflict):
        suspects.propose_non_prosecution(CASE, {**suspect, "decision": {"decision": "prosecute"}}, body, actor, TODAY)
