"""Entrypoints of the cases service. Each: validate, check policy, apply a domain rule, store."""
from contracts.rpc import cases_v1 as contract
from kit.context import RequestContext
from kit.errors import EXPECTED
from kit.mongo import HealthRpc, MongoDatabase, utcnow
from kit.outbox import Outbox
from kit.rpc import rpc
from kit.validation import load
from services.cases import domain, policy
from services.cases.storage import INDEXES, CaseStore

# Schemas hold no per-call state: one instance each.
CASE = contract.Case()
REGISTER, ASSIGN, TRANSITION, QUERY, PAGE = (contract.RegisterCase(), contract.AssignCase(),
                                             contract.TransitionCase(), contract.CaseQuery(), contract.CasePage())
HANDLER = contract.HandlerAccount()


class CasesService(HealthRpc):
    name = "cases"

    ctx = RequestContext()
    db = MongoDatabase(indexes=INDEXES)
    outbox = Outbox()

    @property
    def store(self):
        return CaseStore(self.db, self.outbox)

    @rpc(expected_exceptions=EXPECTED)
    def register_case(self, data, handler=None):
        """``handler``: the account named by ``handler_id`` as the caller resolved it (None if there is
        no such active account)."""
        actor = self.ctx.require_actor()
        data = load(REGISTER, data)
        policy.ensure_can_register(actor, data["department"])
        if data["handler_id"] is not None:
            policy.ensure_valid_handler(actor, data["department"], load(HANDLER, handler) if handler else None)
        case = domain.new_case(data, actor, utcnow())
        return CASE.dump(self.store.insert(case, domain.registration_events(case)))

    @rpc(expected_exceptions=EXPECTED)
    def get_case(self, case_id):
        actor = self.ctx.require_actor()
        case = self.store.get(case_id)
        policy.ensure_can_view(actor, case)
        return CASE.dump(case)

    @rpc(expected_exceptions=EXPECTED)
    def list_cases(self, query):
        actor = self.ctx.require_actor()
        query = load(QUERY, query)
        department, also_handled_by = policy.list_scope(actor, query.pop("department"))
        items, next_cursor = self.store.search(department=department, also_handled_by=also_handled_by, **query)
        return PAGE.dump({"items": items, "next_cursor": next_cursor})

    @rpc(expected_exceptions=EXPECTED)
    def assign_case(self, case_id, data, handler=None):
        actor = self.ctx.require_actor()
        data = load(ASSIGN, data)
        handler = load(HANDLER, handler) if handler else None

        def decide(case):
            policy.ensure_can_assign(actor, case)
            policy.ensure_valid_handler(actor, case["department"], handler)
            return domain.assign(case, data["handler_id"])
        return CASE.dump(self.store.change(case_id, decide))

    @rpc(expected_exceptions=EXPECTED)
    def transition_case(self, case_id, data):
        actor = self.ctx.require_actor()
        data = load(TRANSITION, data)

        def decide(case):
            policy.ensure_can_transition(actor, case)
            return domain.transition(case, data["to"])
        return CASE.dump(self.store.change(case_id, decide))
