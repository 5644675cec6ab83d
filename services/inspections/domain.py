"""Inspection rules, free of any broker or database: supervision tasks, on-site inspections, their
findings and re-inspections. Each change is ``(changes, events)``; views compute what depends on
today (overdue, days overdue) when read, never stored."""
import uuid
from dataclasses import dataclass
from datetime import date, time, timedelta, timezone

from kit import calendar, clock, plausible
from kit.deadlines import DeadlineRule, Reminders, Threshold
from kit.errors import Conflict, ValidationFailed

TASK_DUE_SOON_KIND, TASK_OVERDUE_KIND = "supervision_task.due_soon", "supervision_task.overdue"
FINDING_OVERDUE = DeadlineRule("finding.rectify", (Threshold("overdue", 1),), at=time(0, 0))


@dataclass(frozen=True)
class TaskRules:
    """A supervision task's reminders at 08:00 ``reminders.days`` before (7, 1 and 0 — due today — by
    default: INSPECTIONS_TASK_REMINDER_DAYS); overdue as the due day ends (00:00 the next day), to
    the owner and the department head; still overdue ``very_overdue_days`` later (30:
    INSPECTIONS_TASK_VERY_OVERDUE_DAYS), to the chief procurator."""
    reminders: Reminders = Reminders()
    very_overdue_days: int = 30

    @property
    def due_soon(self):
        return DeadlineRule(TASK_DUE_SOON_KIND, self.reminders.thresholds(), at=time(8, 0))

    @property
    def overdue(self):
        return DeadlineRule(TASK_OVERDUE_KIND, (Threshold("overdue", 1), Threshold("very_overdue", self.very_overdue_days)),
                            at=time(0, 0))

    @property
    def all(self):
        return self.due_soon, self.overdue

ACTIVE = ("open", "in_progress")
TASK_STATUS_LABELS = {"open": "待办理", "in_progress": "办理中", "done": "已办结", "verified": "已核验"}
FINDING_STATUS_LABELS = {"open": "待整改", "rectified": "已整改", "verified": "已核验"}


def _new_id():
    return uuid.uuid4().hex


def _iso(value):
    return value.isoformat() if isinstance(value, date) else value


def _day(value):
    return date.fromisoformat(value) if isinstance(value, str) else value


def _bad(field, message):
    return ValidationFailed(message, fields={field: [message]})


def days_overdue(due_on, today):
    return max((today - _day(due_on)).days, 0)


# -- supervision tasks -------------------------------------------------------------------------------
def task_ref(task):
    return {"task_id": task["_id"], "title": task["title"], "kind": task["kind"], "department": task["department"],
            "owner_id": task.get("owner_id"), "due_on": task["due_on"], "source": task.get("source")}


def new_task(data, created_by, now, *, kind="supervision", task_id=None, today=None):
    """(task, events). ``today`` given (a person assigning it): the due date may not be in the past."""
    if today is not None and data["due_on"] < today:
        raise _bad("due_on", "办结期限不能早于今天")
    task = {"_id": task_id or _new_id(), "title": data["title"], "kind": kind, "department": data["department"],
            "owner_id": data.get("owner_id"), "due_on": _iso(data["due_on"]), "source": data.get("source"),
            "description": data["description"], "status": "open", "percent": 0, "progress": [],
            "summary": None, "evidence": [], "completed_on": None, "reviews": [], "version": 1,
            "created_by": created_by, "created_at": now, "updated_at": now}
    return task, [("supervision_task.created", {**task_ref(task), "description": task["description"]})]


def _ensure_active(task, doing):
    if task["status"] not in ACTIVE:
        raise Conflict(f"督办事项「{TASK_STATUS_LABELS[task['status']]}」，不能{doing}",
                       fields={"status": [f"当前状态 {task['status']} 不允许此操作"]})


def report_progress(task, data, by, now):
    _ensure_active(task, "报告进展")
    entry = {"note": data["note"], "percent": data["percent"], "by": by, "at": now}
    return {"status": "in_progress", "percent": data["percent"], "progress": [*task["progress"], entry]}, []


def complete(task, data, by, today):
    """Done, with the summary and the evidence (required: the schema refuses an empty list, and so
    does this rule, in case a caller skipped the schema)."""
    _ensure_active(task, "办结")
    if not data.get("evidence"):
        raise _bad("evidence", "办结须提供佐证材料")
    changes = {"status": "done", "summary": data["summary"], "evidence": list(data["evidence"]),
               "completed_on": today.isoformat(), "percent": 100, "completed_by": by}
    on_time = today <= _day(task["due_on"])
    return changes, [("supervision_task.completed", {**task_ref(task), "completed_on": today.isoformat(),
                                                     "on_time": on_time, "evidence_count": len(data["evidence"]),
                                                     "summary": data["summary"], "completed_by": by})]


def extend_task(task, data, by, now):
    """(changes, events) for a task's due date extended, with its reason, by whoever may assign it:
    only while it is being handled, and only to a later day; its reminders move with it."""
    if task["status"] not in ACTIVE:
        raise Conflict(f"督办事项「{TASK_STATUS_LABELS[task['status']]}」，只有办理中的事项可以延期",
                       fields={"status": [f"当前状态 {task['status']} 不允许延期"]})
    if data["due_on"] <= _day(task["due_on"]):
        raise _bad("due_on", f"延长后的期限应晚于 {task['due_on']}")
    entry = {"from": task["due_on"], "to": _iso(data["due_on"]), "reason": data["reason"], "by": by,
             "at": now.isoformat(timespec="milliseconds")}
    changes = {"due_on": entry["to"], "extensions": [*(task.get("extensions") or []), entry]}
    return changes, [("supervision_task.deadline_extended", {**task_ref({**task, **changes}),
                                                             "previous_due_on": entry["from"], "reason": data["reason"],
                                                             "extended_by": by})]


def verify_task(task, data, by, now):
    if task["status"] != "done":
        raise Conflict(f"督办事项「{TASK_STATUS_LABELS[task['status']]}」，只有已办结的事项可以核验",
                       fields={"status": [f"当前状态 {task['status']} 不允许核验"]})
    review = {"outcome": data["outcome"], "comment": data.get("comment") or "", "by": by, "at": now}
    reviews = [*task["reviews"], review]
    if data["outcome"] == "accepted":
        on_time = _day(task["completed_on"]) <= _day(task["due_on"])
        return {"status": "verified", "reviews": reviews}, [("supervision_task.verified", {
            **task_ref(task), "verified_by": by, "comment": review["comment"], "on_time": on_time})]
    return {"status": "in_progress", "reviews": reviews, "completed_on": None}, [("supervision_task.returned", {
        **task_ref(task), "verified_by": by, "comment": review["comment"]})]


def task_view(task, today):
    overdue = task["status"] in ACTIVE and _day(task["due_on"]) < today
    return {**task, "overdue": overdue, "days_overdue": days_overdue(task["due_on"], today) if overdue else 0}


def task_reminder(rules, task, threshold, today):
    """The event a due-soon threshold emits, or None when the task no longer needs reminding: done,
    already past due, or (a threshold armed late, e.g. a task due in two days) a nearer reminder
    will say it. ``days_left`` is counted on the day it fires (0: due today)."""
    if task is None or task["status"] not in ACTIVE:
        return None
    remaining = (_day(task["due_on"]) - today).days
    if not rules.reminders.speaks(threshold, remaining) or _before_it_existed(task, threshold):
        return None
    return "supervision_task.due_soon", {**task_ref(task), "days_left": remaining}


def _before_it_existed(task, threshold):
    """A reminder whose day came before the task was assigned (a task due in 5 days has no "7 days
    left"): its owner was told the due date when it was assigned (supervision_task.created)."""
    created = task.get("created_at")
    if created is None:
        return False
    created_on = (created if created.tzinfo else created.replace(tzinfo=timezone.utc)).astimezone(clock.SHANGHAI).date()
    return _day(task["due_on"]) - timedelta(days=Reminders.lead(threshold)) < created_on


def task_overdue(rules, task, threshold, today):
    """Overdue (the day after the due date), or very overdue (still, ``very_overdue_days`` later)."""
    if task is None or task["status"] not in ACTIVE or _day(task["due_on"]) >= today:
        return None
    late = (today - _day(task["due_on"])).days
    if threshold == "very_overdue":
        if late < rules.very_overdue_days:
            return None
        return "supervision_task.very_overdue", {**task_ref(task), "status": task["status"], "days_overdue": late,
                                                 "attention_of": "chief_procurator"}
    return "supervision_task.overdue", {**task_ref(task), "status": task["status"]}


# -- automatic follow-ups (consumed events) ---------------------------------------------------------
ADOPTED = ("adopted", "partially_adopted")


def follow_up_id(kind, source_id):
    """One automatic task per source: its id follows from the source, so a second event about the same
    recommendation or request finds it there."""
    return uuid.uuid5(uuid.NAMESPACE_URL, f"pingjian:inspections:{kind}:{source_id}").hex


def follow_up_for_reply(payload, months, now):
    """回头看 of an adopted (or partly adopted) recommendation, for the issuing department, due
    ``months`` after the reply was received; None if it was not adopted."""
    if payload["adoption"] not in ADOPTED:
        return None
    adoption = "采纳" if payload["adoption"] == "adopted" else "部分采纳"
    data = {"title": f"回头看：{payload['title']}"[:200], "department": payload["department"], "owner_id": None,
            "due_on": calendar.add_months(payload["received_on"], months),
            "source": {"kind": "recommendation", "id": payload["recommendation_id"]},
            "description": (f"{payload.get('target_unit') or '被建议单位'}已{adoption}检察建议「{payload['title']}」"
                            f"（{payload['received_on'].isoformat()} 收到回复）。请对整改落实情况开展回头看，"
                            f"并报送佐证材料。")}
    return new_task(data, None, now, kind="follow_up",
                    task_id=follow_up_id("recommendation", payload["recommendation_id"]))


def oversight_for_procurement(payload, months, now):
    """检务督察全程监督 of a procurement, for the inspection office."""
    amount = f"{payload['amount_fen'] // 100:,}.{payload['amount_fen'] % 100:02d} 元"
    data = {"title": f"采购全程监督：{payload['title']}"[:200], "department": "inspection", "owner_id": None,
            "due_on": calendar.add_months(payload["started_on"], months),
            "source": {"kind": "budget_request", "id": payload["request_id"]},
            "description": (f"{payload['year']} 年度采购「{payload['title']}」（申请部门 {payload['department']}，"
                            f"金额 {amount}，方式 {payload['method']}）已于 {payload['started_on'].isoformat()} 启动，"
                            f"请对采购全过程进行监督。")}
    return new_task(data, None, now, kind="procurement_oversight",
                    task_id=follow_up_id("budget_request", payload["request_id"]))


# -- inspections -----------------------------------------------------------------------------------
def target_key(target):
    """Two inspections of one institution: the same kind and the same name (spaces ignored)."""
    return f"{target['kind']}:{''.join(target['name'].split())}"


def reinspection_results(earlier_findings, judged):
    """{finding_id: still_present | fixed} for each finding of the earlier inspection: the inspectors'
    judgement where given, else from the finding's status (verified: fixed)."""
    known = {finding["_id"] for finding in earlier_findings}
    unknown = [item["finding_id"] for item in judged if item["finding_id"] not in known]
    if unknown:
        raise _bad("earlier_findings", f"不是原检查发现的问题：{'、'.join(unknown)}")
    given = {item["finding_id"]: item["result"] for item in judged}
    return {finding["_id"]: given.get(finding["_id"], "fixed" if finding["status"] == "verified" else "still_present")
            for finding in earlier_findings}


def new_inspection(data, created_by, now, today, earlier=None, earlier_findings=()):
    """(inspection, events, results): ``results`` maps each earlier finding to its re-inspection
    result (empty for a first inspection)."""
    plausible.ensure_past_or_today(data["inspected_on"], today, "inspected_on")  # not after today, not before 2000
    results = {}
    target = data.get("target")
    if earlier is not None:
        if data["inspected_on"] < _day(earlier["inspected_on"]):
            raise _bad("inspected_on", "复查日期不能早于原检查日期")
        results = reinspection_results(earlier_findings, data.get("earlier_findings") or [])
        target = target or earlier["target"]
    target = {"name": target["name"], "kind": target["kind"], "address": target.get("address")}
    by_id = {finding["_id"]: finding for finding in earlier_findings}
    inspection = {
        "_id": _new_id(), "target": target, "target_key": target_key(target),
        "inspected_on": _iso(data["inspected_on"]), "inspector_ids": list(dict.fromkeys(data["inspector_ids"])),
        "categories": list(dict.fromkeys(data["categories"])), "notes": data.get("notes") or "",
        "reinspection_of": earlier["_id"] if earlier else None,
        "earlier_findings": [{"finding_id": fid, "category": by_id[fid]["category"], "severity": by_id[fid]["severity"],
                              "description": by_id[fid]["description"], "status": by_id[fid]["status"],
                              "result": result} for fid, result in results.items()],
        "version": 1, "created_by": created_by, "created_at": now, "updated_at": now}
    event = ("inspection.recorded", {
        "inspection_id": inspection["_id"], "target": target, "inspected_on": inspection["inspected_on"],
        "inspector_ids": inspection["inspector_ids"], "categories": inspection["categories"],
        "reinspection_of": inspection["reinspection_of"],
        "earlier_findings": [{"finding_id": fid, "result": result} for fid, result in results.items()]})
    return inspection, [event], results


def still_present(finding, inspection, rectify_days):
    """What a re-inspection judging ``finding`` still present changes: a finding thought rectified
    (or verified) is open again, due by the severity's days from the re-inspection."""
    record = {"inspection_id": inspection["_id"], "inspected_on": inspection["inspected_on"], "result": "still_present"}
    changes = {"reinspections": [*finding.get("reinspections", []), record]}
    if finding["status"] != "open":
        changes.update(status="open", rectification=None,
                       rectify_by=default_rectify_by(finding["severity"], _day(inspection["inspected_on"]),
                                                     rectify_days).isoformat())
    return changes


def found_fixed(finding, inspection):
    record = {"inspection_id": inspection["_id"], "inspected_on": inspection["inspected_on"], "result": "fixed"}
    return {"reinspections": [*finding.get("reinspections", []), record]}


# -- findings ----------------------------------------------------------------------------------------
def default_rectify_by(severity, found_on, rectify_days):
    return found_on + timedelta(days=int(rectify_days[severity]))


def finding_ref(finding):
    return {"finding_id": finding["_id"], "inspection_id": finding["inspection_id"],
            "target_name": finding["target"]["name"], "target_kind": finding["target"]["kind"],
            "category": finding["category"], "severity": finding["severity"], "rectify_by": finding["rectify_by"]}


def new_finding(inspection, data, created_by, now, rectify_days):
    """(finding, events): due by ``rectify_by``, or by the severity's configured days from the
    inspection day."""
    inspected_on = _day(inspection["inspected_on"])
    rectify_by = data.get("rectify_by")
    if rectify_by is not None and rectify_by < inspected_on:
        raise _bad("rectify_by", "整改期限不能早于检查日期")
    finding = {"_id": _new_id(), "inspection_id": inspection["_id"], "target": inspection["target"],
               "target_key": inspection["target_key"], "inspected_on": inspection["inspected_on"],
               "category": data["category"], "severity": data["severity"], "description": data["description"],
               "rectify_by": (rectify_by or default_rectify_by(data["severity"], inspected_on, rectify_days)).isoformat(),
               "rectify_by_default": rectify_by is None, "status": "open", "rectification": None,
               "rectifications": [], "reviews": [], "reinspections": [], "version": 1, "created_by": created_by,
               "created_at": now, "updated_at": now}
    return finding, [("finding.recorded", {**finding_ref(finding), "description": finding["description"]})]


def rectify(finding, data, by, now, today):
    if finding["status"] != "open":
        raise Conflict(f"问题「{FINDING_STATUS_LABELS[finding['status']]}」，只有待整改的问题可以登记整改",
                       fields={"status": [f"当前状态 {finding['status']} 不允许登记整改"]})
    if not data.get("evidence"):
        raise _bad("evidence", "整改须提供佐证材料")
    if data["rectified_on"] > today:
        raise _bad("rectified_on", "整改日期不能晚于今天")
    if data["rectified_on"] < _day(finding["inspected_on"]):
        raise _bad("rectified_on", "整改日期不能早于检查日期")
    rectification = {"rectified_on": data["rectified_on"].isoformat(), "evidence": list(data["evidence"]),
                     "by": by, "at": now}
    changes = {"status": "rectified", "rectification": rectification,
               "rectifications": [*finding["rectifications"], rectification]}
    return changes, [("finding.rectified", {**finding_ref(finding), "rectified_on": rectification["rectified_on"],
                                            "evidence_count": len(rectification["evidence"])})]


def verify_finding(finding, data, by, now):
    if finding["status"] != "rectified":
        raise Conflict(f"问题「{FINDING_STATUS_LABELS[finding['status']]}」，只有已整改的问题可以核验",
                       fields={"status": [f"当前状态 {finding['status']} 不允许核验"]})
    review = {"outcome": data["outcome"], "comment": data.get("comment") or "", "by": by, "at": now}
    changes = {"reviews": [*finding["reviews"], review],
               "status": "verified" if data["outcome"] == "accepted" else "open"}
    if data["outcome"] == "rejected":
        changes["rectification"] = None
    return changes, [("finding.verified", {**finding_ref(finding), "outcome": data["outcome"], "verified_by": by,
                                           "comment": review["comment"]})]


def finding_view(finding, today):
    overdue = finding["status"] == "open" and _day(finding["rectify_by"]) < today
    return {**finding, "overdue": overdue, "days_overdue": days_overdue(finding["rectify_by"], today) if overdue else 0}


def finding_overdue(finding, today):
    if finding is None or finding["status"] != "open" or _day(finding["rectify_by"]) >= today:
        return None
    return "finding.overdue", {**finding_ref(finding), "status": finding["status"]}


# -- statistics ------------------------------------------------------------------------------------
def stats(inspections, findings, today):
    """The figures of ``inspections`` (already filtered by period and kind) and their ``findings``."""
    findings = list(findings)
    by_category, by_severity = {}, {}
    for finding in findings:
        by_category[finding["category"]] = by_category.get(finding["category"], 0) + 1
        by_severity[finding["severity"]] = by_severity.get(finding["severity"], 0) + 1
    results = [item["result"] for inspection in inspections for item in inspection.get("earlier_findings", [])]
    return {
        "inspections": len(inspections),
        "institutions_inspected": len({inspection["target_key"] for inspection in inspections}),
        "reinspections": sum(1 for inspection in inspections if inspection.get("reinspection_of")),
        "findings": len(findings),
        "findings_by_category": by_category,
        "findings_by_severity": by_severity,
        "rectified": sum(1 for f in findings if f["status"] in ("rectified", "verified")),
        "verified": sum(1 for f in findings if f["status"] == "verified"),
        "open": sum(1 for f in findings if f["status"] == "open"),
        "overdue": sum(1 for f in findings if finding_view(f, today)["overdue"]),
        "still_present": results.count("still_present"),
        "fixed_on_reinspection": results.count("fixed"),
    }
