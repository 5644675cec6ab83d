"""Entrypoints of the inspections service. Each: check policy, apply a domain rule, store."""
from datetime import date, datetime, time, timedelta

from contracts.rpc import exports_v1, inspections_v1 as contract
from kit import clock
from kit.context import RequestContext
from kit.deadlines import NOT_DUE, DeadlineRule, Deadlines, Threshold, on_deadline
from kit.entrypoints import HealthCheck, command, query
from kit.errors import NotFound, ValidationFailed
from kit.events import Inbox, consumes
from kit.validation import load
from services.inspections import domain, exports, ledger, policy, staff
from services.inspections.storage import INDEXES, InspectionStore
from kit.settings import Settings
from kit.storage import Storage

OWNER = contract.OwnerAccount()
PERSON = contract.PersonAccount()
# A data-check finding still open past its due date counts against its owner (the ledger's rule table
# says how much): checked as the due day ends.
DATA_CHECK_DUE = DeadlineRule("ledger.data_check", (Threshold("unresolved", 1),), at=time(0, 0))


def _event_day(event):
    """The Asia/Shanghai day an event's change was committed."""
    occurred = datetime.fromisoformat(event["occurred_at"].replace("Z", "+00:00"))
    return occurred.astimezone(clock.SHANGHAI).date()


class InspectionsService(HealthCheck):
    name = "inspections"

    ctx = RequestContext()
    store = Storage(InspectionStore, INDEXES)
    deadlines = Deadlines()
    inbox = Inbox()
    settings = Settings(policy.Settings.from_config)

    # -- supervision tasks (督办事项) -------------------------------------------------------------------
    @command(body=contract.NewSupervisionTask, response=contract.SupervisionTask)
    def create_supervision_task(self, actor, body, owner=None):
        policy.ensure_can_create_task(actor, body["department"])
        if owner is None:  # the caller found no active account by that id
            raise ValidationFailed("责任人不存在或已停用", fields={"owner_id": ["用户不存在或已停用"]})
        load(OWNER, owner)
        task, events = domain.new_task(body, actor.user_id, clock.now(), today=clock.today())
        return domain.task_view(self.store.add_task(task, events, self.deadlines, self.settings.task_rules), clock.today())

    @query(response=contract.SupervisionTask)
    def get_supervision_task(self, actor, task_id):
        task = self.store.tasks.get(task_id)
        policy.ensure_can_view_task(actor, task)
        return domain.task_view(task, clock.today())

    @query(query=contract.TaskQuery, response=contract.TaskPage)
    def list_supervision_tasks(self, actor, query):
        department, also_owned_by = policy.task_list_scope(actor, query.pop("department"))
        today = clock.today()
        items, next_cursor = self.store.search_tasks(department=department, also_owned_by=also_owned_by,
                                                     today=today, **query)
        return {"items": [domain.task_view(task, today) for task in items], "next_cursor": next_cursor}

    @command(body=contract.TaskProgress, response=contract.SupervisionTask)
    def report_task_progress(self, actor, task_id, body):
        def decide(task):
            policy.ensure_can_work_task(actor, task)
            return domain.report_progress(task, body, actor.user_id, clock.now())
        return domain.task_view(self.store.change_task(task_id, decide, self.deadlines, self.settings.task_rules), clock.today())

    @command(body=contract.CompleteTask, response=contract.SupervisionTask)
    def complete_supervision_task(self, actor, task_id, body):
        def decide(task):
            policy.ensure_can_work_task(actor, task)
            return domain.complete(task, body, actor.user_id, clock.today())
        return domain.task_view(self.store.change_task(task_id, decide, self.deadlines, self.settings.task_rules), clock.today())

    @command(body=contract.ExtendTask, response=contract.SupervisionTask)
    def extend_supervision_task(self, actor, task_id, body):
        """A later due date with its reason, by whoever may assign the task (its reminders move)."""
        def decide(task):
            policy.ensure_can_create_task(actor, task["department"])
            return domain.extend_task(task, body, actor.user_id, clock.now())
        return domain.task_view(self.store.change_task(task_id, decide, self.deadlines, self.settings.task_rules),
                                clock.today())

    @command(body=contract.VerifyTask, response=contract.SupervisionTask)
    def verify_supervision_task(self, actor, task_id, body):
        policy.ensure_can_verify(actor)
        task = self.store.change_task(task_id, lambda task: domain.verify_task(task, body, actor.user_id, clock.now()),
                                      self.deadlines, self.settings.task_rules)
        return domain.task_view(task, clock.today())

    @on_deadline(domain.TASK_DUE_SOON_KIND)
    def task_due_soon(self, deadline, session):
        event = domain.task_reminder(self.settings.task_rules, self.store.find_task(deadline["aggregate_id"], session),
                                     deadline["threshold"], clock.today())
        if event is None:
            return NOT_DUE
        self.store.emit(session, deadline["aggregate_id"], [event])
        return None

    @on_deadline(domain.TASK_OVERDUE_KIND)
    def task_overdue(self, deadline, session):
        event = domain.task_overdue(self.settings.task_rules, self.store.find_task(deadline["aggregate_id"], session),
                                    deadline["threshold"], clock.today())
        if event is None:
            return NOT_DUE
        self.store.emit(session, deadline["aggregate_id"], [event])
        return None

    # -- automatic follow-ups -------------------------------------------------------------------------------
    @consumes("recommendations", "recommendation.replied")
    def on_recommendation_replied(self, event, session):
        """An adopted (or partly adopted) recommendation: a 回头看 task for the issuing department, once
        per recommendation."""
        made = domain.follow_up_for_reply(event["payload"], self.settings.follow_up_months, clock.now())
        if made is not None:
            self.store.add_task_once(session, *made, self.deadlines, self.settings.task_rules)

    @consumes("budgeting", "budget.procurement_started")
    def on_procurement_started(self, event, session):
        """检务督察全程监督: an oversight task for the inspection office, once per budget request."""
        made = domain.oversight_for_procurement(event["payload"], self.settings.oversight_months, clock.now())
        self.store.add_task_once(session, *made, self.deadlines, self.settings.task_rules)

    # -- on-site inspections --------------------------------------------------------------------------------
    def _inspection_view(self, inspection):
        today = clock.today()
        return {**inspection, "findings": [domain.finding_view(finding, today)
                                           for finding in self.store.findings_of(inspection["_id"])]}

    @command(body=contract.NewInspection, response=contract.Inspection)
    def record_inspection(self, actor, body):
        policy.ensure_can_inspect(actor)
        now, today = clock.now(), clock.today()

        def build():
            earlier, earlier_findings = (self.store.earlier_for(body["reinspection_of"]) if body["reinspection_of"]
                                         else (None, []))
            inspection, events, results = domain.new_inspection(body, actor.user_id, now, today, earlier,
                                                                earlier_findings)
            return inspection, events, results, earlier_findings
        inspection = self.store.add_inspection(build, self.deadlines, self.settings.rectify_days)
        return self._inspection_view(inspection)

    @query(response=contract.Inspection)
    def get_inspection(self, actor, inspection_id):
        return self._inspection_view(self.store.inspections.get(inspection_id))

    @query(query=contract.InspectionQuery, response=contract.InspectionPage)
    def list_inspections(self, actor, query):
        items, next_cursor = self.store.search_inspections(**query)
        return {"items": items, "next_cursor": next_cursor}

    @query(query=contract.InspectionStatsQuery, response=contract.InspectionStats)
    def inspection_stats(self, actor, query):
        first = (query["from_"] or date(1, 1, 1)).isoformat()
        last = (query["to"] or date(9999, 12, 31)).isoformat()
        inspections, findings = self.store.for_statistics(first, last, query["kind"])
        return domain.stats(inspections, findings, clock.today())

    # -- findings (隐患) --------------------------------------------------------------------------------
    @command(body=contract.NewFinding, response=contract.InspectionFinding)
    def record_finding(self, actor, inspection_id, body):
        rectify_days = self.settings.rectify_days

        def build(inspection):
            policy.ensure_can_record_finding(actor, inspection)
            return domain.new_finding(inspection, body, actor.user_id, clock.now(), rectify_days)
        return domain.finding_view(self.store.add_finding(inspection_id, build, self.deadlines), clock.today())

    @query(response=contract.InspectionFinding)
    def get_finding(self, actor, finding_id):
        return domain.finding_view(self.store.findings.get(finding_id), clock.today())

    @query(query=contract.InspectionFindingQuery, response=contract.InspectionFindingPage)
    def list_findings(self, actor, query):
        today = clock.today()
        items, next_cursor = self.store.search_findings(today=today, **query)
        return {"items": [domain.finding_view(item, today) for item in items], "next_cursor": next_cursor}

    @command(body=contract.RectifyFinding, response=contract.InspectionFinding)
    def rectify_finding(self, actor, finding_id, body):
        def decide(finding, inspection):
            policy.ensure_can_rectify(actor, finding, inspection)
            return domain.rectify(finding, body, actor.user_id, clock.now(), clock.today())
        return domain.finding_view(self.store.change_finding(finding_id, decide, self.deadlines), clock.today())

    @command(body=contract.VerifyFinding, response=contract.InspectionFinding)
    def verify_finding(self, actor, finding_id, body):
        policy.ensure_can_verify(actor)
        finding = self.store.change_finding(
            finding_id, lambda finding, inspection: domain.verify_finding(finding, body, actor.user_id, clock.now()),
            self.deadlines)
        return domain.finding_view(finding, clock.today())

    @on_deadline(domain.FINDING_OVERDUE.kind)
    def finding_overdue(self, deadline, session):
        """Not rectified (or its rectification rejected) by ``rectify_by``: announce it once."""
        event = domain.finding_overdue(self.store.find_finding(deadline["aggregate_id"], session), clock.today())
        if event is None:
            return NOT_DUE
        self.store.emit(session, deadline["aggregate_id"], [event])
        return None

    # -- approved data exports (the exports service) --------------------------------------------------
    @query(query=exports_v1.ExportRowsQuery, response=exports_v1.ExportRows)
    def export_rows(self, actor, export_id, query):
        """The rows of an approved export: to the exports service only (services/inspections/exports.py)."""
        exports.ensure_export_call(actor, export_id)
        fields, selector = exports.checked(query)
        rows, truncated = exports.rows(self.store.export_findings(selector, query["limit"]), fields, clock.today(),
                                       query["limit"])
        return {"rows": rows, "truncated": truncated}

    # -- the staff ledger (正负面清单) -------------------------------------------------------------------
    def _ledger(self, session, event):
        entries = ledger.entries_for(event["type"], event["payload"], _event_day(event), self.settings.ledger_rules,
                                     clock.now(), event_id=event["event_id"])
        self.store.add_ledger_entries(session, entries)

    @consumes("cases", "case.evaluated")
    def on_case_evaluated(self, event, session):
        self._ledger(session, event)

    @consumes("inspections", "supervision_task.verified")
    def on_task_verified(self, event, session):
        self._ledger(session, event)

    @consumes("inspections", "supervision_task.overdue")
    def on_task_overdue(self, event, session):
        self._ledger(session, event)

    @consumes("cases", "data_check.finding_opened")
    def on_data_check_finding_opened(self, event, session):
        """Remember the opening; if it is still recorded as open past its due date, the owner's ledger
        gets the rule table's entry (cases publishes no resolution event yet: see the report)."""
        payload = event["payload"]
        opened_on = _event_day(event)
        watch = {"_id": f"{payload['finding_id']}@{event['event_id']}", "finding_id": payload["finding_id"],
                 "owner_id": payload.get("owner_id"), "case_id": payload["case_id"], "rule": payload["rule"],
                 "opened_on": opened_on.isoformat(), "status": "open", "created_at": clock.now()}
        self.store.watch_data_check(session, watch, DATA_CHECK_DUE,
                                    opened_on + timedelta(days=self.settings.data_check_due_days), self.deadlines)

    @on_deadline(DATA_CHECK_DUE.kind)
    def data_check_unresolved(self, deadline, session):
        watch = self.store.find_watch(deadline["aggregate_id"], session)
        if watch is None or watch["status"] != "open":
            return NOT_DUE
        fact = {"owner_id": watch["owner_id"], "finding_id": watch["finding_id"], "opening_id": watch["_id"],
                "case_id": watch["case_id"], "rule": watch["rule"]}
        self.store.add_ledger_entries(session, ledger.entries_for(
            "data_check.finding_unresolved", fact, clock.today(), self.settings.ledger_rules, clock.now()))
        return None

    @command(body=contract.NewDisciplineFinding, response=contract.DisciplineFinding)
    def record_discipline_finding(self, actor, user_id, body, person=None):
        policy.ensure_can_record_discipline(actor)
        if person is None:
            raise NotFound("用户不存在")
        record, events = staff.new_discipline(load(PERSON, person)["user_id"], body, actor.user_id, clock.now(),
                                              clock.today())
        entries = ledger.entries_for("staff.discipline_recorded", staff.discipline_fact(record), body["occurred_on"],
                                     self.settings.ledger_rules, clock.now())
        return self.store.add_discipline(record, events, entries)

    @query(query=contract.ScorecardQuery, response=contract.Scorecard)
    def staff_scorecard(self, actor, user_id, query, person=None):
        if person is None:
            raise NotFound("用户不存在")
        policy.ensure_can_see_scorecard(actor, load(PERSON, person))
        return ledger.scorecard(user_id, query["period"], self.store.ledger_of(user_id, query["period"]))

    # -- interference records (三个规定记录报告) ---------------------------------------------------------------
    @command(body=contract.NewInterferenceRecord, response=contract.InterferenceRecord)
    def file_interference_record(self, actor, body, case=None):
        """Anyone may file, about a case they may read: ``case`` is that case as the cases service showed
        it to the caller (None: not found or not theirs to read, a 400 naming ``case_id``)."""
        policy.ensure_filed_on_visible_case(body["case_id"], case)
        record, events = staff.new_interference_record(body, actor.user_id, clock.now(), clock.today())
        return self.store.interference.insert(record, events)

    @query(query=contract.InterferenceQuery, response=contract.InterferencePage)
    def list_interference_records(self, actor, query):
        policy.ensure_can_read_interference(actor)
        items, next_cursor = self.store.search_interference(**query)
        return {"items": items, "next_cursor": next_cursor}

    @query(response=contract.InterferenceRecord)
    def get_interference_record(self, actor, record_id):
        policy.ensure_can_read_interference(actor)
        return self.store.interference.get(record_id)

    @command(body=contract.Annotation, response=contract.InterferenceRecord)
    def annotate_interference_record(self, actor, record_id, body):
        policy.ensure_can_read_interference(actor)
        return self.store.interference.change(record_id, lambda record: staff.annotate(
            record, body, actor.user_id, clock.now()))
