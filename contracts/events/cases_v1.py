"""Events published by the ``cases`` service (exchange ``cases.events``), payload version 1."""
from marshmallow import Schema, fields

from contracts import enums
from contracts.envelope import register
from contracts.fields import code

SOURCE = "cases"


class _CaseRef(Schema):
    case_id = fields.String(required=True)
    case_no = fields.String(required=True)
    title = fields.String(required=True)
    department = code(enums.DEPARTMENTS, required=True)


@register("case.registered", 1)
class CaseRegistered(_CaseRef):
    category = code(enums.CASE_CATEGORIES, required=True)
    status = code(enums.CASE_STATUSES, required=True)
    handler_id = fields.String(required=True, allow_none=True)


@register("case.assigned", 1)
class CaseAssigned(_CaseRef):
    handler_id = fields.String(required=True)
    previous_handler_id = fields.String(required=True, allow_none=True)


@register("case.status_changed", 1)
class CaseStatusChanged(_CaseRef):
    from_status = code(enums.CASE_STATUSES, required=True, data_key="from")
    to_status = code(enums.CASE_STATUSES, required=True, data_key="to")
    handler_id = fields.String(required=True, allow_none=True)
