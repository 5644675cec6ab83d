"""RPC contract of the ``cases`` service, version 1 (also the HTTP bodies of /v1/cases)."""
from marshmallow import Schema, fields, validate

from contracts import enums
from contracts.fields import code, text
from contracts.rpc.common import PageQuery

USER_ID = validate.Length(min=1, max=64, error="长度应在 {min} 到 {max} 之间")


class RegisterCase(Schema):
    case_no = text(1, 64, required=True)
    title = text(1, 200, required=True)
    category = code(enums.CASE_CATEGORIES, required=True)
    department = code(enums.DEPARTMENTS, required=True)
    handler_id = fields.String(load_default=None, allow_none=True, validate=USER_ID)


class AssignCase(Schema):
    handler_id = fields.String(required=True, validate=USER_ID)


class TransitionCase(Schema):
    to = code(enums.CASE_STATUSES, required=True)


class CaseQuery(PageQuery):
    status = code(enums.CASE_STATUSES, load_default=None)
    category = code(enums.CASE_CATEGORIES, load_default=None)
    department = code(enums.DEPARTMENTS, load_default=None)
    handler_id = fields.String(load_default=None, validate=USER_ID)
    q = text(1, 100, load_default=None)


class Case(Schema):
    id = fields.String(attribute="_id")
    case_no = fields.String()
    title = fields.String()
    category = fields.String()
    department = fields.String()
    handler_id = fields.String(allow_none=True)
    status = fields.String()
    version = fields.Integer()
    created_by = fields.String()
    created_at = fields.DateTime(format="iso")
    updated_at = fields.DateTime(format="iso")


class CasePage(Schema):
    items = fields.List(fields.Nested(Case))
    next_cursor = fields.String(allow_none=True)
