"""The inspections service's own database: the only module that touches it.

Collections: ``supervision_tasks``, ``inspections`` and ``findings`` (versioned aggregates), and the
kit's ``outbox``, ``deadlines`` and ``inbox_processed``. A task's and a finding's deadlines are
scheduled, moved or cancelled in the transaction of the change that causes it."""
from datetime import date

from pymongo import ASCENDING, DESCENDING, IndexModel

from kit.aggregate import Aggregates, retrying
from kit.errors import ValidationFailed
from kit.pagination import paginate
from kit.storage import Store
from services.inspections import domain

TASKS, INSPECTIONS, FINDINGS = "supervision_tasks", "inspections", "findings"
LEDGER, DATA_CHECKS, DISCIPLINE, INTERFERENCE = "ledger", "data_check_watch", "discipline_findings", \
    "interference_records"
_NEWEST = [("created_at", DESCENDING), ("_id", DESCENDING)]
MAX_FINDINGS_SHOWN = 500

INDEXES = {
    TASKS: [IndexModel(_NEWEST),
            IndexModel([("status", ASCENDING), *_NEWEST]),
            IndexModel([("department", ASCENDING), *_NEWEST]),
            IndexModel([("owner_id", ASCENDING), *_NEWEST]),
            IndexModel([("status", ASCENDING), ("due_on", ASCENDING)])],
    INSPECTIONS: [IndexModel(_NEWEST),
                  IndexModel([("target.kind", ASCENDING), *_NEWEST]),
                  IndexModel([("inspected_on", ASCENDING)]),
                  IndexModel([("reinspection_of", ASCENDING)])],
    FINDINGS: [IndexModel(_NEWEST),
               IndexModel([("inspection_id", ASCENDING), *_NEWEST]),
               IndexModel([("status", ASCENDING), *_NEWEST]),
               IndexModel([("status", ASCENDING), ("rectify_by", ASCENDING)])],
    LEDGER: [IndexModel([("user_id", ASCENDING), ("period", ASCENDING), ("occurred_on", ASCENDING)])],
    DISCIPLINE: [IndexModel([("user_id", ASCENDING), *_NEWEST])],
    INTERFERENCE: [IndexModel(_NEWEST), IndexModel([("case_id", ASCENDING), *_NEWEST])],
}


def _overdue_filter(overdue, today, due_field, active):
    late = {"status": {"$in": list(active)}, due_field: {"$lt": today.isoformat()}}
    if overdue:
        return late
    return {"$or": [{"status": {"$nin": list(active)}}, {due_field: {"$gte": today.isoformat()}}]}


class InspectionStore(Store):
    def __init__(self, db, outbox):
        super().__init__(db, outbox)
        self.tasks = Aggregates(self, TASKS, not_found="督办事项不存在")
        self.inspections = Aggregates(self, INSPECTIONS, not_found="现场检查不存在")
        self.findings = Aggregates(self, FINDINGS, not_found="问题不存在")
        self.interference = Aggregates(self, INTERFERENCE, not_found="记录不存在")

    # -- deadlines follow the status -----------------------------------------------------------------
    @staticmethod
    def _task_deadlines(session, task, deadlines, rules):
        if task["status"] in domain.ACTIVE:
            due_on = date.fromisoformat(task["due_on"])
            for rule in rules.all:
                deadlines.schedule(session, rule, task["_id"], due_on)
        else:
            for rule in rules.all:
                deadlines.cancel(session, rule.kind, task["_id"])

    @staticmethod
    def _finding_deadline(session, finding, deadlines):
        if finding["status"] == "open":
            deadlines.schedule(session, domain.FINDING_OVERDUE, finding["_id"], date.fromisoformat(finding["rectify_by"]))
        else:
            deadlines.cancel(session, domain.FINDING_OVERDUE.kind, finding["_id"])

    # -- supervision tasks -------------------------------------------------------------------------
    def add_task(self, task, events, deadlines, rules):
        def work(session):
            self.tasks.stage_insert(session, task, events)
            self._task_deadlines(session, task, deadlines, rules)
            return task
        return self.transaction(work)

    def add_task_once(self, session, task, events, deadlines, rules):
        """Inside a consumer's inbox transaction: the task unless one with its id exists (an automatic
        task's id follows from its source). True if it was added now."""
        if self.tasks.collection.find_one({"_id": task["_id"]}, {"_id": 1}, session=session):
            return False
        self.tasks.stage_insert(session, task, events)
        self._task_deadlines(session, task, deadlines, rules)
        return True

    def change_task(self, task_id, decide, deadlines, rules):
        def attempt():
            task = self.tasks.get(task_id)
            changes, events = decide(task)
            if not changes and not events:
                return task

            def work(session):
                changed = self.tasks.stage_change(session, task, changes, events)
                if changed["status"] != task["status"] or changed["due_on"] != task["due_on"]:
                    self._task_deadlines(session, changed, deadlines, rules)  # moved with an extension too
                return changed
            return self.transaction(work)
        return retrying(attempt)

    def find_task(self, task_id, session=None):
        return self.tasks.collection.find_one({"_id": task_id}, session=session)

    def search_tasks(self, *, status, department, owner_id, overdue, today, limit, cursor, also_owned_by=None):
        clauses = [{key: value} for key, value in (("status", status), ("owner_id", owner_id)) if value]
        if department and also_owned_by:
            clauses.append({"$or": [{"department": department}, {"owner_id": also_owned_by}]})
        elif department:
            clauses.append({"department": department})
        if overdue is not None:
            clauses.append(_overdue_filter(overdue, today, "due_on", domain.ACTIVE))
        query = clauses[0] if len(clauses) == 1 else ({"$and": clauses} if clauses else {})
        return paginate(self.tasks.collection, query, limit, cursor)

    # -- inspections -----------------------------------------------------------------------------------
    def earlier_for(self, inspection_id):
        """(inspection, its findings) a re-inspection refers to; 400 naming ``reinspection_of`` if none."""
        earlier = self.inspections.collection.find_one({"_id": inspection_id})
        if earlier is None:
            raise ValidationFailed("复查的原检查不存在", fields={"reinspection_of": ["原检查不存在"]})
        return earlier, list(self.findings.collection.find({"inspection_id": inspection_id}))

    def add_inspection(self, build, deadlines, rectify_days):
        """``build(earlier, earlier_findings) -> (inspection, events, results)``; the inspection and what
        a re-inspection changes on the earlier findings (a finding still present is open again, its
        deadline re-armed) commit together; decided again on a lost race."""
        def attempt():
            inspection, events, results, earlier_findings = build()
            by_id = {finding["_id"]: finding for finding in earlier_findings}

            def work(session):
                self.inspections.stage_insert(session, inspection, events)
                for finding_id, result in results.items():
                    finding = by_id[finding_id]
                    changes = (domain.still_present(finding, inspection, rectify_days) if result == "still_present"
                               else domain.found_fixed(finding, inspection))
                    changed = self.findings.stage_change(session, finding, changes, [])
                    if changed["status"] != finding["status"]:
                        self._finding_deadline(session, changed, deadlines)
                return inspection
            return self.transaction(work)
        return retrying(attempt)

    def findings_of(self, inspection_id):
        return list(self.findings.collection.find({"inspection_id": inspection_id})
                    .sort([("created_at", ASCENDING), ("_id", ASCENDING)]).limit(MAX_FINDINGS_SHOWN))

    def search_inspections(self, *, kind, limit, cursor):
        return paginate(self.inspections.collection, {"target.kind": kind} if kind else {}, limit, cursor)

    # -- findings ----------------------------------------------------------------------------------------
    def add_finding(self, inspection_id, build, deadlines):
        inspection = self.inspections.get(inspection_id)
        finding, events = build(inspection)

        def work(session):
            self.findings.stage_insert(session, finding, events)
            self._finding_deadline(session, finding, deadlines)
            return finding
        return self.transaction(work)

    def change_finding(self, finding_id, decide, deadlines):
        """``decide(finding, inspection) -> (changes, events)``; its deadline follows its status."""
        def attempt():
            finding = self.findings.get(finding_id)
            inspection = self.inspections.get(finding["inspection_id"])
            changes, events = decide(finding, inspection)
            if not changes and not events:
                return finding

            def work(session):
                changed = self.findings.stage_change(session, finding, changes, events)
                if changed["status"] != finding["status"]:
                    self._finding_deadline(session, changed, deadlines)
                return changed
            return self.transaction(work)
        return retrying(attempt)

    def find_finding(self, finding_id, session=None):
        return self.findings.collection.find_one({"_id": finding_id}, session=session)

    def search_findings(self, *, inspection_id, status, overdue, today, limit, cursor):
        clauses = [{key: value} for key, value in (("inspection_id", inspection_id), ("status", status)) if value]
        if overdue is not None:
            clauses.append(_overdue_filter(overdue, today, "rectify_by", ("open",)))
        query = clauses[0] if len(clauses) == 1 else ({"$and": clauses} if clauses else {})
        return paginate(self.findings.collection, query, limit, cursor)

    def export_findings(self, selector, limit):
        """For an approved export: up to ``limit`` + 1 findings of ``selector``, oldest first."""
        return list(self.findings.collection.find(selector).sort([("created_at", ASCENDING), ("_id", ASCENDING)])
                    .limit(limit + 1))

    # -- statistics ------------------------------------------------------------------------------------
    def for_statistics(self, first_day, last_day, kind):
        """The inspections carried out from ``first_day`` to ``last_day`` (ISO dates, inclusive) of one
        target kind (or all), and the findings recorded on them (only the fields the figures need)."""
        query = {"inspected_on": {"$gte": first_day, "$lte": last_day}}
        if kind:
            query["target.kind"] = kind
        inspections = list(self.inspections.collection.find(
            query, {"target_key": 1, "reinspection_of": 1, "earlier_findings.result": 1}))
        ids = [inspection["_id"] for inspection in inspections]
        findings = []
        for start in range(0, len(ids), 1000):
            findings += list(self.findings.collection.find(
                {"inspection_id": {"$in": ids[start:start + 1000]}},
                {"category": 1, "severity": 1, "status": 1, "rectify_by": 1}))
        return inspections, findings

    # -- the staff ledger --------------------------------------------------------------------------------
    def add_ledger_entries(self, session, entries):
        """Each entry once (its id is its rule and source): one already there is left as it is."""
        for entry in entries:
            if self.db[LEDGER].find_one({"_id": entry["_id"]}, {"_id": 1}, session=session) is None:
                self.db[LEDGER].insert_one(entry, session=session)

    def ledger_of(self, user_id, period):
        return list(self.db[LEDGER].find({"user_id": user_id, "period": period})
                    .sort([("occurred_on", ASCENDING), ("created_at", ASCENDING), ("_id", ASCENDING)]))

    def watch_data_check(self, session, watch, rule, due_on, deadlines):
        """A data-check finding opened: remembered, with the deadline past which it counts as unresolved."""
        if self.db[DATA_CHECKS].find_one({"_id": watch["_id"]}, {"_id": 1}, session=session) is None:
            self.db[DATA_CHECKS].insert_one(watch, session=session)
            deadlines.schedule(session, rule, watch["_id"], due_on)

    def find_watch(self, watch_id, session=None):
        return self.db[DATA_CHECKS].find_one({"_id": watch_id}, session=session)

    def add_discipline(self, record, events, entries):
        def work(session):
            self.db[DISCIPLINE].insert_one(record, session=session)
            self.emit(session, record["_id"], events)
            self.add_ledger_entries(session, entries)
            return record
        return self.transaction(work)

    # -- interference records (三个规定) ------------------------------------------------------------------
    def search_interference(self, *, case_id, limit, cursor):
        return paginate(self.interference.collection, {"case_id": case_id} if case_id else {}, limit, cursor)
