"""Budgeting (计财装备): budget categories, the statuses of a budget request, procurement methods,
party-group decisions and vehicle booking statuses."""
from contracts.enums.registry import register

BUDGET_CATEGORIES = register("budget_categories", {
    "personnel": "人员经费",
    "operating": "日常公用经费",
    "case_handling": "办案业务经费",
    "equipment": "业务装备经费",
    "infrastructure": "基础设施建设经费",
    "vehicles": "车辆购置及运行经费",
}, title="预算科目")

# submitted → reviewed → approved | rejected; approved → in_procurement → completed;
# cancelled from any state that is not final.
BUDGET_REQUEST_STATUSES = register("budget_request_statuses", {
    "submitted": "已提交",
    "reviewed": "计财已审核",
    "approved": "党组已批准",
    "rejected": "党组未批准",
    "in_procurement": "采购中",
    "completed": "已完成",
    "cancelled": "已取消",
}, title="预算申请状态")

BUDGET_DECISIONS = register("budget_decisions", {
    "approved": "批准",
    "rejected": "不予批准",
}, title="党组决定")

PROCUREMENT_METHODS = register("procurement_methods", {
    "centralized": "集中采购",
    "tender": "公开招标",
    "self": "自行采购",
}, title="采购方式")

VEHICLE_BOOKING_STATUSES = register("vehicle_booking_statuses", {
    "booked": "已预约",
    "cancelled": "已取消",
}, title="用车预约状态")
