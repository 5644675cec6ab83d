"""RPC contract of the ``accounts`` service, version 1 (also the HTTP bodies of /v1/users and /v1/me)."""
import re
import unicodedata

from marshmallow import Schema, ValidationError, fields, pre_load, validate, validates_schema

from contracts import enums
from contracts.fields import StrictBoolean, code, day, line
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


# -- the working-day calendar (工作日历): owned by the accounts service, the admin's ----------------
class LoadCalendar(Schema):
    """A year's official schedule as the State Council publishes it: its public holidays and its
    adjusted working days (调休上班日, weekend days worked). ``adjusted_workdays``,
    ``adjusted_working_days`` and ``working_days`` are accepted as other names for ``workdays``, and a
    day may be given as ``{"date": "2027-01-01", "name": "元旦"}`` as well as ``"2027-01-01"`` (the
    name is not kept: the dates are the schedule)."""
    WORKDAY_ALIASES = ("adjusted_workdays", "adjusted_working_days", "working_days")

    holidays = fields.List(day(), required=True, validate=validate.Length(max=366, error="最多 {max} 天"),
                           metadata={"description": "放假日期（YYYY-MM-DD，均在该年内）"})
    workdays = fields.List(day(), load_default=list, validate=validate.Length(max=366, error="最多 {max} 天"),
                           metadata={"description": "调休上班日期（周六或周日，均在该年内；也可写作 adjusted_workdays）"})

    @pre_load
    def _aliases(self, data, **kwargs):
        if not isinstance(data, dict):
            return data
        data = dict(data)
        given = [name for name in ("workdays", *self.WORKDAY_ALIASES) if name in data]
        if len(given) > 1:
            raise ValidationError(f"{'、'.join(given)} 是同一字段，只能写一个", given[-1])
        if given and given[0] != "workdays":
            data["workdays"] = data.pop(given[0])
        for name in ("holidays", "workdays"):
            if isinstance(data.get(name), list):
                data[name] = [item["date"] if isinstance(item, dict) and "date" in item else item
                              for item in data[name]]
        return data


class CalendarSchedule(Schema):
    year = fields.Integer(metadata={"description": "年份"})
    source = code(enums.CALENDAR_SOURCES, metadata={"description": "安排来源：loaded 管理员录入；library 工作日库；"
                                                                  "none 无安排（仅周末休息，据此计算的期限为暂定）"})
    provisional = fields.Boolean(metadata={"description": "该年没有放假安排时为 true：期限按仅周末休息暂定"})
    holidays = fields.List(fields.String(), metadata={"description": "放假日期"})
    workdays = fields.List(fields.String(), metadata={"description": "调休上班日期"})
    version = fields.Integer(allow_none=True, dump_default=None, metadata={"description": "录入版本（录入的安排才有）"})
    loaded_by = fields.String(allow_none=True, dump_default=None, metadata={"description": "录入的管理员用户编号"})
    loaded_at = fields.String(allow_none=True, dump_default=None, metadata={"description": "录入时间（UTC）"})
