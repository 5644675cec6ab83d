"""Bodies that exist only at the HTTP edge (tokens, errors, health, enum labels).
Every other body is an RPC contract in ``contracts/``."""
from marshmallow import Schema, fields, validate

from contracts import enums
from contracts.fields import line


class TokenRequest(Schema):
    username = line(1, 64, required=True)
    password = fields.String(required=True, validate=validate.Length(min=1, max=256))


class LogoutResponse(Schema):
    logged_out = fields.Boolean(required=True, metadata={"description": "本令牌已失效"})


class TokenResponse(Schema):
    access_token = fields.String()
    token_type = fields.String()
    expires_in = fields.Integer()


class ErrorBody(Schema):
    code = fields.String(required=True)
    message = fields.String(required=True)
    # Before ``fields`` below, which shadows the module's name in this class body.
    current_version = fields.Integer(metadata={"description": "412 时：记录当前的版本（同响应头 ETag）"})
    fields = fields.Dict(keys=fields.String(), values=fields.Raw())


class Error(Schema):
    error = fields.Nested(ErrorBody, required=True)


class Health(Schema):
    status = fields.String()
    checks = fields.Dict(keys=fields.String(), values=fields.String())


# Generated from the enum registry (contracts/enums): a newly registered enum is in the body's
# schema, and so in the OpenAPI document, by itself.
Enums = enums.response_schema()
