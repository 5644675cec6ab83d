"""Case rules, free of any broker or database: the status machine and the
events each change produces."""
import uuid
from datetime import date, timezone

from contracts import enums
from kit import calendar, clock, plausible
from kit.errors import Conflict, ValidationFailed

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
        **{field: data.get(field) for field in CARD_FIELDS},
        "status": "registered",
        "version": 1,
        "created_by": actor.user_id,
        "created_at": now,
        "updated_at": now,
    }


# The case card's fields besides its identity (案由, source, the reviewing prosecutor and assistant, notes).
CARD_FIELDS = ("cause", "source", "reviewing_prosecutor", "assistant", "notes")

# 办案期限: the statutory handling time limit, from the acceptance date, while the case is open
# (registered, under review), per category; configuration (CASE_TIME_LIMITS in config.yml), these its
# defaults. 《刑事诉讼法》第一百七十二条: review for prosecution within one month (15 days more for a
# complex case, by approval); 《人民检察院民事诉讼监督规则》/《行政诉讼监督规则》: three months.
DEFAULT_TIME_LIMITS = {"criminal": {"months": 1}, "civil_execution_supervision": {"months": 3},
                       "administrative": {"months": 3}, "public_interest": {"months": 3}}
OPEN_STATUSES = ("registered", "under_review")


def time_limits_from_config(value):
    """The table of CASE_TIME_LIMITS (category -> {months: n} or {days: n}); unknown categories refused."""
    limits = {category: dict(rule) for category, rule in DEFAULT_TIME_LIMITS.items()}
    for category, rule in (value or {}).items():
        if category not in enums.CASE_CATEGORIES:
            raise ValueError(f"CASE_TIME_LIMITS: unknown category {category!r}")
        rule = {key: int(number) for key, number in (rule or {}).items()}
        if not (rule.get("months") or rule.get("days")):
            raise ValueError(f"CASE_TIME_LIMITS.{category}: needs months or days")
        limits[category] = rule
    return limits


def time_limit(limits, case, today):
    """The case's handling time limit as of ``today`` (None for a category without one, or once it
    is decided or closed): its last day, days left (negative when overdue) and the rule."""
    rule = limits.get(case["category"])
    accepted = registered_on(case)
    if not rule or accepted is None or case["status"] not in OPEN_STATUSES:
        return None
    if rule.get("months"):
        due, said = calendar.add_months(accepted, rule["months"]), f"{rule['months']} 个月"
    else:
        due, said = calendar.add_days(accepted, rule["days"]), f"{rule['days']} 日"
    left = (due - today).days
    return {"due_on": due.isoformat(), "days_left": left, "overdue": left < 0, "rule": said}


def edit(case, body, today):
    """(changes, events) for a change of the case card (PATCH): only what differs; ``case.updated``
    names the changed fields and carries the case as it is after the change."""
    if case["status"] == "closed":
        raise Conflict("已结案的案件不能再修改案卡")
    if "accepted_on" in body:
        plausible.ensure_past_or_today(body["accepted_on"], today, "accepted_on")
        if case.get("decided_on") and body["accepted_on"].isoformat() > case["decided_on"]:
            raise ValidationFailed("受理日期不能晚于决定日期", fields={"accepted_on": ["受理日期不能晚于决定日期"]})
    wanted = {key: (value.isoformat() if key == "accepted_on" else value) for key, value in body.items()}
    changes = {key: value for key, value in wanted.items() if case.get(key) != value}
    if not changes:
        return {}, []
    after = {**case, **changes}
    return changes, [("case.updated", {**_ref(after), "category": case["category"], "status": case["status"],
                                       "changed": sorted(changes), "accepted_on": after.get("accepted_on"),
                                       **{field: after.get(field) for field in CARD_FIELDS}})]


def days_waiting(case, today):
    accepted = registered_on(case)
    return max((today - accepted).days, 0) if accepted else 0


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
