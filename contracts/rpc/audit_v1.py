"""RPC contract of the ``audit`` service, version 1 (also the HTTP bodies of /v1/audit)."""
from marshmallow import Schema, fields, validate

from contracts.fields import day, line
from contracts.rpc.common import DayRange, PageQuery

ACTIONS = ("read", "create", "update", "delete", "login", "logout")


class EntryQuery(PageQuery, DayRange):
    user_id = line(1, 128, load_default=None)
    # A resource type (``cases``) or the id of one resource (a case's id).
    resource = line(1, 128, load_default=None)
    action = fields.String(load_default=None, validate=validate.OneOf(ACTIONS, error="应为 {choices} 之一"))
    # ``from``/``to`` (DayRange): entries of requests on those Asia/Shanghai dates.



class Entry(Schema):
    id = fields.String(attribute="_id")
    chain = fields.String()
    seq = fields.Integer()
    at = fields.String()
    user_id = fields.String(allow_none=True)
    roles = fields.List(fields.String())
    department = fields.String(allow_none=True)
    method = fields.String()
    route = fields.String()
    action = fields.String()
    resource = fields.String()
    resource_ids = fields.Dict(keys=fields.String(), values=fields.String())
    status = fields.Integer()
    remote_addr = fields.String(allow_none=True)
    user_agent = fields.String(allow_none=True)
    correlation_id = fields.String()
    personal_data = fields.Boolean()
    prev_hash = fields.String()
    hash = fields.String()


class EntryPage(Schema):
    items = fields.List(fields.Nested(Entry))
    next_cursor = fields.String(allow_none=True)


class VerifyQuery(Schema):
    date = day(required=True)


class BrokenLink(Schema):
    chain = fields.String()
    seq = fields.Integer(metadata={"description": "链上序号"})
    entry_id = fields.String(allow_none=True, dump_default=None)
    reason = fields.String()


class Verification(Schema):
    date = fields.String()
    valid = fields.Boolean()
    entries = fields.Integer(metadata={"description": "核验的条目数"})
    chains = fields.Integer(metadata={"description": "当日的链数（分片）"})
    first_broken = fields.Nested(BrokenLink, allow_none=True, dump_default=None,
                                 metadata={"description": "第一个断链处；完好时为 null"})
