"""The effectiveness figures of recommendations (reply rate, adoption rate, rectification), computed
from the recommendations served in a period: pure, today passed in.

Rates are None when their denominator is zero. ``on_time_reply_rate`` is the share of the issued
(served) recommendations answered by their due date (按期回复率 = 按期回复数 / 应回复数)."""
from services.recommendations import policy

FIELDS = ("status", "reply", "reply_due_on", "rectified_items_total", "closing")


def _rate(part, whole):
    return round(part / whole, 4) if whole else None


def report(settings, recommendations, today):
    issued = replied = on_time = fully = partially = implemented = overdue = very = rectified = 0
    for rec in recommendations:
        issued += 1
        answer = rec.get("reply")
        if answer:
            replied += 1
            on_time += bool(answer.get("on_time"))
            fully += answer["adoption"] == "adopted"
            partially += answer["adoption"] == "partially_adopted"
        elif rec.get("status") in policy.AWAITING_REPLY:
            is_overdue, days = policy.lateness(rec, today)
            overdue += is_overdue
            very += is_overdue and days >= settings.very_overdue_days
        closing = rec.get("closing") or {}
        implemented += closing.get("outcome") == "implemented"
        rectified += rec.get("rectified_items_total") or 0
    adopted = fully + partially
    return {"issued": issued, "replied": replied, "reply_rate": _rate(replied, issued), "replied_on_time": on_time,
            "on_time_reply_rate": _rate(on_time, issued), "adopted": adopted, "adopted_fully": fully,
            "adopted_partially": partially, "adoption_rate": _rate(adopted, replied),
            "closed_implemented": implemented, "overdue_now": overdue, "very_overdue_now": very,
            "rectified_items_total": rectified}
