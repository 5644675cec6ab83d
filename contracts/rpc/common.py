"""Schemas shared by several RPC contracts."""
from marshmallow import Schema, fields, post_load, validate

PAGE_LIMIT_MAX = 100


class PageQuery(Schema):
    # A page larger than the maximum is not an error: the client gets the maximum and a next_cursor.
    limit = fields.Integer(load_default=20, validate=validate.Range(min=1, error="应不小于 {min}"))
    cursor = fields.String(load_default=None, validate=validate.Length(max=512))

    @post_load
    def cap_limit(self, data, **kwargs):
        data["limit"] = min(data["limit"], PAGE_LIMIT_MAX)
        return data
