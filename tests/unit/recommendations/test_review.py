"""The reverse referral's review (行刑反向衔接): the administrative department reviews the case within
10 working days of its transfer (configurable), due today / overdue once each until the opinion is
submitted; provisional over a year with no schedule, and recomputed when the year is loaded."""
from datetime import date

from kit.calendar import Schedule, WorkingCalendar
from services.recommendations import domain, policy

SETTINGS = policy.Settings()
OPINION = {"_id": "r1", "case_id": "c1", "case_no": "N-1", "kind": "procuratorial_opinion",
           "department": "administrative", "target_unit": None, "title": "检察意见", "status": "draft",
           "drafted_by": None, "suspect_id": "s1", "version": 1}


def test_the_review_is_due_ten_working_days_after_the_transfer():
    changes, events = domain.start_review(SETTINGS, OPINION, date(2026, 9, 28), WorkingCalendar())
    # Mon 28 Sep: 29, 30 Sep, then National Day; back on 8 (Thu), 9, 10 (an adjusted Saturday) Oct, 12–16.
    assert changes == {"review": {"referred_on": "2026-09-28", "due_on": "2026-10-16", "provisional": False}}
    assert events == []
    assert domain.start_review(SETTINGS, {**OPINION, **changes}, date(2026, 9, 28), WorkingCalendar()) == ({}, [])


def test_the_number_of_days_is_configuration():
    settings = policy.Settings.from_config({"REFERRAL_REVIEW_WORKING_DAYS": "5"})
    changes, _ = domain.start_review(settings, OPINION, date(2026, 3, 2), WorkingCalendar())
    assert changes["review"]["due_on"] == "2026-03-09"


def test_over_an_unknown_year_it_is_provisional_and_recomputed_once_loaded():
    changes, _ = domain.start_review(SETTINGS, OPINION, date(2026, 12, 31), WorkingCalendar())
    assert changes["review"] == {"referred_on": "2026-12-31", "due_on": "2027-01-14", "provisional": True}
    loaded = WorkingCalendar({2027: Schedule(2027, frozenset({date(2027, 1, 1)}), frozenset())})
    opinion = {**OPINION, **changes}
    moved, [(event_type, payload)] = domain.recompute_review(SETTINGS, opinion, loaded)
    assert moved["review"] == {"referred_on": "2026-12-31", "due_on": "2027-01-15", "provisional": False}
    assert event_type == "recommendation.review_due_moved" and payload["previous_due_on"] == "2027-01-14"
    assert domain.recompute_review(SETTINGS, {**opinion, **moved}, loaded) == ({}, [])


def test_due_today_and_overdue_fire_only_while_the_opinion_is_a_draft():
    opinion = {**OPINION, "review": {"referred_on": "2026-12-11", "due_on": "2026-12-25", "provisional": False}}
    assert domain.review_deadline_event(opinion, "due_today", date(2026, 12, 25))[0] == "recommendation.review_due_today"
    assert domain.review_deadline_event(opinion, "due_today", date(2026, 12, 31)) is None  # a day long past
    event_type, payload = domain.review_deadline_event(opinion, "overdue", date(2026, 12, 31))
    assert event_type == "recommendation.review_overdue" and payload["days_overdue"] == 6
    assert payload["review_due_on"] == "2026-12-25" and payload["recommendation_id"] == "r1"
    submitted = {**opinion, "status": "pending_approval"}
    assert domain.review_deadline_event(submitted, "overdue", date(2026, 12, 31)) is None
    assert domain.recompute_review(SETTINGS, submitted, WorkingCalendar()) == ({}, [])


# -- extending the reply deadline ------------------------------------------------------------------
from datetime import datetime, timezone  # noqa: E402

import pytest  # noqa: E402

from kit.context import Actor  # noqa: E402
from kit.errors import Conflict, Forbidden, ValidationFailed  # noqa: E402

CHIEF = Actor("u-chief", ("chief_procurator",), "leadership")
NOW = datetime(2026, 5, 6, 2, tzinfo=timezone.utc)
COURT = {**OPINION, "kind": "court_execution", "department": "civil", "status": "served",
         "served_on": "2026-01-31", "reply_due_on": "2026-04-30", "extensions": []}


def test_the_courts_get_one_month_more_once_by_the_rule():
    changes, [(event_type, payload)] = domain.extend(SETTINGS, COURT, {"reason": "法院申请延期"}, CHIEF, NOW)
    assert changes["reply_due_on"] == "2026-05-30" and changes["extensions"][0]["from"] == "2026-04-30"
    assert event_type == "recommendation.deadline_extended" and payload["previous_due_on"] == "2026-04-30"
    with pytest.raises(Conflict):
        domain.extend(SETTINGS, {**COURT, **changes}, {"reason": "再次申请"}, CHIEF, NOW)


def test_any_kind_may_be_extended_to_a_named_later_day_with_a_reason():
    rec = {**COURT, "kind": "public_interest"}
    with pytest.raises(ValidationFailed) as refused:
        domain.extend(SETTINGS, rec, {"reason": "理由"}, CHIEF, NOW)        # no statutory extension: name the day
    assert "until" in refused.value.fields
    with pytest.raises(ValidationFailed):
        domain.extend(SETTINGS, rec, {"reason": "理由", "until": date(2026, 4, 1)}, CHIEF, NOW)  # not later
    changes, _ = domain.extend(SETTINGS, rec, {"reason": "理由", "until": date(2026, 6, 1)}, CHIEF, NOW)
    assert changes["reply_due_on"] == "2026-06-01"
    with pytest.raises(Conflict):
        domain.extend(SETTINGS, {**rec, "status": "replied"}, {"reason": "理由", "until": date(2026, 6, 1)}, CHIEF, NOW)


def test_only_the_chief_or_the_departments_head_extends():
    policy.ensure_can_extend(CHIEF, COURT)
    policy.ensure_can_extend(Actor("u-h", ("department_head",), "civil"), COURT)
    for actor in (Actor("u-h2", ("department_head",), "criminal"), Actor("u-p", ("prosecutor",), "civil")):
        with pytest.raises(Forbidden):
            policy.ensure_can_extend(actor, COURT)


def test_a_follow_up_task_done_is_written_on_the_recommendation_once():
    replied = {**COURT, "status": "replied", "follow_ups": [], "rectified_items_total": 3}
    payload = {"task_id": "t1", "title": "回头看", "completed_on": date(2026, 9, 1), "summary": "整改到位",
               "completed_by": "u-owner", "owner_id": None}
    changes, [(event_type, event)] = domain.follow_up_task_done(replied, payload)
    assert changes["follow_ups"] == [{"visited_on": "2026-09-01", "notes": "整改到位", "rectified_items": 0,
                                      "by": "u-owner", "task_id": "t1"}]
    assert event_type == "recommendation.followed_up" and event["rectified_items_total"] == 3
    assert domain.follow_up_task_done({**replied, **changes}, payload) == ({}, [])
    assert domain.follow_up_task_done({**replied, "status": "served"}, payload) == ({}, [])
