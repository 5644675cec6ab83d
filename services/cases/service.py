"""Entrypoints of the cases service. Each: check policy, apply a domain rule, store."""
from contracts.rpc import cases_v1 as contract
from kit.context import RequestContext
from kit.entrypoints import HealthCheck, command, query
from kit import clock
from kit.storage import Storage
from kit.validation import load
from services.cases import domain, policy
from services.cases.storage import INDEXES, CaseStore

HANDLER = contract.HandlerAccount()


def _handler(account):
    """The account the caller resolved for ``handler_id`` (None: no such active account)."""
    return load(HANDLER, account) if account else None


class CasesService(HealthCheck):
    name = "cases"

    ctx = RequestContext()
    store = Storage(CaseStore, INDEXES)

    @command(body=contract.RegisterCase, response=contract.Case)
    def register_case(self, actor, body, handler=None):
        policy.ensure_can_register(actor, body["department"])
        if body["handler_id"] is not None:
            policy.ensure_valid_handler(actor, body["department"], _handler(handler))
        case = domain.new_case(body, actor, clock.now())
        return self.store.cases.insert(case, domain.registration_events(case))

    @query(response=contract.Case)
    def get_case(self, actor, case_id):
        case = self.store.cases.get(case_id)
        policy.ensure_can_view(actor, case)
        return case

    @query(query=contract.CaseQuery, response=contract.CasePage)
    def list_cases(self, actor, query):
        department, also_handled_by = policy.list_scope(actor, query.pop("department"))
        items, next_cursor = self.store.search(department=department, also_handled_by=also_handled_by, **query)
        return {"items": items, "next_cursor": next_cursor}

    @command(body=contract.AssignCase, response=contract.Case)
    def assign_case(self, actor, case_id, body, handler=None):
        account = _handler(handler)

        def decide(case):
            policy.ensure_can_assign(actor, case)
            policy.ensure_valid_handler(actor, case["department"], account)
            return domain.assign(case, body["handler_id"])
        return self.store.cases.change(case_id, decide)

    @command(body=contract.TransitionCase, response=contract.Case)
    def transition_case(self, actor, case_id, body):
        def decide(case):
            policy.ensure_can_transition(actor, case)
            return domain.transition(case, body["to"])
        return self.store.cases.change(case_id, decide)
