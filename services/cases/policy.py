"""Who may do what with a case (domain brief: roles and department scoping).

Department-scoped roles act only on their own department's cases; the
cross-department roles and admin see every department (``Actor`` knows which).
"""
from kit.errors import Forbidden

# The case-handling roles register and assign (a prosecutor may hand a case of their own
# department to a colleague); inspector, finance and party_group see cases but change none.
CAN_REGISTER = ("prosecutor", "department_head", "case_manager", "chief_procurator", "admin")
CAN_ASSIGN = CAN_REGISTER
CAN_TRANSITION = ("prosecutor", "department_head", "chief_procurator", "admin")


def ensure_can_view(actor, case):
    actor.ensure_department(case["department"])


def ensure_can_register(actor, department):
    if not actor.has_any_role(*CAN_REGISTER):
        raise Forbidden("当前角色无权登记案件")
    actor.ensure_department(department)


def ensure_can_assign(actor, case):
    actor.ensure_department(case["department"])
    if not actor.has_any_role(*CAN_ASSIGN):
        raise Forbidden("当前角色无权分配案件")


def ensure_can_transition(actor, case):
    actor.ensure_department(case["department"])
    if not actor.has_any_role(*CAN_TRANSITION):
        raise Forbidden("当前角色无权变更案件状态")
