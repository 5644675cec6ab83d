"""RPC contract of the ``notifications`` service, version 1."""
from marshmallow import Schema, fields

from contracts.rpc.common import PageQuery


class NotificationQuery(PageQuery):
    unread_only = fields.Boolean(load_default=False)


class Ref(Schema):
    kind = fields.String()
    id = fields.String()


class Notification(Schema):
    id = fields.String(attribute="_id")
    type = fields.String()
    channel = fields.String()
    title = fields.String()
    body = fields.String()
    ref = fields.Nested(Ref)
    created_at = fields.DateTime(format="iso")
    read_at = fields.DateTime(format="iso", allow_none=True)


class NotificationPage(Schema):
    items = fields.List(fields.Nested(Notification))
    next_cursor = fields.String(allow_none=True)
