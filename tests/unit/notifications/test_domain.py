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
