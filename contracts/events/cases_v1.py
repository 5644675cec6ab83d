"""Events published by the ``cases`` service (exchange ``cases.events``), payload version 1.

Each payload schema has a zh-CN ``Meta.title`` and an ``example``: the event catalogue shows
both, and the contract tests build and parse an event from the example."""
from marshmallow import Schema, fields

from contracts import enums
from contracts.envelope import register
from contracts.fields import code

SOURCE = "cases"

_CASE = {"case_id": "4f2c9d0e8a7b4c1d9e6f5a3b2c1d0e9f", "case_no": "平检刑诉〔2026〕18号",
         "title": "张某等电信网络诈骗案", "department": "criminal"}


class _CaseRef(Schema):
    case_id = fields.String(required=True, metadata={"description": "案件编号"})
    case_no = fields.String(required=True, metadata={"description": "案号"})
    title = fields.String(required=True, metadata={"description": "案件名称"})
    department = code(enums.DEPARTMENTS, required=True, metadata={"description": "承办部门代码"})


@register("case.registered", 1)
class CaseRegistered(_CaseRef):
    class Meta:
        title = "案件已登记"
        description = "登记案件时发出；登记时即指定承办人的，随后还发出 case.assigned。"

    category = code(enums.CASE_CATEGORIES, required=True, metadata={"description": "案件类别代码"})
    status = code(enums.CASE_STATUSES, required=True, metadata={"description": "案件状态代码"})
    handler_id = fields.String(required=True, allow_none=True, metadata={"description": "承办人用户编号；未指定为 null"})

    example = {**_CASE, "category": "criminal", "status": "registered", "handler_id": None}


@register("case.assigned", 1)
class CaseAssigned(_CaseRef):
    class Meta:
        title = "案件已分配承办人"
        description = "指定或更换承办人时发出（登记时指定承办人也发出，在 case.registered 之后）。"

    handler_id = fields.String(required=True, metadata={"description": "新承办人用户编号"})
    previous_handler_id = fields.String(required=True, allow_none=True,
                                        metadata={"description": "原承办人用户编号；首次分配为 null"})

    example = {**_CASE, "handler_id": "9b1e7c2a5d3f4e6a8b0c1d2e3f4a5b6c", "previous_handler_id": None}


@register("case.status_changed", 1)
class CaseStatusChanged(_CaseRef):
    class Meta:
        title = "案件状态已变更"

    from_status = code(enums.CASE_STATUSES, required=True, data_key="from", metadata={"description": "原状态代码"})
    to_status = code(enums.CASE_STATUSES, required=True, data_key="to", metadata={"description": "新状态代码"})
    handler_id = fields.String(required=True, allow_none=True, metadata={"description": "承办人用户编号；未指定为 null"})

    example = {**_CASE, "from": "registered", "to": "under_review",
               "handler_id": "9b1e7c2a5d3f4e6a8b0c1d2e3f4a5b6c"}
