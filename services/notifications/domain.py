"""Which notifications an event produces, and their zh-CN wording. No I/O here."""
import uuid

IN_APP = "in_app"


def _notification(event, recipient_id, title, body, ref_kind, ref_id, now, channel=IN_APP):
    return {
        "_id": uuid.uuid4().hex,
        "recipient_id": recipient_id,
        "channel": channel,
        "type": event["type"],
        "event_id": event["event_id"],
        "title": title,
        "body": body,
        "ref": {"kind": ref_kind, "id": ref_id},
        "created_at": now,
        "read_at": None,
    }


def for_case_assigned(event, now):
    case = event["payload"]
    title = f"新案件分配：{case['case_no']}"
    body = f"您已被指定为案件「{case['title']}」（案号：{case['case_no']}）的承办人，请及时办理。"
    return [_notification(event, case["handler_id"], title, body, "case", case["case_id"], now)]
