"""Schemas shared by several RPC contracts."""
from marshmallow import Schema, fields, validate

PAGE_LIMIT_MAX = 100


class PageQuery(Schema):
    limit = fields.Integer(load_default=20, validate=validate.Range(min=1, max=PAGE_LIMIT_MAX,
                                                                     error="应在 {min} 到 {max} 之间"))
    cursor = fields.String(load_default=None, validate=validate.Length(max=512))
