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


# What the drafter (承办人) of a recommendation hears of it; a recommendation drafted by an event
# (the reverse referral's opinion, drafted_by null) has no one to tell yet.
_RECOMMENDATION_NEWS = {
    "recommendation.approved": ("检察建议已批准：{title}", "检察长已批准检察建议「{title}」，请及时送达{target_unit}。"),
    "recommendation.rejected": ("检察建议被退回：{title}", "检察长退回了检察建议「{title}」，意见：{comment}"),
    "recommendation.due_soon": ("检察建议回复期限将至：{title}",
                                "{target_unit}对检察建议「{title}」的回复期限为 {reply_due_on}（还有 {days_left} 天），尚未回复。"),
    "recommendation.overdue": ("检察建议逾期未回复：{title}",
                               "{target_unit}对检察建议「{title}」的回复已逾期 {days_overdue} 天（期限 {reply_due_on}），请督促落实。"),
    "recommendation.very_overdue": ("检察建议严重逾期：{title}",
                                    "{target_unit}对检察建议「{title}」的回复已逾期 {days_overdue} 天，已提请检察长关注，"
                                    "可依法报告上级、通报主管部门或转为公益诉讼。"),
    "recommendation.replied": ("检察建议已回复：{title}",
                               "{target_unit}已回复检察建议「{title}」（{adoption_label}），请及时跟进回访、督促整改。"),
}
_ADOPTION_LABELS = {"adopted": "采纳", "partially_adopted": "部分采纳", "not_adopted": "未采纳"}


def for_recommendation(event, now):
    rec = event["payload"]
    if not rec.get("drafted_by") or event["type"] not in _RECOMMENDATION_NEWS:
        return []
    fields = {**rec, "target_unit": rec.get("target_unit") or "被建议单位",
              "adoption_label": _ADOPTION_LABELS.get(rec.get("adoption"), "")}
    title, body = (text.format_map(_Blank(fields)) for text in _RECOMMENDATION_NEWS[event["type"]])
    return [_notification(event, rec["drafted_by"], title, body, "recommendation", rec["recommendation_id"], now)]


class _Blank(dict):
    def __missing__(self, key):
        return ""
