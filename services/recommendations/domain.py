"""Recommendation rules, free of any broker or database: the status machine and the events each
step produces (``(changes, events)``, committed together through the outbox).

draft → pending_approval → approved → served → replied → closed, with the side paths of the domain
brief: rejection back to draft (the comment kept), an objection (→ objected; upheld or amended →
served again, withdrawn → withdrawn), escalation (报告上级、通报主管部门、报告党委人大、转公益诉讼)
from served, replied or escalated, follow-ups (回访、回头看) once replied, any number of times.
"""
import uuid
from datetime import date

from contracts.enums import RECOMMENDATION_STATUSES
from kit import calendar
from kit.errors import Conflict, ValidationFailed
from services.recommendations import policy

# action -> statuses it may start from
ALLOWED_FROM = {
    "edit": ("draft",),
    "disagreement": ("draft",),
    "joint_meeting": ("draft",),
    "submit": ("draft",),
    "approve": ("pending_approval",),
    "reject": ("pending_approval",),
    "serve": ("approved",),
    "objection": ("served",),
    "resolve_objection": ("objected",),
    "reply": ("served", "escalated"),
    "follow_up": ("replied", "escalated"),
    "escalate": ("served", "replied", "escalated"),
    "close": ("replied", "escalated"),
    "extend": ("served", "objected", "escalated"),
}
ACTION_LABELS = {"edit": "修改", "disagreement": "登记部门分歧", "joint_meeting": "登记联席会议", "submit": "提请审批",
                 "approve": "批准", "reject": "退回", "serve": "送达", "objection": "登记异议",
                 "resolve_objection": "处理异议", "reply": "登记回复", "follow_up": "登记回访", "escalate": "升级督促",
                 "close": "结案", "extend": "延长回复期限"}


def _label(status):
    return RECOMMENDATION_STATUSES.get(status, status)


def ensure_allowed(recommendation, action):
    """Conflict (409) naming the current status when ``action`` cannot start from it."""
    current = recommendation["status"]
    if current not in ALLOWED_FROM[action]:
        allowed = "、".join(_label(s) for s in ALLOWED_FROM[action])
        raise Conflict(f"检察建议当前状态为「{_label(current)}」（{current}），不能{ACTION_LABELS[action]}"
                       f"（仅限：{allowed}）", fields={"status": [current]})


def ref(rec, status=None):
    """The part every event payload starts with."""
    return {"recommendation_id": rec["_id"], "case_id": rec["case_id"], "case_no": rec.get("case_no"),
            "kind": rec["kind"], "department": rec["department"], "target_unit": rec.get("target_unit"),
            "title": rec["title"], "status": status or rec["status"], "drafted_by": rec.get("drafted_by"),
            "suspect_id": rec.get("suspect_id")}


def _blank(now):
    return {"_id": uuid.uuid4().hex, "status": "draft", "version": 1, "rejections": [], "objections": [],
            "reply": None, "follow_ups": [], "rectified_items_total": 0, "escalations": [], "closing": None,
            "served_on": None, "service_method": None, "reply_due_on": None, "approved_by": None,
            "departments_disagree": False, "disagreement_note": None, "joint_meeting": None, "suspect_id": None,
            "suspect_name": None, "created_at": now, "updated_at": now}


def department_for(kind, case):
    """The issuing department: the case's, except a procuratorial opinion of the reverse referral,
    which the administrative department issues (行政检察部)."""
    return "administrative" if kind == "procuratorial_opinion" else case["department"]


def new_recommendation(settings, body, case, actor, now):
    """(recommendation, events) for a draft on ``case`` (as the service knows it)."""
    # Checked now so a draft never holds an urgent flag its kind cannot honour.
    policy.urgent_days(settings, body["kind"], body.get("urgent"), body.get("urgent_reply_days"))
    rec = {**_blank(now), "case_id": case["id"], "case_no": case.get("case_no"), "kind": body["kind"],
           "department": department_for(body["kind"], case), "target_unit": body["target_unit"],
           "title": body["title"], "problems": list(body["problems"]), "proposals": list(body["proposals"]),
           "urgent": bool(body.get("urgent")), "urgent_reply_days": body.get("urgent_reply_days"),
           "drafted_by": actor.user_id}
    return rec, [("recommendation.drafted", ref(rec))]


def referral_id(case_id, suspect_id):
    """The one opinion of a (case, suspect) of the reverse referral: its id is derived from both."""
    return uuid.uuid5(uuid.NAMESPACE_URL, f"pingjian:procuratorial_opinion:{case_id}:{suspect_id}").hex


def opinion_for_non_prosecution(payload, now):
    """(opinion, events): the draft procuratorial opinion (检察意见) a non-prosecution with an
    administrative penalty starts, for the administrative department, addressed to the
    administrative organ when the decision names it (else completed by the department)."""
    rec = {**_blank(now), "_id": referral_id(payload["case_id"], payload["suspect_id"]),
           "case_id": payload["case_id"], "case_no": payload["case_no"], "kind": "procuratorial_opinion",
           "department": "administrative", "target_unit": payload.get("administrative_organ"),
           "title": f"关于对{payload['suspect_name']}给予行政处罚的检察意见",
           "problems": [f"{payload['suspect_name']}经审查决定不起诉（{payload['reason']}），"
                        f"不起诉决定日期 {payload['decided_on'].isoformat()}，但其行为应予行政处罚。"],
           "proposals": ["建议依法对被不起诉人给予行政处罚，并将处理结果书面回复本院。"],
           "urgent": False, "urgent_reply_days": None, "drafted_by": None,
           "suspect_id": payload["suspect_id"], "suspect_name": payload["suspect_name"],
           "origin": {"event": "case.non_prosecution_decided", "decided_on": payload["decided_on"].isoformat(),
                      "criminal_handler_id": payload.get("handler_id"), "criminal_department": payload["department"]}}
    return rec, [("recommendation.drafted", ref(rec))]


def edit(settings, rec, body):
    ensure_allowed(rec, "edit")
    changes = {key: value for key, value in body.items() if rec.get(key) != value}
    merged = {**rec, **changes}
    policy.urgent_days(settings, rec["kind"], merged.get("urgent"), merged.get("urgent_reply_days"))
    return changes, []


def record_disagreement(rec, note):
    ensure_allowed(rec, "disagreement")
    if rec["kind"] != "procuratorial_opinion":
        raise ValidationFailed("只有检察意见（行刑反向衔接）需要登记部门分歧", fields={"note": ["仅限检察意见"]})
    return {"departments_disagree": True, "disagreement_note": note}, []


def record_joint_meeting(rec, body):
    ensure_allowed(rec, "joint_meeting")
    meeting = {"held_on": body["held_on"].isoformat(), "participants": list(body["participants"]),
               "conclusion": body["conclusion"]}
    return {"joint_meeting": meeting}, []


def submit(rec):
    ensure_allowed(rec, "submit")
    missing = {name: ["提请审批前须填写"] for name in ("target_unit", "title", "problems", "proposals")
               if not rec.get(name)}
    if missing:
        raise ValidationFailed("检察建议内容不完整，不能提请审批", fields=missing)
    if rec.get("departments_disagree") and not rec.get("joint_meeting"):
        raise Conflict("刑事检察部门与行政检察部门意见不一致，须先登记检察官联席会议的情况",
                       fields={"joint_meeting": ["须先登记联席会议（日期、参加人员、结论）"]})
    return {"status": "pending_approval"}, [("recommendation.submitted", ref(rec, "pending_approval"))]


def approve(rec, actor):
    ensure_allowed(rec, "approve")
    return ({"status": "approved", "approved_by": actor.user_id},
            [("recommendation.approved", {**ref(rec, "approved"), "approved_by": actor.user_id})])


def reject(rec, actor, comment, now):
    ensure_allowed(rec, "reject")
    rejection = {"comment": comment, "rejected_by": actor.user_id, "rejected_at": now}
    return ({"status": "draft", "rejections": [*rec.get("rejections", []), rejection]},
            [("recommendation.rejected", {**ref(rec, "draft"), "comment": comment, "rejected_by": actor.user_id})])


def _not_after_today(value, name, today):
    if value > today:
        raise ValidationFailed("日期不能晚于今天", fields={name: ["日期不能晚于今天"]})


def _not_before(value, name, earlier, what):
    if earlier and value < date.fromisoformat(earlier):
        raise ValidationFailed(f"日期不能早于{what}", fields={name: [f"不能早于{what}（{earlier}）"]})


def serve(settings, rec, body, today):
    ensure_allowed(rec, "serve")
    served_on = body["served_on"]
    _not_after_today(served_on, "served_on", today)
    days = policy.urgent_days(settings, rec["kind"], rec.get("urgent"), rec.get("urgent_reply_days"))
    due = policy.reply_due_on(settings, rec["kind"], served_on, days).isoformat()
    changes = {"status": "served", "served_on": served_on.isoformat(), "service_method": body["method"],
               "reply_due_on": due}
    return changes, [("recommendation.served", {**ref(rec, "served"), "served_on": served_on.isoformat(),
                                                "method": body["method"], "reply_due_on": due})]


def extend(settings, rec, body, actor, now):
    """(changes, events) for the reply deadline extended, with its reason, by an authorised role: to
    ``until``, or by the kind's ``extension_months`` (the courts: one month) when not given. Later
    than the current due date; the kind's extension is granted once. The reminders move with it."""
    ensure_allowed(rec, "extend")
    current = date.fromisoformat(rec["reply_due_on"])
    until = body.get("until")
    if until is None:
        months = settings.reply_rules[rec["kind"]].get("extension_months")
        if not months:
            raise ValidationFailed("该种类检察建议没有法定的延长期限，请写明延长至哪一天",
                                   fields={"until": ["须写明延长至的日期"]})
        if any(entry.get("by_rule") for entry in rec.get("extensions") or []):
            raise Conflict("法定的延长期限已经批准过一次", fields={"until": ["已延长过"]})
        until = calendar.add_months(current, months)
    if until <= current:
        raise ValidationFailed("延长后的期限应晚于现在的回复期限",
                               fields={"until": [f"应晚于 {current.isoformat()}"]})
    entry = {"from": current.isoformat(), "to": until.isoformat(), "reason": body["reason"],
             "by": actor.user_id, "at": now.isoformat(timespec="milliseconds"), "by_rule": body.get("until") is None}
    return ({"reply_due_on": until.isoformat(), "extensions": [*(rec.get("extensions") or []), entry]},
            [("recommendation.deadline_extended", {**ref(rec), "previous_due_on": entry["from"],
                                                   "reply_due_on": entry["to"], "reason": body["reason"],
                                                   "extended_by": actor.user_id})])


def objection(rec, body, today):
    ensure_allowed(rec, "objection")
    _not_after_today(body["received_on"], "received_on", today)
    _not_before(body["received_on"], "received_on", rec.get("served_on"), "送达日期")
    entry = {"received_on": body["received_on"].isoformat(), "content": body["content"], "outcome": None,
             "note": None}
    return ({"status": "objected", "objections": [*rec.get("objections", []), entry]},
            [("recommendation.objected", {**ref(rec, "objected"), "received_on": entry["received_on"],
                                          "content": body["content"]})])


def resolve_objection(rec, body):
    """upheld: the recommendation stands and its reply is awaited again, by the same due date;
    withdrawn: it ends here; amended: the amended text goes to the chief procurator for approval
    again (pending_approval, the chief is told as for any submission) and is served again, with a
    reply deadline of its own; the text as first served is kept in ``amendments``."""
    ensure_allowed(rec, "resolve_objection")
    objections = [dict(o) for o in rec.get("objections", [])]
    objections[-1].update(outcome=body["outcome"], note=body.get("note") or None)
    if body["outcome"] != "amended":
        status = "withdrawn" if body["outcome"] == "withdrawn" else "served"
        return ({"status": status, "objections": objections},
                [("recommendation.objection_resolved", {**ref(rec, status), "outcome": body["outcome"]})])
    text = {key: value for key, value in body["amended"].items() if value is not None}
    before = {"title": rec["title"], "problems": rec["problems"], "proposals": rec["proposals"],
              "served_on": rec.get("served_on"), "reply_due_on": rec.get("reply_due_on")}
    changes = {"status": "pending_approval", "objections": objections, **text,
               "amendments": [*(rec.get("amendments") or []), before],
               "served_on": None, "service_method": None, "reply_due_on": None, "approved_by": None}
    after = {**rec, **changes}
    return changes, [("recommendation.objection_resolved", {**ref(after, "pending_approval"), "outcome": "amended"}),
                     ("recommendation.submitted", ref(after, "pending_approval"))]


def reply(rec, body, today):
    ensure_allowed(rec, "reply")
    if rec.get("reply"):
        raise Conflict("已登记回复，不能重复登记", fields={"status": [rec["status"]]})
    received_on = body["received_on"]
    _not_after_today(received_on, "received_on", today)
    _not_before(received_on, "received_on", rec.get("served_on"), "送达日期")
    penalty = body.get("penalty_outcome")
    if penalty and rec["kind"] != "procuratorial_opinion":
        raise ValidationFailed("只有检察意见的回复可以载明行政处罚结果", fields={"penalty_outcome": ["仅限检察意见"]})
    if penalty:
        _not_after_today(penalty["decided_on"], "penalty_outcome", today)
        penalty = {**penalty, "decided_on": penalty["decided_on"].isoformat()}
    on_time = received_on <= date.fromisoformat(rec["reply_due_on"])
    answer = {"received_on": received_on.isoformat(), "adoption": body["adoption"], "content": body["content"],
              "on_time": on_time, "penalty_outcome": penalty}
    return ({"status": "replied", "reply": answer},
            [("recommendation.replied", {**ref(rec, "replied"), "received_on": answer["received_on"],
                                         "reply_due_on": rec["reply_due_on"], "on_time": on_time,
                                         "adoption": body["adoption"], "content": body["content"],
                                         "penalty_outcome": penalty,
                                         "criminal_handler_id": (rec.get("origin") or {}).get("criminal_handler_id")})])


def follow_up(rec, body, actor, today):
    ensure_allowed(rec, "follow_up")
    _not_after_today(body["visited_on"], "visited_on", today)
    _not_before(body["visited_on"], "visited_on", rec.get("served_on"), "送达日期")
    entry = {"visited_on": body["visited_on"].isoformat(), "notes": body["notes"],
             "rectified_items": body["rectified_items"], "by": actor.user_id}
    total = rec.get("rectified_items_total", 0) + body["rectified_items"]
    return ({"follow_ups": [*rec.get("follow_ups", []), entry], "rectified_items_total": total},
            [("recommendation.followed_up", {**ref(rec), "visited_on": entry["visited_on"], "notes": body["notes"],
                                             "rectified_items": body["rectified_items"],
                                             "rectified_items_total": total})])


def follow_up_task_done(rec, payload):
    """(changes, events) for the 回头看 task the inspection office ran on this recommendation, done:
    its result is written on the recommendation's follow-ups, once per task; nothing for a draft or
    a recommendation not yet answered."""
    if rec["status"] not in ("replied", "escalated", "closed"):
        return {}, []
    if any(entry.get("task_id") == payload["task_id"] for entry in rec.get("follow_ups") or []):
        return {}, []
    entry = {"visited_on": payload["completed_on"].isoformat(), "notes": payload.get("summary") or payload["title"],
             "rectified_items": 0, "by": payload.get("completed_by") or payload.get("owner_id"),
             "task_id": payload["task_id"]}
    return ({"follow_ups": [*rec.get("follow_ups", []), entry]},
            [("recommendation.followed_up", {**ref(rec), "visited_on": entry["visited_on"], "notes": entry["notes"],
                                             "rectified_items": 0,
                                             "rectified_items_total": rec.get("rectified_items_total", 0)})])


def escalate(rec, body, actor, now):
    ensure_allowed(rec, "escalate")
    entry = {"to": body["to"], "reason": body["reason"], "by": actor.user_id, "at": now}
    # A recommendation already answered keeps its reply; the escalation is what follows it.
    return ({"status": "escalated", "escalations": [*rec.get("escalations", []), entry]},
            [("recommendation.escalated", {**ref(rec, "escalated"), "to": body["to"], "reason": body["reason"]})])


def close(rec, body, actor, today):
    ensure_allowed(rec, "close")
    if body["outcome"] == "implemented" and not rec.get("reply"):
        raise Conflict("未收到回复的检察建议不能以「已落实整改」结案", fields={"outcome": ["尚未回复"]})
    closing = {"outcome": body["outcome"], "closed_on": today.isoformat(), "by": actor.user_id}
    return ({"status": "closed", "closing": closing},
            [("recommendation.closed", {**ref(rec, "closed"), "outcome": body["outcome"],
                                        "rectified_items_total": rec.get("rectified_items_total", 0)})])


def awaiting_reply(rec):
    """Whether the reply deadline runs for ``rec`` (as changed): served, not answered, not ended."""
    return rec.get("status") in policy.AWAITING_REPLY and not rec.get("reply") and bool(rec.get("reply_due_on"))


def deadline_event(settings, rec, threshold, today):
    """The event a reply-deadline threshold fires, or None when it no longer applies (answered,
    ended, a "due soon" whose day has already passed or that a nearer one will say)."""
    if not awaiting_reply(rec):
        return None
    due = date.fromisoformat(rec["reply_due_on"])
    base = {**ref(rec), "reply_due_on": rec["reply_due_on"], "served_on": rec["served_on"]}
    late = policy.days_overdue(due, today)
    if threshold.startswith("due_soon_"):
        days_left = (due - today).days
        if not settings.reminders.speaks(threshold, days_left):
            return None
        return ("recommendation.due_soon", {**base, "days_left": days_left})
    if threshold == "overdue":
        return ("recommendation.overdue", {**base, "days_overdue": late}) if late > 0 else None
    if threshold == "very_overdue":
        if late < settings.very_overdue_days:
            return None
        return ("recommendation.very_overdue", {**base, "days_overdue": late, "attention_of": "chief_procurator"})
    return None


# -- the referral review (行刑反向衔接: the administrative department reviews within 10 working days) ----
def review_pending(rec):
    """The review a reverse referral started, while the opinion is not yet submitted; else None."""
    review = rec.get("review")
    return review if review and rec["status"] == "draft" else None


def start_review(settings, rec, transferred_on, working_calendar):
    """(changes, events) when the criminal department recorded the case's transfer on ``transferred_on``:
    the review is due ``review_working_days`` working days later (provisional over a year with no
    schedule). Recorded again with the same day, nothing changes."""
    due = working_calendar.add_working_days(transferred_on, settings.review_working_days)
    review = {"referred_on": transferred_on.isoformat(), "due_on": due.on.isoformat(), "provisional": due.provisional}
    if rec.get("review") == review:
        return {}, []
    return {"review": review}, []


def recompute_review(settings, rec, working_calendar):
    """(changes, events) for a pending review's due date computed again over ``working_calendar``;
    a date that moved is announced (``recommendation.review_due_moved``: its department is told)."""
    review = review_pending(rec)
    if not review:
        return {}, []
    changes, _ = start_review(settings, rec, date.fromisoformat(review["referred_on"]), working_calendar)
    if not changes or changes["review"]["due_on"] == review["due_on"]:
        return changes, []
    return changes, [("recommendation.review_due_moved", {
        **ref(rec), "referred_on": review["referred_on"], "previous_due_on": review["due_on"],
        "review_due_on": changes["review"]["due_on"], "review_due_provisional": changes["review"]["provisional"]})]


def review_deadline_event(rec, threshold, today):
    """The event a review threshold fires, or None once the opinion is submitted (reviewed)."""
    review = review_pending(rec)
    if not review:
        return None
    base = {**ref(rec), "referred_on": review["referred_on"], "review_due_on": review["due_on"]}
    due = date.fromisoformat(review["due_on"])
    if threshold == "due_today" and due == today:
        return ("recommendation.review_due_today", base)
    if threshold == "overdue" and today > due:
        return ("recommendation.review_overdue", {**base, "days_overdue": (today - due).days})
    return None


def view(rec, today):
    """The recommendation as a reader sees it: overdue and days overdue computed from today."""
    overdue, days = policy.lateness(rec, today) if awaiting_reply(rec) else (False, 0)
    return {**rec, "overdue": overdue, "days_overdue": days}
