"""Entrypoints of the budgeting service (计财装备). Each: check policy, apply a domain rule, store."""
from nameko.dependency_providers import Config

from contracts.rpc import budgeting_v1 as contract
from contracts.rpc import exports_v1
from contracts.rpc.common import PageQuery
from kit import clock
from kit.context import RequestContext
from kit.entrypoints import HealthCheck, command, query
from kit.storage import Storage
from services.budgeting import domain, exports, policy, reports
from services.budgeting.storage import INDEXES, BudgetStore


class BudgetingService(HealthCheck):
    name = "budgeting"

    ctx = RequestContext()
    store = Storage(BudgetStore, INDEXES)
    config = Config()

    @property
    def tender_threshold_fen(self):
        return int(self.config.get("BUDGET_TENDER_THRESHOLD_FEN") or domain.DEFAULT_TENDER_THRESHOLD_FEN)

    def _with_history(self, request):
        return {**request, "history": self.store.history_of(request["_id"])}

    # -- allocations and the ledger ------------------------------------------------------------------
    @command(body=contract.SetAllocation, response=contract.Allocation)
    def set_allocation(self, actor, body):
        policy.ensure_can_set_allocation(actor)
        return self.store.set_allocation(body, actor)

    @query(query=contract.BalanceQuery, response=contract.BalancePage)
    def balances(self, actor, query):
        department = actor.scoped_department(query.pop("department"))
        items, next_cursor = self.store.balances(department=department, **query)
        return {"items": items, "next_cursor": next_cursor}

    # -- requests ------------------------------------------------------------------------------------
    @command(body=contract.NewRequest, response=contract.BudgetRequest)
    def submit_request(self, actor, body):
        policy.ensure_can_submit(actor, body["department"])
        allocation = self.store.allocation(domain.allocation_id(body["year"], body["department"], body["category"]))
        request, events, history = domain.new_request(body, actor, allocation, clock.now(), clock.today())
        return self._with_history(self.store.submit(request, events, history))

    @query(response=contract.BudgetRequest)
    def get_request(self, actor, request_id):
        request = self.store.requests.get(request_id)
        policy.ensure_can_view(actor, request)
        return self._with_history(request)

    @query(query=contract.RequestQuery, response=contract.RequestPage)
    def list_requests(self, actor, query):
        department = actor.scoped_department(query.pop("department"))
        items, next_cursor = self.store.search_requests(department=department, **query)
        return {"items": items, "next_cursor": next_cursor}

    @command(body=contract.ReviewRequest, response=contract.BudgetRequest)
    def review_request(self, actor, request_id, body):
        policy.ensure_can_review(actor)
        return self._with_history(self.store.change_request(
            request_id, lambda request: domain.review(request, body, actor, clock.now())))

    @command(body=contract.DecideRequest, response=contract.BudgetRequest)
    def decide_request(self, actor, request_id, body):
        policy.ensure_can_decide(actor)
        return self._with_history(self.store.change_request(
            request_id, lambda request: domain.decide(request, body, actor, clock.now(), clock.today())))

    @command(body=contract.StartProcurement, response=contract.BudgetRequest)
    def start_procurement(self, actor, request_id, body):
        policy.ensure_can_run_procurement(actor)
        threshold = self.tender_threshold_fen
        return self._with_history(self.store.change_request(
            request_id, lambda request: domain.start_procurement(request, body, actor, clock.now(), clock.today(),
                                                                 threshold)))

    @command(body=contract.CompleteProcurement, response=contract.BudgetRequest)
    def complete_procurement(self, actor, request_id, body):
        policy.ensure_can_run_procurement(actor)
        return self._with_history(self.store.change_request(
            request_id, lambda request: domain.complete_procurement(request, body, actor, clock.now())))

    @command(body=contract.CancelRequest, response=contract.BudgetRequest)
    def cancel_request(self, actor, request_id, body):
        def decide(request):
            policy.ensure_can_cancel(actor, request)
            return domain.cancel(request, body, actor, clock.now())
        return self._with_history(self.store.change_request(request_id, decide))

    # -- reports -------------------------------------------------------------------------------------
    @query(query=contract.ExecutionQuery, response=contract.ExecutionReport)
    def execution_report(self, actor, query):
        policy.ensure_can_see_report(actor)
        allocations, requests = self.store.year_figures(query["year"])
        return reports.execution(query["year"], allocations, requests)

    # -- vehicles ------------------------------------------------------------------------------------
    @command(body=contract.NewVehicle, response=contract.Vehicle)
    def register_vehicle(self, actor, body):
        policy.ensure_can_register_vehicle(actor)
        return self.store.vehicles.insert(domain.new_vehicle(body, actor, clock.now()), [])

    @query(query=PageQuery, response=contract.VehiclePage)
    def list_vehicles(self, actor, query):
        items, next_cursor = self.store.list_vehicles(query["limit"], query["cursor"])
        return {"items": items, "next_cursor": next_cursor}

    @command(body=contract.NewBooking, response=contract.Booking)
    def book_vehicle(self, actor, vehicle_id, body):
        max_days = float(self.config.get("VEHICLE_BOOKING_MAX_DAYS") or domain.DEFAULT_BOOKING_MAX_DAYS)
        return self.store.book(vehicle_id, lambda vehicle: domain.new_booking(vehicle, body, actor, clock.now(),
                                                                              max_days))

    @command(response=contract.Booking)
    def cancel_booking(self, actor, vehicle_id, booking_id):
        self.store.booking_of(vehicle_id, booking_id)  # 404 unless it is a booking of that vehicle

        def decide(booking):
            policy.ensure_can_cancel_booking(actor, booking)
            return domain.cancel_booking(booking, actor)
        return self.store.bookings.change(booking_id, decide)

    @query(query=contract.BookingQuery, response=contract.BookingPage)
    def list_bookings(self, actor, vehicle_id, query):
        self.store.vehicles.get(vehicle_id)
        items, next_cursor = self.store.bookings_of(vehicle_id, **query)
        return {"items": items, "next_cursor": next_cursor}

    # -- approved data exports (the exports service) --------------------------------------------------
    @query(query=exports_v1.ExportRowsQuery, response=exports_v1.ExportRows)
    def export_rows(self, actor, export_id, query):
        """The rows of an approved export: to the exports service only (services/budgeting/exports.py)."""
        exports.ensure_export_call(actor, export_id)
        fields, selector = exports.checked(query)
        rows, truncated = exports.rows(self.store.export_requests(selector, query["limit"]), fields, query["limit"])
        return {"rows": rows, "truncated": truncated}
