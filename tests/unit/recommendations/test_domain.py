"""The recommendation status machine and its events, the deadline events, the reverse-referral
opinion and the statistics: pure, no broker."""
from datetime import date, datetime, timezone

import pytest

from kit.context import Actor
from kit.errors import Conflict, ValidationFailed
from services.recommendations import domain, policy, stats

NOW = datetime(2026, 11, 25, 8, 0, tzinfo=timezone.utc)
TODAY = date(2026, 11, 25)
S = policy.Settings()
PROSECUTOR = Actor("u-pi", ("prosecutor",), "public_interest")
CHIEF = Actor("u-chief", ("chief_procurator",), "leadership")
CASE = {"id": "c-1", "case_no": "平检公益〔2026〕7号", "title": "养老机构消防", "department": "public_interest",
        "handler_id": "u-pi"}
BODY = {"case_id": "c-1", "kind": "public_interest", "target_unit": "某区民政局", "title": "关于养老机构消防安全的检察建议",
        "problems": ["消防通道堵塞"], "proposals": ["清理消防通道"], "urgent_reply_days": None, "urgent": False}


def apply(rec, change):
    changes, events = change
    return {**rec, **changes}, events


def drafted(**body):
    rec, events = domain.new_recommendation(S, {**BODY, **body}, CASE, PROSECUTOR, NOW)
    return rec, events


def served(served_on=date(2026, 9, 30), **body):
    rec, _ = drafted(**body)
    rec, _ = apply(rec, domain.submit(rec))
    rec, _ = apply(rec, domain.approve(rec, CHIEF))
    rec, events = apply(rec, domain.serve(S, rec, {"served_on": served_on, "method": "written"}, TODAY))
    return rec, events


def test_a_new_recommendation_is_a_draft_of_the_case_department_announced_as_drafted():
    rec, events = drafted()
    assert rec["status"] == "draft" and rec["department"] == "public_interest" and rec["drafted_by"] == "u-pi"
    assert [t for t, _ in events] == ["recommendation.drafted"]
    assert events[0][1]["case_id"] == "c-1" and events[0][1]["kind"] == "public_interest"


def test_the_happy_path_sets_the_due_date_at_service_and_emits_each_step():
    rec, events = served(date(2026, 1, 31))
    assert rec["status"] == "served" and rec["reply_due_on"] == "2026-03-31"
    assert events[0][1]["reply_due_on"] == "2026-03-31" and events[0][1]["method"] == "written"
    rec, events = apply(rec, domain.reply(rec, {"received_on": date(2026, 3, 31), "adoption": "adopted",
                                                "content": "已整改"}, TODAY))
    payload = events[0][1]
    assert rec["status"] == "replied" and payload["on_time"] is True
    # What inspections needs to open its follow-up task.
    for key in ("recommendation_id", "case_id", "kind", "department", "target_unit", "title", "adoption",
                "received_on", "reply_due_on"):
        assert payload[key] is not None, key
    rec, events = apply(rec, domain.follow_up(rec, {"visited_on": date(2026, 4, 10), "notes": "回访",
                                                    "rectified_items": 46}, PROSECUTOR, TODAY))
    rec, events = apply(rec, domain.follow_up(rec, {"visited_on": date(2026, 5, 10), "notes": "回头看",
                                                    "rectified_items": 1}, PROSECUTOR, TODAY))
    assert rec["rectified_items_total"] == 47 and events[0][1]["rectified_items_total"] == 47
    rec, events = apply(rec, domain.close(rec, {"outcome": "implemented"}, PROSECUTOR, TODAY))
    assert rec["status"] == "closed" and events[0][0] == "recommendation.closed"


def test_an_urgent_public_interest_recommendation_is_due_in_15_days():
    rec, _ = served(date(2026, 2, 20), urgent=True)
    assert rec["reply_due_on"] == "2026-03-07"
    rec, _ = served(date(2026, 2, 20), urgent_reply_days=5)
    assert rec["reply_due_on"] == "2026-02-25"


def test_a_procuratorial_opinion_is_due_in_two_months():
    rec, _ = drafted(kind="procuratorial_opinion")
    assert rec["department"] == "administrative"
    rec, _ = apply(rec, domain.submit(rec))
    rec, _ = apply(rec, domain.approve(rec, CHIEF))
    rec, _ = apply(rec, domain.serve(S, rec, {"served_on": date(2027, 12, 31), "method": "announced"},
                                     date(2028, 1, 1)))
    assert rec["reply_due_on"] == "2028-02-29"


def test_rejection_returns_to_draft_and_keeps_the_comment():
    rec, _ = drafted()
    rec, _ = apply(rec, domain.submit(rec))
    rec, events = apply(rec, domain.reject(rec, CHIEF, "补充整改期限", NOW))
    assert rec["status"] == "draft" and rec["rejections"][0]["comment"] == "补充整改期限"
    assert events[0][1]["comment"] == "补充整改期限"
    rec, _ = apply(rec, domain.submit(rec))
    assert rec["status"] == "pending_approval"


def test_an_objection_amended_goes_to_approval_again_and_is_served_again():
    rec, _ = served()
    first_due = rec["reply_due_on"]
    rec, _ = apply(rec, domain.objection(rec, {"received_on": date(2026, 10, 8), "content": "不属实"}, TODAY))
    rec, events = apply(rec, domain.resolve_objection(rec, {"outcome": "amended", "amended": {
        "proposals": ["修改后的建议"]}}))
    assert rec["status"] == "pending_approval" and rec["proposals"] == ["修改后的建议"]
    assert rec["reply_due_on"] is None and not domain.awaiting_reply(rec)
    assert rec["amendments"][0]["reply_due_on"] == first_due and rec["amendments"][0]["proposals"] != ["修改后的建议"]
    assert [event[0] for event in events] == ["recommendation.objection_resolved", "recommendation.submitted"]
    rec, _ = apply(rec, domain.approve(rec, PROSECUTOR))
    assert rec["status"] == "approved"


@pytest.mark.parametrize("outcome,status", [("upheld", "served"), ("withdrawn", "withdrawn")])
def test_an_objection_is_resolved(outcome, status):
    rec, _ = served()
    rec, _ = apply(rec, domain.objection(rec, {"received_on": date(2026, 10, 8), "content": "不属实"}, TODAY))
    assert rec["status"] == "objected"
    rec, events = apply(rec, domain.resolve_objection(rec, {"outcome": outcome}))
    assert rec["status"] == status and rec["objections"][0]["outcome"] == outcome
    assert domain.awaiting_reply(rec) is (status == "served")


def test_not_adopted_then_escalated_then_closed_not_implemented():
    rec, _ = served()
    rec, _ = apply(rec, domain.reply(rec, {"received_on": date(2026, 10, 20), "adoption": "not_adopted",
                                           "content": "不予采纳"}, TODAY))
    rec, events = apply(rec, domain.escalate(rec, {"to": "public_interest_litigation", "reason": "拒不整改"},
                                             PROSECUTOR, NOW))
    assert rec["status"] == "escalated" and events[0][1]["to"] == "public_interest_litigation"
    with pytest.raises(Conflict):  # the reply is recorded once
        domain.reply(rec, {"received_on": date(2026, 10, 21), "adoption": "adopted", "content": "x"}, TODAY)
    rec, events = apply(rec, domain.close(rec, {"outcome": "not_implemented"}, PROSECUTOR, TODAY))
    assert rec["status"] == "closed" and rec["closing"]["outcome"] == "not_implemented"


@pytest.mark.parametrize("status,action", [
    ("draft", lambda r: domain.approve(r, CHIEF)),
    ("draft", lambda r: domain.serve(S, r, {"served_on": TODAY, "method": "written"}, TODAY)),
    ("approved", lambda r: domain.submit(r)),
    ("served", lambda r: domain.close(r, {"outcome": "implemented"}, PROSECUTOR, TODAY)),
    ("closed", lambda r: domain.escalate(r, {"to": "higher_procuratorate", "reason": "x"}, PROSECUTOR, NOW)),
    ("replied", lambda r: domain.objection(r, {"received_on": TODAY, "content": "x"}, TODAY)),
])
def test_an_illegal_transition_is_a_conflict_naming_the_current_status(status, action):
    rec, _ = drafted()
    with pytest.raises(Conflict) as err:
        action({**rec, "status": status})
    assert err.value.fields == {"status": [status]} and status in err.value.message


def test_dates_in_the_future_or_before_service_are_refused_naming_the_field():
    rec, _ = drafted()
    rec = {**rec, "status": "approved"}
    with pytest.raises(ValidationFailed) as err:
        domain.serve(S, rec, {"served_on": date(2026, 11, 26), "method": "written"}, TODAY)
    assert "served_on" in err.value.fields
    rec, _ = served(date(2026, 9, 30))
    with pytest.raises(ValidationFailed) as err:
        domain.reply(rec, {"received_on": date(2026, 9, 29), "adoption": "adopted", "content": "x"}, TODAY)
    assert "received_on" in err.value.fields


def test_a_late_reply_is_not_on_time():
    rec, _ = served(date(2026, 1, 31))
    _, events = domain.reply(rec, {"received_on": date(2026, 4, 1), "adoption": "adopted", "content": "x"}, TODAY)
    assert events[0][1]["on_time"] is False


def test_view_computes_overdue_from_today():
    rec, _ = served(date(2026, 8, 25))
    shown = domain.view(rec, TODAY)
    assert rec["reply_due_on"] == "2026-10-25"
    assert shown["overdue"] is True and shown["days_overdue"] == 31
    assert "overdue" not in rec
    replied, _ = apply(rec, domain.reply(rec, {"received_on": TODAY, "adoption": "adopted", "content": "x"}, TODAY))
    assert domain.view(replied, TODAY)["overdue"] is False


@pytest.mark.parametrize("threshold,today,expected", [
    ("due_soon_7d", date(2026, 3, 24), ("recommendation.due_soon", "days_left", 7)),
    ("due_soon_1d", date(2026, 3, 30), ("recommendation.due_soon", "days_left", 1)),
    ("due_soon_7d", date(2026, 4, 2), None),          # fired late, after the due date: no "due soon"
    # Fired late with a day or none left: the 1-day reminder is due as well and says it (not twice).
    ("due_soon_7d", date(2026, 3, 30), None),
    ("due_soon_7d", date(2026, 3, 31), None),
    # On the due day "due today" says it (the 1-day one, fired late, does not say it again).
    ("due_soon_1d", date(2026, 3, 31), None),
    ("due_soon_0d", date(2026, 3, 31), ("recommendation.due_soon", "days_left", 0)),
    ("due_soon_0d", date(2026, 4, 1), None),
    ("due_soon_7d", date(2026, 3, 29), ("recommendation.due_soon", "days_left", 2)),  # late, but before the 1-day one
    ("overdue", date(2026, 4, 1), ("recommendation.overdue", "days_overdue", 1)),
    ("very_overdue", date(2026, 4, 30), ("recommendation.very_overdue", "days_overdue", 30)),
    ("very_overdue", date(2026, 4, 29), None),
])
def test_deadline_events(threshold, today, expected):
    rec, _ = served(date(2026, 1, 31))
    event = domain.deadline_event(S, rec, threshold, today)
    if expected is None:
        assert event is None
    else:
        assert event[0] == expected[0] and event[1][expected[1]] == expected[2]


def test_a_late_reminder_is_left_to_a_nearer_one_only_if_one_is_configured():
    rec, _ = served(date(2026, 1, 31))      # due 2026-03-31
    only_five = policy.Settings(due_soon_days=(5,))
    assert domain.deadline_event(only_five, rec, "due_soon_5d", date(2026, 3, 30))[1]["days_left"] == 1
    three_and_one = policy.Settings(due_soon_days=(7, 3, 1))
    assert domain.deadline_event(three_and_one, rec, "due_soon_7d", date(2026, 3, 29)) is None  # the 3-day one
    assert domain.deadline_event(three_and_one, rec, "due_soon_3d", date(2026, 3, 29))[1]["days_left"] == 2


def test_no_deadline_event_once_replied():
    rec, _ = served(date(2026, 1, 31))
    rec, _ = apply(rec, domain.reply(rec, {"received_on": date(2026, 3, 1), "adoption": "adopted",
                                           "content": "x"}, TODAY))
    assert domain.deadline_event(S, rec, "overdue", date(2026, 4, 2)) is None


PAYLOAD = {"case_id": "c-9", "case_no": "平检刑诉〔2026〕9号", "title": "帮信案", "department": "criminal",
           "handler_id": "u-crim", "suspect_id": "s-1", "suspect_name": "王某", "layer": "peripheral",
           "charges": ["helping_network_crime"], "decided_on": date(2026, 9, 29), "reason": "情节轻微",
           "administrative_organ": "某区公安分局", "referral_due_on": date(2026, 10, 9)}


def test_the_reverse_referral_drafts_one_opinion_per_case_and_suspect():
    rec, events = domain.opinion_for_non_prosecution(PAYLOAD, NOW)
    again, _ = domain.opinion_for_non_prosecution(PAYLOAD, NOW)
    assert rec["_id"] == again["_id"] != domain.referral_id("c-9", "s-2")
    assert rec["kind"] == "procuratorial_opinion" and rec["department"] == "administrative"
    assert rec["target_unit"] == "某区公安分局" and rec["suspect_id"] == "s-1" and rec["status"] == "draft"
    assert events[0][0] == "recommendation.drafted"


def test_an_opinion_the_departments_disagree_on_needs_the_joint_meeting_before_submission():
    rec, _ = domain.opinion_for_non_prosecution(PAYLOAD, NOW)
    rec, _ = apply(rec, domain.record_disagreement(rec, "刑检认为无需处罚"))
    with pytest.raises(Conflict) as err:
        domain.submit(rec)
    assert "joint_meeting" in err.value.fields
    rec, _ = apply(rec, domain.record_joint_meeting(rec, {"held_on": date(2026, 10, 12), "participants": ["甲", "乙"],
                                                           "conclusion": "制发检察意见"}))
    rec, _ = apply(rec, domain.submit(rec))
    assert rec["status"] == "pending_approval"


def test_an_opinion_without_target_unit_cannot_be_submitted():
    rec, _ = domain.opinion_for_non_prosecution({**PAYLOAD, "administrative_organ": None}, NOW)
    with pytest.raises(ValidationFailed) as err:
        domain.submit(rec)
    assert list(err.value.fields) == ["target_unit"]


def test_the_penalty_outcome_is_only_for_opinions_and_travels_in_the_replied_event():
    rec, _ = served()
    with pytest.raises(ValidationFailed) as err:
        domain.reply(rec, {"received_on": date(2026, 10, 8), "adoption": "adopted", "content": "x",
                           "penalty_outcome": {"decision": "penalized", "decided_on": date(2026, 10, 8),
                                               "penalty": "罚款"}}, TODAY)
    assert "penalty_outcome" in err.value.fields
    opinion = {**domain.opinion_for_non_prosecution(PAYLOAD, NOW)[0], "status": "served", "served_on": "2026-10-01",
               "reply_due_on": "2026-12-01"}
    _, events = domain.reply(opinion, {"received_on": date(2026, 10, 8), "adoption": "adopted", "content": "已处罚",
                                       "penalty_outcome": {"decision": "penalized", "decided_on": date(2026, 10, 7),
                                                           "penalty": "罚款五百元"}}, TODAY)
    assert events[0][1]["penalty_outcome"] == {"decision": "penalized", "decided_on": "2026-10-07",
                                               "penalty": "罚款五百元"}
    assert events[0][1]["suspect_id"] == "s-1"


def test_stats_of_a_scripted_scenario():
    recs = []
    for i in range(10):
        rec, _ = served(date(2026, 8, 1))  # due 2026-10-01
        if i < 7:
            adoption = "adopted" if i < 5 else ("partially_adopted" if i == 5 else "not_adopted")
            received = date(2026, 9, 15) if i < 6 else date(2026, 10, 5)
            rec, _ = apply(rec, domain.reply(rec, {"received_on": received, "adoption": adoption, "content": "x"},
                                             TODAY))
        if i == 0:
            rec, _ = apply(rec, domain.follow_up(rec, {"visited_on": date(2026, 10, 1), "notes": "x",
                                                       "rectified_items": 3}, PROSECUTOR, TODAY))
            rec, _ = apply(rec, domain.close(rec, {"outcome": "implemented"}, PROSECUTOR, TODAY))
        recs.append(rec)
    # two of the three unanswered are only just overdue (served later)
    recs[7] = {**recs[7], "reply_due_on": "2026-11-20"}
    recs[8] = {**recs[8], "reply_due_on": "2026-11-30"}
    report = stats.report(S, recs, TODAY)
    assert report == {"issued": 10, "replied": 7, "reply_rate": 0.7, "replied_on_time": 6,
                      "on_time_reply_rate": 0.6, "adopted": 6, "adopted_fully": 5, "adopted_partially": 1,
                      "adoption_rate": round(6 / 7, 4), "closed_implemented": 1, "overdue_now": 2,
                      "very_overdue_now": 1, "rectified_items_total": 3}


def test_stats_of_nothing_have_no_rates():
    report = stats.report(S, [], TODAY)
    assert report["issued"] == 0 and report["reply_rate"] is None and report["adoption_rate"] is None
