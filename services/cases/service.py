"""Entrypoints of the cases service. Each: check policy, apply a domain rule, store."""
from datetime import date, time, timedelta

from contracts.rpc import cases_v1 as contract
from contracts.rpc import exports_v1
from contracts.rpc.common import PageQuery
from kit import clock
from kit.calendar_store import FollowsCalendar
from kit.context import RequestContext
from kit.deadlines import NOT_DUE, Deadlines, on_deadline
from kit.entrypoints import HealthCheck, command, query
from kit.errors import NotFound
from kit.events import Inbox, consumes
from kit.jobs import Every, Jobs, periodic
from kit.settings import Settings
from kit.validation import load
from services.cases import checks, data_checks, domain, evaluations, exports, policy, records, stats
from services.cases import suspects as suspect_rules
from services.cases.settings import CaseSettings
from services.cases.storage import INDEXES, CaseStorage, CaseStore

DATA_CHECKS = "cases.data_checks"

HANDLER = contract.HandlerAccount()


def _handler(account):
    """The account the caller resolved for ``handler_id`` (None: no such active account)."""
    return load(HANDLER, account) if account else None


def _case_view(case, limits=domain.DEFAULT_TIME_LIMITS):
    """A case as readers see it: derived figures (wage supervision, the handling time limit, days
    waiting) computed as of today, never stored."""
    today = clock.today()
    return {**case, "wage_supervision": records.wage_view(case.get("wage_supervision")),
            "time_limit": domain.time_limit(limits, case, today), "days_waiting": domain.days_waiting(case, today)}


class CasesService(HealthCheck, FollowsCalendar):
    name = "cases"

    ctx = RequestContext()
    settings = Settings(CaseSettings.from_config)
    store = CaseStorage(CaseStore, INDEXES)
    deadlines = Deadlines()
    jobs = Jobs()
    inbox = Inbox()

    # -- cases ---------------------------------------------------------------------------------------
    @command(body=contract.RegisterCase, response=contract.Case)
    def register_case(self, actor, body, handler=None):
        policy.ensure_can_register(actor, body["department"])
        policy.ensure_can_name_handler_at_registration(actor, body["handler_id"])
        if body["handler_id"] is not None:
            policy.ensure_valid_handler(actor, body["department"], _handler(handler))
        case = domain.new_case(body, actor, clock.now(), clock.today())
        return self._view(self.store.cases.insert(case, domain.registration_events(case)))

    @query(response=contract.Case)
    def get_case(self, actor, case_id):
        case = self.store.cases.get(case_id)
        policy.ensure_can_view(actor, case)
        return self._view(case)

    @query(query=contract.CaseQuery, response=contract.CasePage)
    def list_cases(self, actor, query):
        department, also_handled_by = policy.list_scope(actor, query.pop("department"))
        department, also_handled_by, query = policy.worklist(actor, query.pop("queue"), department, also_handled_by,
                                                             query)
        items, next_cursor = self.store.search(department=department, also_handled_by=also_handled_by, **query)
        return {"items": [self._view(case) for case in items], "next_cursor": next_cursor}

    def _view(self, case):
        return _case_view(case, self.settings.time_limits)

    @command(body=contract.EditCase, response=contract.Case)
    def edit_case(self, actor, case_id, body):
        """The case card's fields (PATCH): the handler or the head of the case's department; in the history."""
        def decide(case):
            policy.ensure_can_edit_content(actor, case)
            return domain.edit(case, body, clock.today())
        return self._view(self.store.cases.change(case_id, decide))

    @command(body=contract.AssignCase, response=contract.Case)
    def assign_case(self, actor, case_id, body, handler=None):
        account = _handler(handler)

        def decide(case):
            policy.ensure_can_assign(actor, case, body["handler_id"])
            if body["handler_id"] is not None:
                policy.ensure_valid_handler(actor, case["department"], account)
            return domain.assign(case, body["handler_id"], actor.user_id)
        return self._view(self.store.cases.change(case_id, decide))

    @command(body=contract.TransitionCase, response=contract.Case)
    def transition_case(self, actor, case_id, body):
        def decide(case):
            policy.ensure_can_transition(actor, case)
            return domain.transition(case, body["to"], body["decided_on"] or clock.today(), clock.today())
        return self._view(self.store.cases.change(case_id, decide))

    @command(body=contract.AssetRecovery, response=contract.Case)
    def set_asset_recovery(self, actor, case_id, body):
        def decide(case):
            policy.ensure_can_edit_content(actor, case)
            return records.set_asset_recovery(case, body)
        return self._view(self.store.cases.change(case_id, decide))

    @command(body=contract.WageSupervision, response=contract.Case)
    def set_wage_supervision(self, actor, case_id, body):
        def decide(case):
            policy.ensure_can_edit_content(actor, case)
            return records.set_wage_supervision(case, body)
        return self._view(self.store.cases.change(case_id, decide))

    @query(query=PageQuery, response=contract.HistoryPage)
    def case_history(self, actor, case_id, query):
        policy.ensure_can_view(actor, self.store.cases.get(case_id))
        items, next_cursor = self.store.history_of(case_id, query["limit"], query["cursor"])
        return {"items": items, "next_cursor": next_cursor}

    # -- suspects --------------------------------------------------------------------------------------
    def _suspect_view(self, actor, case, suspect):
        return suspect_rules.view(suspect, clock.today(), policy.may_see_personal_data(actor, case))

    @command(body=contract.NewSuspect, response=contract.Suspect)
    def add_suspect(self, actor, case_id, body):
        def build(case):
            policy.ensure_can_edit_content(actor, case)
            return suspect_rules.new_suspect(case, body, clock.now(), clock.today(), self.store.working_calendar(),
                                           self.settings.referral_days)
        suspect = self.store.add_suspect(case_id, build, self.deadlines)
        return self._suspect_view(actor, self.store.cases.get(case_id), suspect)

    @command(body=contract.EditSuspect, response=contract.Suspect)
    def edit_suspect(self, actor, case_id, suspect_id, body):
        def decide(case, suspect):
            policy.ensure_can_edit_content(actor, case)
            return suspect_rules.edit(case, suspect, body, clock.today(), self.store.working_calendar(),
                                    self.settings.referral_days)
        suspect = self.store.change_suspect(case_id, suspect_id, decide, self.deadlines)
        return self._suspect_view(actor, self.store.cases.get(case_id), suspect)

    @command(body=contract.ProposeNonProsecution, response=contract.Suspect)
    def propose_non_prosecution(self, actor, case_id, suspect_id, body):
        def decide(case, suspect):
            policy.ensure_can_edit_content(actor, case)
            return suspect_rules.propose_non_prosecution(case, suspect, body, actor, clock.today())
        suspect = self.store.change_suspect(case_id, suspect_id, decide, self.deadlines)
        return self._suspect_view(actor, self.store.cases.get(case_id), suspect)

    @command(body=contract.RecordReferral, response=contract.Suspect)
    def record_referral(self, actor, case_id, suspect_id, body):
        def decide(case, suspect):
            policy.ensure_can_record_referral(actor, case)
            return suspect_rules.record_referral(case, suspect, body["transferred_on"], clock.today())
        suspect = self.store.change_suspect(case_id, suspect_id, decide, self.deadlines)
        return self._suspect_view(actor, self.store.cases.get(case_id), suspect)

    @query(response=contract.Suspect)
    def get_suspect(self, actor, case_id, suspect_id):
        case = self.store.cases.get(case_id)
        policy.ensure_can_view(actor, case)
        return self._suspect_view(actor, case, self.store.suspect_of(case_id, suspect_id))

    @query(query=PageQuery, response=contract.SuspectPage)
    def list_suspects(self, actor, case_id, query):
        case = self.store.cases.get(case_id)
        policy.ensure_can_view(actor, case)
        items, next_cursor = self.store.suspects_of(case_id, query["limit"], query["cursor"])
        return {"items": [self._suspect_view(actor, case, suspect) for suspect in items], "next_cursor": next_cursor}

    # -- deadlines -------------------------------------------------------------------------------------
    @on_deadline(suspect_rules.REFERRAL_DEADLINE.kind)
    def referral_deadline(self, deadline, session):
        """On its due day still no referral recorded: "due today"; the day after: "overdue" — each
        once (the handler and the department are reminded through notifications; the data checks see
        it too)."""
        suspect = self.store.find_suspect(deadline["aggregate_id"], session)
        if suspect is None or not suspect_rules.pending_referral(suspect):
            return NOT_DUE
        case = self.store.find_case(suspect["case_id"], session)
        event = suspect_rules.referral_deadline_event(case, suspect, deadline["threshold"], clock.today())
        if event is None:
            return NOT_DUE
        self.store.emit(session, suspect["_id"], [event])
        return None

    def calendar_changed(self, session, year):
        """A year's working-day schedule was loaded: the referral due dates it moves move once, their
        deadlines with them, and their handlers are told (case.referral_due_moved)."""
        self._recompute_referrals(session, self.store.referrals_spanning(year))

    def _recompute_referrals(self, session, selector):
        working_calendar = self.store.working_calendar(session)
        return self.store.recompute_referrals(
            session, selector, lambda case, suspect: suspect_rules.recompute_referral(
                case, suspect, working_calendar, self.settings.referral_days), self.deadlines)

    @periodic("cases.calendar.provisional", Every.day(at=time(1, 0)))
    def recompute_provisional(self, run):
        """Daily, a sweep behind ``calendar_changed``: a decision whose transaction read the calendar
        just before a schedule was loaded, and committed just after its recomputation, is still
        provisional over a year now known; it is recomputed here (a no-op while the year is unknown)."""
        since = (clock.today() - timedelta(days=30)).isoformat()
        return {"recomputed": self.store.transaction(
            lambda session: self._recompute_referrals(session, self.store.provisional_referrals(since)))}

    # -- quality evaluation ---------------------------------------------------------------------------
    @command(body=contract.NewEvaluation, response=contract.Evaluation)
    def evaluate_case(self, actor, case_id, body):
        policy.ensure_can_evaluate(actor)
        return self.store.add_evaluation(case_id, lambda case: evaluations.new_evaluation(
            case, body, actor.user_id, clock.now()))

    @query(query=PageQuery, response=contract.EvaluationPage)
    def case_evaluations(self, actor, case_id, query):
        policy.ensure_can_view(actor, self.store.cases.get(case_id))
        items, next_cursor = self.store.evaluations_of(case_id, query["limit"], query["cursor"])
        return {"items": items, "next_cursor": next_cursor}

    # -- statistics ----------------------------------------------------------------------------------
    @query(query=contract.StatsQuery, response=contract.CaseStats)
    def case_stats(self, actor, query):
        department = actor.scoped_department(query["department"])
        first = (query["from_"] or date(1, 1, 1)).isoformat()
        last = (query["to"] or date(9999, 12, 31)).isoformat()
        return stats.report(self.store.statistics(first, last, department))

    # -- data checks ---------------------------------------------------------------------------------
    @query(response=contract.CheckRuleList)
    def check_rules(self, actor):
        return {"items": [{"name": r.name, "title": r.title, "key": r.key} for r in checks.RULES.values()]}

    @command(body=contract.RequestCheckRun, response=contract.CheckRun)
    def request_check_run(self, actor, body):
        policy.ensure_can_run_checks(actor)
        return self.jobs.request(DATA_CHECKS, {"scope": "all", "department": body["department"]}, actor.user_id)

    @query(query=PageQuery, response=contract.CheckRunPage)
    def check_runs(self, actor, query):
        policy.ensure_can_see_all_findings(actor)
        items, next_cursor = self.store.check_runs(query["limit"], query["cursor"])
        return {"items": items, "next_cursor": next_cursor}

    @query(response=contract.CheckRun)
    def check_run(self, actor, run_id):
        policy.ensure_can_see_all_findings(actor)
        run = self.jobs.get(run_id)
        if run is None or not run["job"].startswith(DATA_CHECKS):
            raise NotFound("核查任务不存在")
        return run

    @query(query=contract.FindingQuery, response=contract.FindingPage)
    def list_findings(self, actor, query):
        department = actor.scoped_department(query.pop("department"))
        items, next_cursor = self.store.findings(department=department, **query)
        return {"items": items, "next_cursor": next_cursor}

    @periodic(DATA_CHECKS, every=None)
    def requested_checks(self, run):
        """A run a case manager asked for: every rule over every case (of one department, if asked)."""
        return data_checks.run(self.store, run["data"].get("scope", "all"), today=clock.today(), now=clock.now(),
                               department=run["data"].get("department"))

    @periodic(f"{DATA_CHECKS}.daily", Every.day(at=time(2, 0)))
    def daily_checks(self, run):
        """日清日结: the cases changed since yesterday, every rule."""
        return data_checks.run(self.store, "daily", today=clock.today(), now=clock.now())

    @periodic(f"{DATA_CHECKS}.weekly", Every.week(at=time(3, 0)))
    def weekly_checks(self, run):
        """每周巡查: the key fields of every case."""
        return data_checks.run(self.store, "weekly", today=clock.today(), now=clock.now())

    @periodic(f"{DATA_CHECKS}.monthly", Every.month(at=time(4, 0)))
    def monthly_checks(self, run):
        """每月核对: every rule over every case (card against table)."""
        return data_checks.run(self.store, "monthly", today=clock.today(), now=clock.now())

    # -- approved data exports (the exports service) ------------------------------------------------
    @query(query=exports_v1.ExportRowsQuery, response=exports_v1.ExportRows)
    def export_rows(self, actor, export_id, query):
        """The rows of an approved export: to the exports service only (services/cases/exports.py)."""
        exports.ensure_export_call(actor, export_id)
        fields, selector, requester = exports.checked(query)
        cases, suspects = self.store.export_cases(selector, query["limit"], exports.wants_suspects(fields))
        rows, truncated = exports.rows(exports.visible(cases, requester), suspects, fields,
                                       exports.unmasked_for(requester, query["include_id_numbers"]), query["limit"])
        return {"rows": rows, "truncated": truncated}

    # -- the reverse referral's outcome (行刑反向衔接) -----------------------------------------------------
    @consumes("recommendations", "recommendation.replied")
    def on_recommendation_replied(self, event, session):
        """The administrative organ's answer to a procuratorial opinion, with its penalty outcome:
        written on the suspect's case card. Other replies are not the case card's business."""
        reply = event["payload"]
        if reply["kind"] == "procuratorial_opinion" and reply.get("suspect_id") and reply.get("penalty_outcome"):
            self.store.record_penalty_outcome(session, reply, self.deadlines)

    # -- what the service knows of users -----------------------------------------------------------
    @consumes("accounts", "user.created")
    def on_user_created(self, event, session):
        self.store.project_user(session, event["payload"], event.get("aggregate_version") or 0)

    @consumes("accounts", "user.updated")
    def on_user_updated(self, event, session):
        self.store.project_user(session, event["payload"], event.get("aggregate_version") or 0)

    @consumes("accounts", "user.deactivated")
    def on_user_deactivated(self, event, session):
        self.store.project_user(session, event["payload"], event.get("aggregate_version") or 0)
