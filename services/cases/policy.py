"""Who may do what with a case (domain brief: roles and department scoping).

Department-scoped roles act only on their own department's cases; the
cross-department roles and admin see every department (``Actor`` knows which).
"""
from kit.errors import Forbidden, ValidationFailed

# The case-handling roles register; inspector, finance and party_group see cases but change none.
CAN_REGISTER = ("prosecutor", "department_head", "case_manager", "chief_procurator", "admin")
# Assigning and reassigning a handler is the department head's (their department), case management's
# and admin's (issue 19: a second prosecutor could make themselves the handler, silently). A handler
# may hand their case back (handler_id null), never take one.
CAN_ASSIGN = ("department_head", "case_manager", "admin")
CAN_TRANSITION = ("prosecutor", "department_head", "chief_procurator", "admin")
# Who may be a case's handler (承办人): someone who can work the case.
HANDLING_ROLES = ("prosecutor", "department_head")


def handles(actor, case):
    """The case's handler always sees and works on it, even when it belongs to another
    department: a prosecutor notified of an assignment must be able to open the case."""
    return bool(case.get("handler_id")) and case["handler_id"] == actor.user_id


def ensure_can_view(actor, case):
    if not handles(actor, case):
        actor.ensure_department(case["department"])


def list_scope(actor, requested_department):
    """(department, also_handled_by) for a case list: a department-scoped user sees their
    department's cases plus the ones they handle elsewhere, unless they asked for one department."""
    department = actor.scoped_department(requested_department)
    if actor.sees_all_departments or requested_department:
        return department, None
    return department, actor.user_id


def worklist(actor, queue, department, also_handled_by, query):
    """(department, also_handled_by, query) of a worklist (``queue``) within the caller's scope:
    ``mine`` the cases they handle (in any department), ``unassigned`` the cases without a handler in
    their scope, ``department`` their own department's cases; no queue: the list as asked."""
    if queue is None:
        return department, also_handled_by, query
    if queue == "mine":
        return None, None, {**query, "handler_id": actor.user_id}
    if queue == "unassigned":
        return department, None, {**query, "unassigned": True}
    return actor.department, None, query


def ensure_can_register(actor, department):
    if not actor.has_any_role(*CAN_REGISTER):
        raise Forbidden("当前角色无权登记案件")
    actor.ensure_department(department)


def ensure_can_assign(actor, case, handler_id=None):
    """Assigning (``handler_id``) or handing back (None): an assigner of the case's scope; the case's
    own handler only hands it back."""
    if actor.has_any_role(*CAN_ASSIGN):
        actor.ensure_department(case["department"])
        return
    if handler_id is None and handles(actor, case):
        return
    ensure_can_view(actor, case)  # someone who cannot see the case learns nothing more than a 403
    if handles(actor, case):
        raise Forbidden("承办人只能退回案件，不能另行指定承办人（分配由部门负责人、案管或管理员进行）")
    raise Forbidden("只有部门负责人、案管或管理员可以分配承办人")


def ensure_can_name_handler_at_registration(actor, handler_id):
    """Registering with a handler is an assignment, unless the registrant names themselves."""
    if handler_id is not None and handler_id != actor.user_id and not actor.has_any_role(*CAN_ASSIGN):
        raise Forbidden("只有部门负责人、案管或管理员可以指定他人为承办人",
                        fields={"handler_id": ["只能指定本人或留空"]})


def ensure_can_transition(actor, case):
    ensure_can_view(actor, case)  # the same scope: its department, or the handler
    if not actor.has_any_role(*CAN_TRANSITION):
        raise Forbidden("当前角色无权变更案件状态")


def ensure_valid_handler(actor, department, handler):
    """``handler`` ({user_id, roles, department} of an active account, or None) may handle a case of
    ``department`` when ``actor`` assigns it: a case-handling role, and the case's own department
    unless the assigner sees every department (case_manager, chief_procurator, admin)."""
    if handler is None:
        raise _bad_handler("用户不存在或已停用")
    if not any(role in HANDLING_ROLES for role in handler.get("roles", ())):
        raise _bad_handler("承办人须为检察官或部门负责人")
    if handler.get("department") != department and not actor.sees_all_departments:
        raise _bad_handler("只能指定本部门的承办人（跨部门指定须由案管、检察长或管理员进行）")


def _bad_handler(reason):
    return ValidationFailed("承办人不符合要求", fields={"handler_id": [reason]})


def _heads_the_department(actor, case):
    return actor.has_any_role("department_head") and actor.department == case["department"]


def ensure_can_edit_content(actor, case):
    """Suspects, decisions, asset recovery, wage supervision: the handler or the head of the case's
    department."""
    if not (handles(actor, case) or _heads_the_department(actor, case)):
        raise Forbidden("只有承办人或本部门负责人可以修改案件内容")


def ensure_can_record_referral(actor, case):
    if not handles(actor, case):
        raise Forbidden("只有承办人可以登记移送行政处罚")


def may_see_personal_data(actor, case):
    """Whole id numbers: the handler, the head of the case's department and admin; others see them
    masked."""
    return handles(actor, case) or _heads_the_department(actor, case) or actor.is_admin


def ensure_can_evaluate(actor):
    """Case-quality evaluation is the case-management office's (案管)."""
    if not actor.has_any_role("case_manager"):
        raise Forbidden("只有案管部门可以进行案件质量评查")


def ensure_can_run_checks(actor):
    if not actor.has_any_role("case_manager"):
        raise Forbidden("只有案管部门可以发起数据核查")


def ensure_can_see_all_findings(actor):
    if not actor.sees_all_departments:
        raise Forbidden("无权查看核查任务")
