"""Events published by the ``budgeting`` service (exchange ``budgeting.events``), v1.

Only what the inspections service consumes is declared here for now; the budgeting service's own
module (its issue) is the producer's and replaces this one when merged, keeping these fields."""
from marshmallow import Schema, fields

from contracts import enums
from contracts.envelope import register
from contracts.fields import code

SOURCE = "budgeting"


@register("budget.procurement_started", 1)
class ProcurementStarted(Schema):
    class Meta:
        title = "采购已启动"
        description = "预算申请进入采购时发出；检务督察据此生成采购全程监督事项。"

    request_id = fields.String(required=True, metadata={"description": "预算申请编号"})
    year = fields.Integer(required=True, metadata={"description": "预算年度"})
    department = code(enums.DEPARTMENTS, required=True, metadata={"description": "申请部门代码"})
    category = fields.String(required=True, metadata={"description": "预算类别代码"})
    title = fields.String(required=True, metadata={"description": "采购事项"})
    amount_fen = fields.Integer(required=True, metadata={"description": "金额（分）"})
    method = fields.String(required=True, metadata={"description": "采购方式代码"})
    vendor = fields.String(required=True, allow_none=True, metadata={"description": "供应商；未确定为 null"})
    started_on = fields.Date(required=True, metadata={"description": "启动采购日期"})

    example = {"request_id": "2e2c9d0e8a7b4c1d9e6f5a3b2c1d0e9f", "year": 2026, "department": "general",
               "category": "equipment", "title": "办案区同步录音录像设备更新", "amount_fen": 38000000,
               "method": "public_tender", "vendor": None, "started_on": "2026-10-12"}
