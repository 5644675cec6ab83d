"""RPC contract of the ``cases`` service, version 1 (also the HTTP bodies of /v1/cases)."""
from marshmallow import Schema, fields

from contracts import enums
from contracts.fields import code, line
from contracts.rpc.common import PageQuery


def user_id(**kwargs):
    return line(1, 64, **kwargs)



class RegisterCase(Schema):
    case_no = line(1, 64, required=True)
    title = line(1, 200, required=True)
    category = code(enums.CASE_CATEGORIES, required=True)
    department = code(enums.DEPARTMENTS, required=True)
    handler_id = user_id(load_default=None, allow_none=True)


class AssignCase(Schema):
    handler_id = user_id(required=True)


class HandlerAccount(Schema):
    """The account a ``handler_id`` names, as the caller resolved it: what the handler rules need."""
    user_id = fields.String(required=True)
    roles = fields.List(code(enums.ROLES), required=True)
    department = code(enums.DEPARTMENTS, required=True)


class TransitionCase(Schema):
    to = code(enums.CASE_STATUSES, required=True)


class CaseQuery(PageQuery):
    status = code(enums.CASE_STATUSES, load_default=None)
    category = code(enums.CASE_CATEGORIES, load_default=None)
    department = code(enums.DEPARTMENTS, load_default=None)
    handler_id = user_id(load_default=None)
    q = line(1, 100, load_default=None)


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
