"""Case rules, free of any broker or database: the status machine and the
events each change produces."""
import uuid
from datetime import date, timezone

from kit import clock, plausible
from kit.errors import Conflict

# registered -> under_review -> decided -> closed; no skipping, no going back.
TRANSITIONS = {
    "registered": ("under_review",),
    "under_review": ("decided",),
    "decided": ("closed",),
    "closed": (),
}

STATUS_LABELS = {"registered": "已登记", "under_review": "审查中", "decided": "已决定", "closed": "已结案"}


def new_case(data, actor, now, today=None):
    accepted_on = data.get("accepted_on")
    if accepted_on is not None and today is not None:
        plausible.ensure_past_or_today(accepted_on, today, "accepted_on")
    return {
        "_id": uuid.uuid4().hex,
        "case_no": data["case_no"].strip(),
        "title": data["title"].strip(),
        "category": data["category"],
        "department": data["department"],
        "handler_id": data.get("handler_id"),
        "accepted_on": (accepted_on or now.astimezone(clock.SHANGHAI).date()).isoformat(),
        "status": "registered",
        "version": 1,
        "created_by": actor.user_id,
        "created_at": now,
        "updated_at": now,
    }


def _ref(case):
    return {"case_id": case["_id"], "case_no": case["case_no"], "title": case["title"],
            "department": case["department"]}


def registration_events(case):
    events = [("case.registered", {**_ref(case), "category": case["category"], "status": case["status"],
                                   "handler_id": case["handler_id"]})]
    if case["handler_id"]:
        events.append(("case.assigned", {**_ref(case), "handler_id": case["handler_id"],
                                         "previous_handler_id": None}))
    return events


def assign(case, handler_id, assigned_by=None):
    """Return (changes, events) for assigning ``handler_id`` (None: the handler hands the case back);
    no change if already so. The new handler hears of it (``case.assigned``); a change of an earlier
    handler is ``case.reassigned`` too, which tells the previous handler and the department's head."""
    if case["status"] == "closed":
        raise Conflict("已结案的案件不能再分配承办人")
    previous = case.get("handler_id")
    if previous == handler_id:
        return {}, []
    events = []
    if handler_id is not None:
        events.append(("case.assigned", {**_ref(case), "handler_id": handler_id, "previous_handler_id": previous}))
    if previous is not None:
        events.append(("case.reassigned", {**_ref(case), "handler_id": handler_id, "previous_handler_id": previous,
                                           "assigned_by": assigned_by}))
    return {"handler_id": handler_id}, events


def registered_on(case):
    """The day the case was accepted (受理, ``accepted_on``; the registration day when not given, and
    for cases registered before it was recorded): no decision of it is earlier."""
    if case.get("accepted_on"):
        return date.fromisoformat(case["accepted_on"])
    created = case.get("created_at")
    if created is None:
        return None
    if created.tzinfo is None:  # as pymongo reads it back: UTC
        created = created.replace(tzinfo=timezone.utc)
    return created.astimezone(clock.SHANGHAI).date()


def transition(case, target, decided_on=None, today=None):
    """Return (changes, events) for moving the case to ``target``; Conflict if not allowed. Moving to
    "decided" records the decision date (``decided_on``: the caller's, or today), which is not after
    today and not before the case was registered (400 naming ``decided_on``)."""
    current = case["status"]
    if target not in TRANSITIONS[current]:
        allowed = "、".join(STATUS_LABELS[s] for s in TRANSITIONS[current]) or "无"
        raise Conflict(f"案件状态不能从「{STATUS_LABELS[current]}」变为「{STATUS_LABELS[target]}」"
                       f"（允许：{allowed}）", fields={"to": [f"不允许的状态变更：{current} → {target}"]})
    event = ("case.status_changed", {**_ref(case), "from": current, "to": target,
                                     "handler_id": case["handler_id"]})
    changes = {"status": target}
    if target == "decided" and decided_on is not None and today is not None:
        plausible.ensure_past_or_today(decided_on, today, "decided_on", earliest=registered_on(case),
                                       earliest_reason="案件登记（受理）日期")
    if target == "decided":
        changes["decided_on"] = decided_on.isoformat() if decided_on else None
    return changes, [event]
