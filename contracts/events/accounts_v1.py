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
