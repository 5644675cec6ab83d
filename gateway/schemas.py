"""Bodies that exist only at the HTTP edge (auth, users, errors, health).
Case and notification bodies are the RPC contracts in ``contracts/``."""
from marshmallow import Schema, ValidationError, fields, validate, validates_schema

from contracts import enums
from contracts.fields import code, text
from contracts.rpc.common import PageQuery


class TokenRequest(Schema):
    username = text(1, 64, required=True)
    password = fields.String(required=True, validate=validate.Length(min=1, max=256))


class TokenResponse(Schema):
    access_token = fields.String()
    token_type = fields.String()
    expires_in = fields.Integer()


class CreateUser(Schema):
    username = fields.String(required=True, validate=validate.Regexp(
        r"^\S{1,64}$", error="用户名应为 1 到 64 个字符，且不含空白"))
    password = fields.String(required=True, validate=validate.Length(min=8, max=128,
                                                                     error="密码长度应在 {min} 到 {max} 之间"))
    display_name = text(1, 64, required=True)
    department = code(enums.DEPARTMENTS, required=True)
    roles = fields.List(code(enums.ROLES), required=True,
                        validate=validate.Length(min=1, error="至少需要一个角色"))


class UpdateUser(Schema):
    """An admin's change to an account; at least one field. ``active: false`` deactivates it."""
    display_name = text(1, 64)
    department = code(enums.DEPARTMENTS)
    roles = fields.List(code(enums.ROLES), validate=validate.Length(min=1, error="至少需要一个角色"))
    active = fields.Boolean()

    @validates_schema
    def _not_empty(self, data, **kwargs):
        if not data:
            raise ValidationError("至少提供一个要修改的字段：display_name, department, roles, active", "_schema")


class ChangePassword(Schema):
    current_password = fields.String(required=True, validate=validate.Length(min=1, max=256))
    new_password = fields.String(required=True, validate=validate.Length(min=8, max=128,
                                                                         error="密码长度应在 {min} 到 {max} 之间"))

    @validates_schema
    def _really_new(self, data, **kwargs):
        if data.get("current_password") == data.get("new_password"):
            raise ValidationError("新密码不能与当前密码相同", "new_password")


class User(Schema):
    id = fields.String(attribute="_id")
    username = fields.String()
    display_name = fields.String()
    department = fields.String()
    roles = fields.List(fields.String())
    active = fields.Boolean()
    created_at = fields.DateTime(format="iso")


class UserQuery(PageQuery):
    department = code(enums.DEPARTMENTS, load_default=None)


class UserPage(Schema):
    items = fields.List(fields.Nested(User))
    next_cursor = fields.String(allow_none=True)


class ErrorBody(Schema):
    code = fields.String(required=True)
    message = fields.String(required=True)
    fields = fields.Dict(keys=fields.String(), values=fields.Raw())


class Error(Schema):
    error = fields.Nested(ErrorBody, required=True)


class Health(Schema):
    status = fields.String()
    checks = fields.Dict(keys=fields.String(), values=fields.String())


def _labels():
    return fields.Dict(keys=fields.String(), values=fields.String())


class Enums(Schema):
    roles = _labels()
    departments = _labels()
    case_categories = _labels()
    case_statuses = _labels()
    notification_channels = _labels()
