"""Entrypoints of the cases service. Each: check policy, apply a domain rule, store."""
from contracts.rpc import cases_v1 as contract
from contracts.rpc.common import PageQuery
from kit import clock
from kit.context import RequestContext
from kit.deadlines import NOT_DUE, Deadlines, on_deadline
from kit.entrypoints import HealthCheck, command, query
from kit.storage import Storage
from kit.validation import load
from services.cases import domain, policy, records
from services.cases import suspects as suspect_rules
from services.cases.storage import INDEXES, CaseStore

HANDLER = contract.HandlerAccount()


def _handler(account):
    """The account the caller resolved for ``handler_id`` (None: no such active account)."""
    return load(HANDLER, account) if account else None


def _case_view(case):
    """A case as readers see it: derived figures computed, never stored."""
    return {**case, "wage_supervision": records.wage_view(case.get("wage_supervision"))}


class CasesService(HealthCheck):
    name = "cases"

    ctx = RequestContext()
    store = Storage(CaseStore, INDEXES)
    deadlines = Deadlines()

    # -- cases ---------------------------------------------------------------------------------------
    @command(body=contract.RegisterCase, response=contract.Case)
    def register_case(self, actor, body, handler=None):
        policy.ensure_can_register(actor, body["department"])
        if body["handler_id"] is not None:
            policy.ensure_valid_handler(actor, body["department"], _handler(handler))
        case = domain.new_case(body, actor, clock.now())
        return _case_view(self.store.cases.insert(case, domain.registration_events(case)))

    @query(response=contract.Case)
    def get_case(self, actor, case_id):
        case = self.store.cases.get(case_id)
        policy.ensure_can_view(actor, case)
        return _case_view(case)

    @query(query=contract.CaseQuery, response=contract.CasePage)
    def list_cases(self, actor, query):
        department, also_handled_by = policy.list_scope(actor, query.pop("department"))
        items, next_cursor = self.store.search(department=department, also_handled_by=also_handled_by, **query)
        return {"items": [_case_view(case) for case in items], "next_cursor": next_cursor}

    @command(body=contract.AssignCase, response=contract.Case)
    def assign_case(self, actor, case_id, body, handler=None):
        account = _handler(handler)

        def decide(case):
            policy.ensure_can_assign(actor, case)
            policy.ensure_valid_handler(actor, case["department"], account)
            return domain.assign(case, body["handler_id"])
        return _case_view(self.store.cases.change(case_id, decide))

    @command(body=contract.TransitionCase, response=contract.Case)
    def transition_case(self, actor, case_id, body):
        def decide(case):
            policy.ensure_can_transition(actor, case)
            return domain.transition(case, body["to"], body["decided_on"] or clock.today())
        return _case_view(self.store.cases.change(case_id, decide))

    @command(body=contract.AssetRecovery, response=contract.Case)
    def set_asset_recovery(self, actor, case_id, body):
        def decide(case):
            policy.ensure_can_edit_content(actor, case)
            return records.set_asset_recovery(case, body)
        return _case_view(self.store.cases.change(case_id, decide))

    @command(body=contract.WageSupervision, response=contract.Case)
    def set_wage_supervision(self, actor, case_id, body):
        def decide(case):
            policy.ensure_can_edit_content(actor, case)
            return records.set_wage_supervision(case, body)
        return _case_view(self.store.cases.change(case_id, decide))

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
            return suspect_rules.new_suspect(case, body, clock.now(), clock.today())
        suspect = self.store.add_suspect(case_id, build, self.deadlines)
        return self._suspect_view(actor, self.store.cases.get(case_id), suspect)

    @command(body=contract.EditSuspect, response=contract.Suspect)
    def edit_suspect(self, actor, case_id, suspect_id, body):
        def decide(case, suspect):
            policy.ensure_can_edit_content(actor, case)
            return suspect_rules.edit(case, suspect, body, clock.today())
        suspect = self.store.change_suspect(case_id, suspect_id, decide, self.deadlines)
        return self._suspect_view(actor, self.store.cases.get(case_id), suspect)

    @command(body=contract.RecordReferral, response=contract.Suspect)
    def record_referral(self, actor, case_id, suspect_id, body):
        def decide(case, suspect):
            policy.ensure_can_record_referral(actor, case)
            return suspect_rules.record_referral(case, suspect, body["transferred_on"])
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
    def referral_overdue(self, deadline, session):
        """No referral recorded by its due date: announce it once (the handler and the department are
        reminded through notifications; the data checks see it too)."""
        suspect = self.store.find_suspect(deadline["aggregate_id"], session)
        if suspect is None or not suspect_rules.pending_referral(suspect):
            return NOT_DUE
        case = self.store.find_case(suspect["case_id"], session)
        self.store.emit(session, suspect["_id"], [suspect_rules.referral_overdue_event(case, suspect)])
        return None
