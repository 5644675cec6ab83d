"""Bodies that exist only at the HTTP edge (auth, users, errors, health).
Case and notification bodies are the RPC contracts in ``contracts/``."""
import re

from marshmallow import Schema, ValidationError, fields, validate, validates_schema

from contracts import enums
from contracts.fields import StrictBoolean, code, line
from contracts.rpc.common import PageQuery
from gateway.auth import MIN_PASSWORD_LENGTH, normalize_username, password_problems

# Letters (any script), digits, "_", ".", "@", "-"; checked after NFKC, to the very end (no "$"
# that would let a final newline through).
_USERNAME = re.compile(r"[\w.@-]{1,64}")


def _valid_username(value):
    if not _USERNAME.fullmatch(normalize_username(value)[0]):
        raise ValidationError("用户名应为 1 到 64 个字母、数字或 _ . @ -，不含空白和控制字符")


class TokenRequest(Schema):
    username = line(1, 64, required=True)
    password = fields.String(required=True, validate=validate.Length(min=1, max=256))


class TokenResponse(Schema):
    access_token = fields.String()
    token_type = fields.String()
    expires_in = fields.Integer()


def _password():
    return fields.String(required=True, validate=validate.Length(
        min=MIN_PASSWORD_LENGTH, max=128, error="密码长度应在 {min} 到 {max} 之间"))


class CreateUser(Schema):
    username = fields.String(required=True, validate=_valid_username)
    password = _password()
    display_name = line(1, 64, required=True)
    department = code(enums.DEPARTMENTS, required=True)
    roles = fields.List(code(enums.ROLES), required=True,
                        validate=validate.Length(min=1, error="至少需要一个角色"))

    @validates_schema
    def _password_policy(self, data, **kwargs):
        if "username" in data and "password" in data:
            problems = password_problems(data["password"], data["username"])
            if problems:
                raise ValidationError(problems, "password")


class UpdateUser(Schema):
    """An admin's change to an account; at least one field. ``active: false`` deactivates it."""
    openapi_extra = {"minProperties": 1}
    display_name = line(1, 64)
    department = code(enums.DEPARTMENTS)
    roles = fields.List(code(enums.ROLES), validate=validate.Length(min=1, error="至少需要一个角色"))
    active = StrictBoolean()

    @validates_schema
    def _not_empty(self, data, **kwargs):
        if not data:
            raise ValidationError("至少提供一个要修改的字段：display_name, department, roles, active", "_schema")


class ChangePassword(Schema):
    current_password = fields.String(required=True, validate=validate.Length(min=1, max=256))
    new_password = _password()

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


# Generated from the enum registry (contracts/enums): a newly registered enum is in the body's
# schema, and so in the OpenAPI document, by itself.
Enums = enums.response_schema()
