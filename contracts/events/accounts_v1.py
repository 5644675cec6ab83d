"""Events published by the ``accounts`` service (exchange ``accounts.events``), payload version 1.

Every payload is a copy of the account as it is after the change (never its password hash), so a
consumer keeps its own projection of users without calling back. Each payload schema has a zh-CN
``Meta.title`` and an ``example`` (the event catalogue shows both; the contract tests use it)."""
from marshmallow import Schema, fields

from contracts import enums
from contracts.envelope import register
from contracts.fields import code

SOURCE = "accounts"

_USER = {"id": "9b1e7c2a5d3f4e6a8b0c1d2e3f4a5b6c", "username": "li", "display_name": "李检察官",
         "department": "criminal", "roles": ["prosecutor"], "active": True, "email": "li@jcy.example"}


class _UserSnapshot(Schema):
    id = fields.String(required=True, metadata={"description": "用户编号"})
    username = fields.String(required=True, metadata={"description": "用户名（已规范化）"})
    display_name = fields.String(required=True, metadata={"description": "姓名"})
    department = code(enums.DEPARTMENTS, required=True, metadata={"description": "所属部门代码"})
    roles = fields.List(code(enums.ROLES), required=True, metadata={"description": "角色代码"})
    active = fields.Boolean(required=True, metadata={"description": "是否启用"})
    email = fields.String(load_default=None, metadata={"description": "电子邮件地址；未设置时不出现"})


@register("session.ended", 1)
class SessionEnded(Schema):
    class Meta:
        title = "会话已退出"
        description = ("用户退出登录时发出：网关各实例据此立即拒绝该令牌（不等账户缓存过期）。"
                       "不含令牌本身，只含其会话编号。")

    session_id = fields.String(required=True, metadata={"description": "会话编号（令牌的 sid）"})
    user_id = fields.String(required=True, metadata={"description": "用户编号"})
    expires_at = fields.Integer(required=True, metadata={"description": "令牌原定失效时间（Unix 秒）"})

    example = {"session_id": "5f0c6a1e9b2d4c7e8a3f1b0d2c4e6a8b", "user_id": _USER["id"], "expires_at": 1796083200}


@register("user.created", 1)
class UserCreated(_UserSnapshot):
    class Meta:
        title = "用户已创建"
        description = "管理员创建用户、首次启动时创建初始管理员、或从旧版网关数据库迁入用户时发出。"

    example = _USER


@register("user.updated", 1)
class UserUpdated(_UserSnapshot):
    class Meta:
        title = "用户已修改"
        description = "管理员修改姓名、部门、角色、邮箱或重新启用账户时发出；载荷为修改后的账户。"

    changed = fields.List(fields.String(), required=True, metadata={"description": "本次修改的字段"})

    example = {**_USER, "roles": ["department_head"], "changed": ["roles"]}


@register("user.deactivated", 1)
class UserDeactivated(_UserSnapshot):
    class Meta:
        title = "用户已停用"
        description = "管理员停用账户时发出；此后该用户不应再收到通知或被指派工作。"

    example = {**_USER, "active": False}


@register("calendar.schedule_loaded", 1)
class CalendarScheduleLoaded(Schema):
    class Meta:
        title = "工作日历已录入"
        description = ("管理员录入（或更正）某年的放假安排和调休上班日时发出，载荷为该年完整的安排；"
                       "计算工作日期限的服务据此保存一份，并重新计算该年的暂定期限。重复录入相同的安排不发出。")

    year = fields.Integer(required=True, metadata={"description": "年份"})
    holidays = fields.List(fields.String(), required=True, metadata={"description": "放假日期（YYYY-MM-DD）"})
    workdays = fields.List(fields.String(), required=True, metadata={"description": "调休上班日期（YYYY-MM-DD）"})
    version = fields.Integer(required=True, metadata={"description": "该年安排的版本（每次录入加 1）"})
    loaded_by = fields.String(required=True, metadata={"description": "录入的管理员用户编号"})
    loaded_at = fields.String(required=True, metadata={"description": "录入时间（UTC，ISO 8601）"})

    example = {"year": 2027, "holidays": ["2027-01-01", "2027-01-02", "2027-01-03"], "workdays": ["2027-02-07"],
               "version": 1, "loaded_by": _USER["id"], "loaded_at": "2026-11-05T02:00:00.000+00:00"}


@register("calendar.schedule_missing", 1)
class CalendarScheduleMissing(Schema):
    class Meta:
        title = "工作日历缺少放假安排"
        description = ("每周检查一次：自 11 月 1 日起下一年（或本年）的放假安排仍未录入、工作日库也未收录时发出，"
                       "提醒管理员录入；其间的工作日期限按仅周末休息暂定。")

    year = fields.Integer(required=True, metadata={"description": "缺少安排的（最早）年份"})
    years = fields.List(fields.Integer(), required=True, metadata={"description": "缺少安排的年份"})
    checked_on = fields.Date(required=True, metadata={"description": "检查日期（Asia/Shanghai）"})
    message = fields.String(required=True, metadata={"description": "提示内容"})

    example = {"year": 2027, "years": [2027], "checked_on": "2026-11-02",
               "message": "工作日历缺少 2027 年的放假安排：其间的工作日期限按仅周末休息暂定（provisional），"
                          "请管理员在国务院公布后通过 PUT /v1/calendar/{year} 录入"}


@register("account.login_throttled", 1)
class LoginThrottled(Schema):
    class Meta:
        title = "登录已限速"
        description = ("一次失败登录使某账户（用户名）或某客户端地址开始限速（逐次加长的等待，不是锁定）时发出："
                       "账户本人与管理员据此收到通知。账户限速不影响未曾失败的地址上的正确登录。")

    user_id = fields.String(required=True, allow_none=True,
                            metadata={"description": "账户的用户编号；地址限速且用户名不存在时为 null"})
    username = fields.String(required=True, metadata={"description": "尝试登录的用户名（已规范化）"})
    kind = fields.String(required=True, metadata={"description": "account（按用户名限速）或 address（按客户端地址限速）"})
    address = fields.String(required=True, allow_none=True, metadata={"description": "客户端地址"})
    retry_after = fields.Integer(required=True, metadata={"description": "需等待的秒数"})
    until = fields.String(required=True, metadata={"description": "限速结束时间（UTC，ISO-8601）"})

    example = {"user_id": _USER["id"], "username": "li", "kind": "account", "address": "203.0.113.7",
               "retry_after": 30, "until": "2026-12-08T02:30:30+00:00"}
