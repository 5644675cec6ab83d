"""Events published by the ``budgeting`` service (exchange ``budgeting.events``), payload version 1.

Amounts are integer fen. Each request event carries a copy of the request's reference (year,
department, category, title), so a consumer (inspections: oversight of the whole path, from
``budget.procurement_started``) never calls back."""
from marshmallow import Schema, fields

from contracts import enums
from contracts.envelope import register
from contracts.fields import code, day, money, utc_datetime

SOURCE = "budgeting"

_REQUEST = {"request_id": "5d1c0b9a8e7f4a3b2c1d0e9f8a7b6c5d", "year": 2026, "department": "criminal",
            "category": "equipment", "title": "办案区同步录音录像设备更新"}
_BOOKING = {"booking_id": "2b3c4d5e6f7a8b9c0d1e2f3a4b5c6d7e", "vehicle_id": "8f7e6d5c4b3a29180f1e2d3c4b5a6978",
            "plate": "京A12345", "starts_at": "2026-11-26T01:00:00+00:00", "ends_at": "2026-11-26T05:00:00+00:00"}


def _year(**kwargs):
    return fields.Integer(strict=True, **kwargs)


class _RequestRef(Schema):
    request_id = fields.String(required=True, metadata={"description": "预算申请编号"})
    year = _year(required=True, metadata={"description": "预算年度"})
    department = code(enums.DEPARTMENTS, required=True, metadata={"description": "申请部门代码"})
    category = code(enums.BUDGET_CATEGORIES, required=True, metadata={"description": "预算科目代码"})
    title = fields.String(required=True, metadata={"description": "项目名称"})


@register("budget.allocation_set", 1)
class AllocationSet(Schema):
    class Meta:
        title = "预算指标已下达或调整"
        description = "计财下达某年度、部门、科目的预算指标，或调整它（每次调整是一次留痕的修订，不覆盖原值）时发出。"

    allocation_id = fields.String(required=True, metadata={"description": "预算指标编号"})
    year = _year(required=True, metadata={"description": "预算年度"})
    department = code(enums.DEPARTMENTS, required=True, metadata={"description": "部门代码"})
    category = code(enums.BUDGET_CATEGORIES, required=True, metadata={"description": "预算科目代码"})
    allocated_fen = money(required=True, metadata={"description": "调整后的指标金额（分）"})
    previous_allocated_fen = money(required=True, allow_none=True,
                                   metadata={"description": "调整前的指标金额（分）；首次下达为 null"})
    revision = fields.Integer(strict=True, required=True, metadata={"description": "修订序号，首次下达为 1"})
    reason = fields.String(required=True, allow_none=True, metadata={"description": "调整理由；首次下达可为 null"})

    example = {"allocation_id": "a1b2c3d4e5f60718293a4b5c6d7e8f90", "year": 2026, "department": "criminal",
               "category": "equipment", "allocated_fen": 500000000, "previous_allocated_fen": None,
               "revision": 1, "reason": None}


@register("budget.request_submitted", 1)
class RequestSubmitted(_RequestRef):
    class Meta:
        title = "预算申请已提交"
        description = "部门提出项目需求时发出；超出可用额度的申请照常受理，但 exceeds_available 为 true，提醒计财。"

    amount_fen = money(required=True, metadata={"description": "申请金额（分）"})
    exceeds_available = fields.Boolean(required=True, metadata={"description": "提交时申请金额是否超过可用额度"})
    requested_by = fields.String(required=True, metadata={"description": "申请人用户编号"})

    example = {**_REQUEST, "amount_fen": 12000000, "exceeds_available": False,
               "requested_by": "9b1e7c2a5d3f4e6a8b0c1d2e3f4a5b6c"}


@register("budget.request_reviewed", 1)
class RequestReviewed(_RequestRef):
    class Meta:
        title = "计财已审核预算申请"
        description = ("计财审核（可核减金额）时发出；采购中实际金额将超出批准金额时，计财再次审核追加，"
                       "也发出本事件（status 为 in_procurement）。")

    requested_amount_fen = money(required=True, metadata={"description": "申请金额（分）"})
    approved_amount_fen = money(required=True, metadata={"description": "审核金额（分）"})
    comment = fields.String(required=True, allow_none=True, metadata={"description": "审核意见"})
    status = code(enums.BUDGET_REQUEST_STATUSES, required=True, metadata={"description": "审核后的申请状态代码"})

    example = {**_REQUEST, "requested_amount_fen": 12000000, "approved_amount_fen": 10000000,
               "comment": "按市场询价核减", "status": "reviewed"}


@register("budget.request_decided", 1)
class RequestDecided(_RequestRef):
    class Meta:
        title = "党组已作出决定"
        description = "党组集体研究决定批准或不予批准时发出；批准即占用该预算指标的额度（amount_fen）。"

    decision = code(enums.BUDGET_DECISIONS, required=True, metadata={"description": "决定代码"})
    amount_fen = money(required=True, metadata={"description": "批准（占用）的金额（分）；不予批准时为审核金额"})
    minutes_ref = fields.String(required=True, metadata={"description": "党组会议纪要编号"})

    example = {**_REQUEST, "decision": "approved", "amount_fen": 10000000, "minutes_ref": "党组会〔2026〕12号"}


@register("budget.procurement_started", 1)
class ProcurementStarted(_RequestRef):
    class Meta:
        title = "采购已启动"
        description = "计财集中办理采购时发出；检务督察据此建立监督任务（全程监督）。"

    amount_fen = money(required=True, metadata={"description": "批准的金额（分）"})
    method = code(enums.PROCUREMENT_METHODS, required=True, metadata={"description": "采购方式代码"})
    vendor = fields.String(required=True, allow_none=True, metadata={"description": "供应商；尚未确定为 null"})
    started_on = day(required=True, metadata={"description": "启动日期"})

    example = {**_REQUEST, "amount_fen": 10000000, "method": "centralized", "vendor": None,
               "started_on": "2026-11-26"}


@register("budget.procurement_completed", 1)
class ProcurementCompleted(_RequestRef):
    class Meta:
        title = "采购已完成（验收）"
        description = "验收完成时发出：占用额度转为已支出（actual_amount_fen），批准金额中未用的部分释放。"

    amount_fen = money(required=True, metadata={"description": "批准的金额（分）"})
    actual_amount_fen = money(required=True, metadata={"description": "实际支出金额（分）"})
    released_fen = money(required=True, metadata={"description": "释放回可用额度的金额（分）"})
    accepted_on = day(required=True, metadata={"description": "验收日期"})
    method = code(enums.PROCUREMENT_METHODS, required=True, metadata={"description": "采购方式代码"})
    vendor = fields.String(required=True, allow_none=True, metadata={"description": "供应商"})

    example = {**_REQUEST, "amount_fen": 10000000, "actual_amount_fen": 9650000, "released_fen": 350000,
               "accepted_on": "2026-12-20", "method": "centralized", "vendor": "某科技有限公司"}


@register("budget.request_cancelled", 1)
class RequestCancelled(_RequestRef):
    class Meta:
        title = "预算申请已取消"
        description = "申请或采购被取消时发出；已占用的额度随之释放（released_fen）。"

    previous_status = code(enums.BUDGET_REQUEST_STATUSES, required=True, metadata={"description": "取消前的状态代码"})
    released_fen = money(required=True, metadata={"description": "释放回可用额度的金额（分）；未占用时为 0"})
    reason = fields.String(required=True, allow_none=True, metadata={"description": "取消理由"})

    example = {**_REQUEST, "previous_status": "in_procurement", "released_fen": 10000000, "reason": "需求调整"}


class _BookingRef(Schema):
    booking_id = fields.String(required=True, metadata={"description": "用车预约编号"})
    vehicle_id = fields.String(required=True, metadata={"description": "车辆编号"})
    plate = fields.String(required=True, metadata={"description": "车牌号"})
    starts_at = utc_datetime(required=True, metadata={"description": "开始时间（UTC）"})
    ends_at = utc_datetime(required=True, metadata={"description": "结束时间（UTC）"})


@register("vehicle.booked", 1)
class VehicleBooked(_BookingRef):
    class Meta:
        title = "车辆已预约"
        description = "预约车辆某一时段时发出；同一车辆的预约时段互不重叠。"

    purpose = fields.String(required=True, metadata={"description": "用车事由"})
    case_id = fields.String(required=True, allow_none=True, metadata={"description": "关联案件编号；无为 null"})
    booked_by = fields.String(required=True, metadata={"description": "预约人用户编号"})

    example = {**_BOOKING, "purpose": "赴看守所提讯", "case_id": None, "booked_by": "9b1e7c2a5d3f4e6a8b0c1d2e3f4a5b6c"}


@register("vehicle.booking_cancelled", 1)
class VehicleBookingCancelled(_BookingRef):
    class Meta:
        title = "用车预约已取消"

    cancelled_by = fields.String(required=True, metadata={"description": "取消人用户编号"})

    example = {**_BOOKING, "cancelled_by": "9b1e7c2a5d3f4e6a8b0c1d2e3f4a5b6c"}
