"""Who may do what with accounts. The gateway checks roles too; the service does not rely on it."""
from kit.errors import Conflict, Forbidden

ADMIN = "admin"


def ensure_admin(actor):
    if not actor.is_admin:
        raise Forbidden("当前角色无权执行此操作")


def ensure_can_view(actor, user):
    """Oneself always; others within the actor's department scope."""
    if user["_id"] != actor.user_id:
        actor.ensure_department(user["department"])


def ensure_not_own_access(actor, user_id, changes):
    """An admin does not change their own access: no self-lockout, no self-promotion, and a second
    admin sees every such change."""
    if user_id != actor.user_id:
        return
    own = sorted(key for key in ("active", "roles", "department") if key in changes)
    if own:
        raise Conflict("不能修改自己账户的状态、角色或部门（请由另一位管理员操作）",
                       fields={key: ["不能对自己执行此操作"] for key in own})
