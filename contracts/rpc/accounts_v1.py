"""RPC contract of the ``accounts`` service, version 1 (also the HTTP bodies of /v1/users and /v1/me)."""
import re
import unicodedata

from marshmallow import Schema, ValidationError, fields, validate, validates_schema

from contracts import enums
from contracts.fields import StrictBoolean, code, line
from contracts.rpc.common import PageQuery

MIN_PASSWORD_LENGTH = 10
# Letters (any script), digits, "_", ".", "@", "-"; checked after NFKC (the service normalises),
# to the very end: no "$" that would let a final newline through.
USERNAME = re.compile(r"[\w.@-]{1,64}")
# A pragmatic address check (the channel that uses it, SMTP, has the last word).
_EMAIL = re.compile(r"[^@\s]{1,64}@[A-Za-z0-9.-]{1,253}\.[A-Za-z]{2,63}")


def _valid_username(value):
    if not USERNAME.fullmatch(unicodedata.normalize("NFKC", value)):
        raise ValidationError("用户名应为 1 到 64 个字母、数字或 _ . @ -，不含空白和控制字符")


def _valid_email(value):
    if not _EMAIL.fullmatch(value):
        raise ValidationError("不是有效的电子邮件地址")


def _password():
    return fields.String(required=True, validate=validate.Length(
        min=MIN_PASSWORD_LENGTH, max=128, error="密码长度应在 {min} 到 {max} 之间"))


def email(**kwargs):
    return line(3, 254, validate=_valid_email, **kwargs)


class CreateUser(Schema):
    username = fields.String(required=True, validate=_valid_username)
    password = _password()
    display_name = line(1, 64, required=True)
    department = code(enums.DEPARTMENTS, required=True)
    roles = fields.List(code(enums.ROLES), required=True, validate=validate.Length(min=1, error="至少需要一个角色"))
    email = email(load_default=None, allow_none=True)


class UpdateUser(Schema):
    """An admin's change to an account; at least one field. ``active: false`` deactivates it."""
    openapi_extra = {"minProperties": 1}
    display_name = line(1, 64)
    department = code(enums.DEPARTMENTS)
    roles = fields.List(code(enums.ROLES), validate=validate.Length(min=1, error="至少需要一个角色"))
    active = StrictBoolean()
    email = email(allow_none=True)

    @validates_schema
    def _not_empty(self, data, **kwargs):
        if not data:
            raise ValidationError("至少提供一个要修改的字段：display_name, department, roles, active, email", "_schema")


class ChangePassword(Schema):
    current_password = fields.String(required=True, validate=validate.Length(min=1, max=256))
    new_password = _password()

    @validates_schema
    def _really_new(self, data, **kwargs):
        if data.get("current_password") == data.get("new_password"):
            raise ValidationError("新密码不能与当前密码相同", "new_password")


class Credentials(Schema):
    """A login attempt, as the gateway forwards it (``address``: the client's, for throttling)."""
    username = line(1, 64, required=True)
    password = fields.String(required=True, validate=validate.Length(min=1, max=256))
    address = fields.String(load_default=None, allow_none=True)


class User(Schema):
    id = fields.String(attribute="_id")
    username = fields.String()
    display_name = fields.String()
    department = fields.String()
    roles = fields.List(fields.String())
    active = fields.Boolean()
    email = fields.String(allow_none=True)
    created_at = fields.DateTime(format="iso")


class Account(Schema):
    """What a token is checked against: the account as it is now."""
    id = fields.String(attribute="_id")
    username = fields.String()
    roles = fields.List(fields.String())
    department = fields.String()
    active = fields.Boolean()
    token_version = fields.Integer(dump_default=0)
    # Asked with a session id: whether that session was ended by a logout.
    session_ended = fields.Boolean(dump_default=False)


class EndSession(Schema):
    """A logout: the session (the token's ``sid``) and when its token would have expired anyway."""
    session_id = fields.String(required=True, validate=validate.Regexp(r"[0-9a-f]{32}\Z", error="会话编号无效"))
    expires_at = fields.Integer(required=True, strict=True, validate=validate.Range(min=0, max=2 ** 40),
                                metadata={"description": "令牌原定失效时间（Unix 秒）"})


class LoginResult(Schema):
    """``account`` when the credentials were right; ``account_id`` names the account the attempt was
    for whenever it exists (the access log records failed attempts against it)."""
    account = fields.Nested(Account, allow_none=True)
    account_id = fields.String(allow_none=True)
    throttled = fields.List(fields.String(), dump_default=list,
                            metadata={"description": "本次失败开始的登录限速：account、address"})


class UserQuery(PageQuery):
    department = code(enums.DEPARTMENTS, load_default=None)


class UserPage(Schema):
    items = fields.List(fields.Nested(User))
    next_cursor = fields.String(allow_none=True)
