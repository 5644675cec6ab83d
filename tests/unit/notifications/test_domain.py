from datetime import datetime, timezone

from services.notifications import domain

EVENT = {"event_id": "e1", "type": "case.assigned",
         "payload": {"case_id": "c1", "case_no": "平检刑诉〔2026〕7号", "title": "李某帮信案",
                     "department": "criminal", "handler_id": "u-pros", "previous_handler_id": None}}


def test_assignment_notifies_the_new_handler_in_chinese_naming_the_case():
    [note] = domain.for_case_assigned(EVENT, datetime(2026, 11, 25, tzinfo=timezone.utc))
    assert note["recipient_id"] == "u-pros" and note["channel"] == "in_app"
    assert "平检刑诉〔2026〕7号" in note["title"]
    assert "李某帮信案" in note["body"] and "承办人" in note["body"]
    assert note["ref"] == {"kind": "case", "id": "c1"}
    assert note["event_id"] == "e1" and note["read_at"] is None


REC = {"recommendation_id": "r1", "case_id": "c1", "case_no": "N-1", "kind": "public_interest",
       "department": "public_interest", "target_unit": "某区民政局", "title": "养老机构消防安全", "status": "draft",
       "drafted_by": "u-pi", "suspect_id": None}


def test_the_drafter_hears_of_a_rejection_with_its_comment():
    event = {"event_id": "e2", "type": "recommendation.rejected",
             "payload": {**REC, "comment": "补充整改期限", "rejected_by": "u-chief"}}
    [note] = domain.for_recommendation(event, datetime(2026, 11, 25, tzinfo=timezone.utc))
    assert note["recipient_id"] == "u-pi" and note["ref"] == {"kind": "recommendation", "id": "r1"}
    assert "退回" in note["title"] and "补充整改期限" in note["body"]


def test_an_overdue_reply_names_the_unit_and_the_days():
    event = {"event_id": "e3", "type": "recommendation.overdue",
             "payload": {**REC, "status": "served", "served_on": "2026-08-01", "reply_due_on": "2026-10-01",
                         "days_overdue": 3}}
    [note] = domain.for_recommendation(event, datetime(2026, 11, 25, tzinfo=timezone.utc))
    assert "某区民政局" in note["body"] and "3 天" in note["body"] and "2026-10-01" in note["body"]


def test_an_opinion_drafted_by_an_event_has_no_one_to_tell():
    event = {"event_id": "e4", "type": "recommendation.rejected",
             "payload": {**REC, "drafted_by": None, "comment": "x", "rejected_by": "u-chief"}}
    assert domain.for_recommendation(event, datetime(2026, 11, 25, tzinfo=timezone.utc)) == []
