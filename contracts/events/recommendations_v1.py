"""Events published by the ``recommendations`` service (exchange ``recommendations.events``), v1.

Only what the inspections service consumes is declared here for now; the recommendations service's
own module (its issue) is the producer's and replaces this one when merged, keeping these fields."""
from marshmallow import Schema, fields

from contracts import enums
from contracts.envelope import register
from contracts.fields import code

SOURCE = "recommendations"


@register("recommendation.replied", 1)
class RecommendationReplied(Schema):
    class Meta:
        title = "检察建议已回复"
        description = "被建议单位的书面回复登记后发出；采纳或部分采纳的，检务督察自动生成回头看督办事项。"

    recommendation_id = fields.String(required=True, metadata={"description": "检察建议编号"})
    case_id = fields.String(required=True, allow_none=True, metadata={"description": "所属案件编号"})
    kind = fields.String(required=True, metadata={"description": "检察建议类型代码"})
    department = code(enums.DEPARTMENTS, required=True, metadata={"description": "制发部门代码"})
    target_unit = fields.String(required=True, metadata={"description": "被建议单位"})
    title = fields.String(required=True, metadata={"description": "检察建议标题"})
    adoption = fields.String(required=True, metadata={
        "description": "采纳情况代码（adopted 采纳、partially_adopted 部分采纳、not_adopted 未采纳）"})
    received_on = fields.Date(required=True, metadata={"description": "收到回复日期"})
    reply_due_on = fields.Date(required=True, metadata={"description": "回复期限"})

    example = {"recommendation_id": "3f2c9d0e8a7b4c1d9e6f5a3b2c1d0e9f", "case_id": "4f2c9d0e8a7b4c1d9e6f5a3b2c1d0e9f",
               "kind": "social_governance", "department": "public_interest", "target_unit": "某区民政局",
               "title": "关于加强养老机构消防安全监管的检察建议", "adoption": "adopted",
               "received_on": "2026-10-20", "reply_due_on": "2026-11-01"}
