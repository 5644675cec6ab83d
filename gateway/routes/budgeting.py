"""Budgeting (计财装备): allocations, the ledger, budget requests, the execution report, vehicles.

Roles declared here are the first gate (403 before any body is read or any service is called); the
budgeting service checks them again with the rules that need the record (department, requester)."""
from contracts.rpc import budgeting_v1
from contracts.rpc.common import PageQuery
from gateway.http import route
from gateway.rpc import BoundedRpcProxy

REQUESTERS = ("department_head", "prosecutor")


class BudgetRoutes:
    budgeting = BoundedRpcProxy("budgeting")

    # -- allocations and the ledger ------------------------------------------------------------------
    @route("POST", "/v1/budget/allocations", roles=("finance",), body=budgeting_v1.SetAllocation,
           response=budgeting_v1.Allocation, summary="下达或调整预算指标（计财；调整须说明理由，留痕不覆盖）",
           tag="budget", errors=(409,))
    def set_allocation(self, request, body):
        return self.budgeting.set_allocation(body=body)

    @route("GET", "/v1/budget/balances", query=budgeting_v1.BalanceQuery, response=budgeting_v1.BalancePage,
           summary="预算指标台账：已下达、已占用、已支出、可用（year、department、category 过滤）", tag="budget")
    def budget_balances(self, request, query):
        return self.budgeting.balances(query=query)

    # -- requests ------------------------------------------------------------------------------------
    @route("POST", "/v1/budget/requests", roles=REQUESTERS, body=budgeting_v1.NewRequest,
           response=budgeting_v1.BudgetRequest, status=201,
           summary="提出预算申请（本部门负责人或检察官；超出可用额度的照常受理并标记）", tag="budget")
    def submit_budget_request(self, request, body):
        return self.budgeting.submit_request(body=body)

    @route("GET", "/v1/budget/requests", query=budgeting_v1.RequestQuery, response=budgeting_v1.RequestPage,
           summary="预算申请列表（year、department、status 过滤；游标分页）", tag="budget")
    def list_budget_requests(self, request, query):
        return self.budgeting.list_requests(query=query)

    @route("GET", "/v1/budget/requests/<request_id>", response=budgeting_v1.BudgetRequest,
           summary="预算申请详情（含只增不改的流转记录）", tag="budget")
    def get_budget_request(self, request, request_id):
        return self.budgeting.get_request(request_id=request_id)

    @route("POST", "/v1/budget/requests/<request_id>/review", roles=("finance",), body=budgeting_v1.ReviewRequest,
           response=budgeting_v1.BudgetRequest,
           summary="计财审核（可核减；采购中再次审核即追加批准金额）", tag="budget", errors=(409,))
    def review_budget_request(self, request, request_id, body):
        return self.budgeting.review_request(request_id=request_id, body=body)

    @route("POST", "/v1/budget/requests/<request_id>/decide", roles=("party_group",), body=budgeting_v1.DecideRequest,
           response=budgeting_v1.BudgetRequest,
           summary="党组决定（批准即占用预算额度；额度不足 409）", tag="budget", errors=(409,))
    def decide_budget_request(self, request, request_id, body):
        return self.budgeting.decide_request(request_id=request_id, body=body)

    @route("POST", "/v1/budget/requests/<request_id>/procurement/start", roles=("finance",),
           body=budgeting_v1.StartProcurement, response=budgeting_v1.BudgetRequest,
           summary="启动采购（计财；达到公开招标限额须 tender）", tag="budget", errors=(409,))
    def start_budget_procurement(self, request, request_id, body):
        return self.budgeting.start_procurement(request_id=request_id, body=body)

    @route("POST", "/v1/budget/requests/<request_id>/procurement/complete", roles=("finance",),
           body=budgeting_v1.CompleteProcurement, response=budgeting_v1.BudgetRequest,
           summary="采购验收完成（计财；占用转为支出，未用部分释放）", tag="budget", errors=(409,))
    def complete_budget_procurement(self, request, request_id, body):
        return self.budgeting.complete_procurement(request_id=request_id, body=body)

    @route("POST", "/v1/budget/requests/<request_id>/cancel", body=budgeting_v1.CancelRequest,
           response=budgeting_v1.BudgetRequest,
           summary="取消预算申请或采购（党组决定前：申请人或本部门负责人；任何时候：计财；释放已占用额度）",
           tag="budget", errors=(409,))
    def cancel_budget_request(self, request, request_id, body):
        return self.budgeting.cancel_request(request_id=request_id, body=body)

    # -- reports -------------------------------------------------------------------------------------
    @route("GET", "/v1/budget/reports/execution", query=budgeting_v1.ExecutionQuery,
           response=budgeting_v1.ExecutionReport,
           summary="预算执行情况（按部门×科目：已下达、已占用、已支出、执行率；申请状态；平均决策天数）", tag="budget")
    def budget_execution_report(self, request, query):
        return self.budgeting.execution_report(query=query)


class VehicleRoutes:
    """车辆使用管理: vehicles and their bookings (two bookings of one vehicle never overlap)."""
    budgeting = BoundedRpcProxy("budgeting")

    @route("POST", "/v1/vehicles", roles=("finance", "admin"), body=budgeting_v1.NewVehicle,
           response=budgeting_v1.Vehicle, status=201, summary="登记车辆（计财或管理员）", tag="vehicles", errors=(409,))
    def register_vehicle(self, request, body):
        return self.budgeting.register_vehicle(body=body)

    @route("GET", "/v1/vehicles", query=PageQuery, response=budgeting_v1.VehiclePage, summary="车辆列表",
           tag="vehicles")
    def list_vehicles(self, request, query):
        return self.budgeting.list_vehicles(query=query)

    @route("POST", "/v1/vehicles/<vehicle_id>/bookings", body=budgeting_v1.NewBooking, response=budgeting_v1.Booking,
           status=201, summary="预约用车（与该车已有预约时段重叠 409）", tag="vehicles", errors=(409,))
    def book_vehicle(self, request, vehicle_id, body):
        return self.budgeting.book_vehicle(vehicle_id=vehicle_id, body=body)

    @route("GET", "/v1/vehicles/<vehicle_id>/bookings", query=budgeting_v1.BookingQuery,
           response=budgeting_v1.BookingPage, summary="车辆的预约（from–to 时段内）", tag="vehicles")
    def list_vehicle_bookings(self, request, vehicle_id, query):
        return self.budgeting.list_bookings(vehicle_id=vehicle_id, query=query)

    @route("POST", "/v1/vehicles/<vehicle_id>/bookings/<booking_id>/cancel", response=budgeting_v1.Booking,
           summary="取消用车预约（预约人、计财或管理员）", tag="vehicles", errors=(409,))
    def cancel_vehicle_booking(self, request, vehicle_id, booking_id):
        return self.budgeting.cancel_booking(vehicle_id=vehicle_id, booking_id=booking_id)
