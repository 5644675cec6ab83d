"""Suspect rules, free of any broker or database: adding and editing suspects, their decisions,
and the reverse referral (行刑反向衔接) a non-prosecution with an administrative penalty starts.

*(rule)* The case goes to the administrative department within 3 working days of the decision
(``REFERRAL_WORKING_DAYS`` in config.yml, this its default), from the working-day calendar the
service keeps (kit/calendar.py: loaded schedules, then the library). A deadline then fires
``case.referral_due_today`` on the due day and ``case.referral_overdue`` the day after it if no
referral was recorded. A due date over a year with no schedule is ``provisional`` (weekends
only) and is recomputed once that year's schedule is loaded (``recompute_referral``).
"""
import uuid
from datetime import date, time

from kit import plausible
from kit.deadlines import DeadlineRule, Threshold
from kit.errors import Conflict, ValidationFailed
from services.cases import domain

REFERRAL_WORKING_DAYS = 3
# "due today" as the due day starts, "overdue" as it ends (00:00 the next day, Asia/Shanghai).
REFERRAL_DEADLINE = DeadlineRule("case.referral", (Threshold("due_today", 0), Threshold("overdue", 1)), at=time(0, 0))
PERSONAL_FIELDS = ("id_number",)


def mask_id_number(id_number):
    """110101199003072316 -> 110101********2316: the region and the last four, nothing in between."""
    if not id_number or len(id_number) < 10:
        return "*" * len(id_number or "")
    return id_number[:6] + "*" * (len(id_number) - 10) + id_number[-4:]


def refers(decision):
    """A decision that starts the reverse referral."""
    return bool(decision) and decision["decision"] == "non_prosecution" and \
        bool(decision.get("administrative_penalty_warranted"))


def _stored_decision(decision):
    if not decision:
        return None
    return {**decision, "decided_on": decision["decided_on"].isoformat()}


def _check_decision_date(decision, today, case=None):
    """A decision has been taken: not after today, not before the case was registered (受理)."""
    if not decision:
        return
    try:
        plausible.ensure_past_or_today(decision["decided_on"], today, "decided_on",
                                       earliest=domain.registered_on(case) if case else None,
                                       earliest_reason="案件登记（受理）日期")
    except ValidationFailed as exc:
        raise ValidationFailed(exc.message, fields={"decision": exc.fields}) from None


def new_suspect(case, data, now, today, working_calendar, referral_days=REFERRAL_WORKING_DAYS):
    """(suspect, events) for a suspect added to ``case``."""
    _check_decision_date(data.get("decision"), today, case)
    suspect = {"_id": uuid.uuid4().hex, "case_id": case["_id"], "name": data["name"],
               "id_number": data["id_number"].upper(), "layer": data["layer"],
               "charges": list(dict.fromkeys(data["charges"])), "decision": _stored_decision(data.get("decision")),
               "arrested_on": data["arrested_on"].isoformat() if data.get("arrested_on") else None,
               "decision_reversed": False, "referral": None, "created_at": now, "updated_at": now}
    changes, events = _decision_effects(case, suspect, None, suspect["decision"], working_calendar, referral_days)
    return {**suspect, **changes}, events


def edit(case, suspect, data, today, working_calendar, referral_days=REFERRAL_WORKING_DAYS):
    """(changes, events) for an edit of ``suspect``; a new qualifying decision starts a referral."""
    _check_decision_date(data.get("decision"), today, case)
    changes = {key: value for key, value in data.items() if key != "decision"}
    if "id_number" in changes:
        changes["id_number"] = changes["id_number"].upper()
    if "charges" in changes:
        changes["charges"] = list(dict.fromkeys(changes["charges"]))
    if changes.get("arrested_on"):
        changes["arrested_on"] = changes["arrested_on"].isoformat()
    if "decision" in data:
        changes["decision"] = _stored_decision(data["decision"])
    changes = {key: value for key, value in changes.items() if suspect.get(key) != value}
    if "decision" not in changes:
        return changes, []
    before, after = suspect.get("decision"), changes["decision"]
    if before and after and before["decision"] != after["decision"]:
        changes["decision_reversed"] = True  # a decision replaced by another one: a key case (重点评查)
    effects, events = _decision_effects(case, suspect, before, after, working_calendar, referral_days)
    return {**changes, **effects}, events


def _decision_effects(case, suspect, before, after, working_calendar, referral_days):
    """The referral a decision starts (or ends) and the event it announces: once per qualifying
    decision — a decision repeated as it was is no change and announces nothing."""
    if refers(after) and not (refers(before) and before == after):
        decided_on = date.fromisoformat(after["decided_on"])
        due = working_calendar.add_working_days(decided_on, referral_days)
        referral = {"due_on": due.on.isoformat(), "transferred_on": None, "provisional": due.provisional}
        return {"referral": referral}, [("case.non_prosecution_decided", {
            "case_id": case["_id"], "case_no": case["case_no"], "title": case["title"],
            "department": case["department"], "handler_id": case.get("handler_id"),
            "suspect_id": suspect["_id"], "suspect_name": suspect["name"], "layer": suspect["layer"],
            "charges": suspect["charges"], "decided_on": after["decided_on"], "reason": after["reason"],
            "administrative_organ": after.get("administrative_organ"), "referral_due_on": due.on.isoformat(),
            "referral_due_provisional": due.provisional})]
    if refers(before) and not refers(after):
        return {"referral": None}, []  # the decision changed: no referral to make
    return {}, []


def recompute_referral(case, suspect, working_calendar, referral_days=REFERRAL_WORKING_DAYS):
    """(changes, events) for a pending referral's due date computed again over ``working_calendar``
    (a year's schedule was loaded): nothing when it neither moves nor stops being provisional; a
    moved date is announced (``case.referral_due_moved``: its handler is told)."""
    referral = pending_referral(suspect)
    if not referral:
        return {}, []
    decided_on = suspect["decision"]["decided_on"]
    due = working_calendar.add_working_days(date.fromisoformat(decided_on), referral_days)
    if due.on.isoformat() == referral["due_on"] and due.provisional == bool(referral.get("provisional")):
        return {}, []
    changes = {"referral": {**referral, "due_on": due.on.isoformat(), "provisional": due.provisional}}
    if due.on.isoformat() == referral["due_on"]:
        return changes, []
    return changes, [("case.referral_due_moved", {
        "case_id": case["_id"], "case_no": case["case_no"], "title": case["title"],
        "department": case["department"], "handler_id": case.get("handler_id"), "suspect_id": suspect["_id"],
        "suspect_name": suspect["name"], "decided_on": decided_on, "previous_due_on": referral["due_on"],
        "referral_due_on": due.on.isoformat(), "referral_due_provisional": due.provisional})]


def propose_non_prosecution(case, suspect, data, actor, today):
    """(changes, events) for 拟不起诉 recorded on a suspect before the decision: once a decision is
    recorded it is too late (409). When an administrative penalty seems warranted the administrative
    department hears of it now (``case.non_prosecution_proposed``), before the decision."""
    if suspect.get("decision"):
        raise Conflict("该犯罪嫌疑人已有处理决定，不能再登记拟不起诉", fields={"decision": ["已作出决定"]})
    plausible.ensure_past_or_today(data["proposed_on"], today, "proposed_on")
    proposal = {"proposed_on": data["proposed_on"].isoformat(), "reason": data["reason"],
                "administrative_penalty_warranted": data["administrative_penalty_warranted"],
                "administrative_organ": data.get("administrative_organ"), "by": actor.user_id}
    if suspect.get("proposed_non_prosecution") == proposal:
        return {}, []
    events = []
    if proposal["administrative_penalty_warranted"]:
        events.append(("case.non_prosecution_proposed", {
            "case_id": case["_id"], "case_no": case["case_no"], "title": case["title"],
            "department": case["department"], "handler_id": case.get("handler_id"), "suspect_id": suspect["_id"],
            "suspect_name": suspect["name"], "proposed_on": proposal["proposed_on"], "reason": data["reason"],
            "administrative_organ": proposal["administrative_organ"], "notify_department": "administrative"}))
    return {"proposed_non_prosecution": proposal}, events


def record_referral(case, suspect, transferred_on, today=None):
    """(changes, events) for the handler recording that the case went to the administrative
    department on ``transferred_on``."""
    if not refers(suspect.get("decision")) or not suspect.get("referral"):
        raise ValidationFailed("该犯罪嫌疑人没有需要移送的行政处罚", fields={"transferred_on": ["无需移送"]})
    if today is not None:
        plausible.ensure_past_or_today(transferred_on, today, "transferred_on")
    if transferred_on < date.fromisoformat(suspect["decision"]["decided_on"]):
        raise ValidationFailed("移送日期不能早于决定日期", fields={"transferred_on": ["移送日期不能早于决定日期"]})
    if suspect["referral"].get("transferred_on") == transferred_on.isoformat():
        return {}, []
    referral = {**suspect["referral"], "transferred_on": transferred_on.isoformat()}
    return {"referral": referral}, [("case.referral_recorded", {
        "case_id": case["_id"], "case_no": case["case_no"], "department": case["department"],
        "suspect_id": suspect["_id"], "transferred_on": transferred_on.isoformat(),
        "referral_due_on": referral["due_on"]})]


def referral_deadline_event(case, suspect, threshold, today):
    """The event a referral threshold fires, or None when it no longer applies (recorded, closed, or a
    "due today" whose day has passed)."""
    referral = pending_referral(suspect)
    if not referral:
        return None
    if threshold == "due_today":
        if date.fromisoformat(referral["due_on"]) != today:
            return None
        return ("case.referral_due_today", {
            "case_id": case["_id"], "case_no": case["case_no"], "title": case["title"],
            "department": case["department"], "handler_id": case.get("handler_id"), "suspect_id": suspect["_id"],
            "suspect_name": suspect["name"], "referral_due_on": referral["due_on"]})
    return referral_overdue_event(case, suspect)


def referral_overdue_event(case, suspect):
    return ("case.referral_overdue", {
        "case_id": case["_id"], "case_no": case["case_no"], "title": case["title"],
        "department": case["department"], "handler_id": case.get("handler_id"), "suspect_id": suspect["_id"],
        "suspect_name": suspect["name"], "referral_due_on": suspect["referral"]["due_on"]})


def pending_referral(suspect):
    referral = suspect.get("referral")
    return referral if referral and not referral.get("transferred_on") and not referral.get("closed_on") else None


def record_penalty_outcome(suspect, reply):
    """(changes, events) for the administrative organ's penalty outcome, as the recommendations
    service announced it with the reply to the procuratorial opinion (recommendation.replied): the
    case card holds it (将案件办理情况及时反馈给刑事案件承办人，确保刑事案卡信息准确填录), and the
    referral is closed on the day the reply came, so the data checks no longer see it pending."""
    outcome = reply["penalty_outcome"]
    penalty = {"decision": outcome["decision"], "decided_on": _iso(outcome["decided_on"]),
               "penalty": outcome.get("penalty") or "", "recommendation_id": reply["recommendation_id"],
               "reported_on": _iso(reply["received_on"])}
    if suspect.get("administrative_penalty") == penalty:
        return {}, []
    changes = {"administrative_penalty": penalty}
    referral = suspect.get("referral")
    if referral and not referral.get("closed_on"):
        changes["referral"] = {**referral, "closed_on": penalty["reported_on"]}
    return changes, []


def _iso(day):
    return day if isinstance(day, str) else day.isoformat()


def view(suspect, today, may_see_personal_data):
    """The suspect as a reader sees it: the id number masked unless they may see it; the referral's
    ``overdue`` computed from today, never stored."""
    shown = dict(suspect)
    shown["id_number_masked"] = not may_see_personal_data
    if not may_see_personal_data:
        shown["id_number"] = mask_id_number(suspect["id_number"])
    referral = suspect.get("referral")
    if referral:
        shown["referral"] = {**referral, "overdue": bool(pending_referral(suspect)) and
                             date.fromisoformat(referral["due_on"]) < today}
    return shown


def key_evaluation_reasons(suspects):
    """Why a case is due a key evaluation, from its suspects: one of them non-prosecuted after an
    arrest, or a decision replaced by a different one."""
    reasons = set()
    for suspect in suspects:
        decision = suspect.get("decision") or {}
        if decision.get("decision") == "non_prosecution" and suspect.get("arrested_on"):
            reasons.add("non_prosecution_after_arrest")
        if suspect.get("decision_reversed"):
            reasons.add("decision_reversed")
    return sorted(reasons)
