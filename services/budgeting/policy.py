"""Who may do what in budgeting (domain brief: 部门提出 → 计财审核 → 党组决策 → 集中采购).

- finance (计财) sets and revises allocations, reviews requests, starts and completes procurement
  (集中办理采购 is finance's: the issue does not name the role, the domain brief puts it there),
  registers vehicles (admin too);
- party_group (党组) decides;
- a department_head or prosecutor submits for their own department; the requester and the head of
  that department may withdraw it before the party group decided, finance may cancel it at any
  point before it is completed (releasing a commitment);
- the cross-department roles read every department's requests and balances; department staff read
  their own department's.
Roles are checked before anything is read or written, so a 403 touches nothing.
"""
from kit.errors import Forbidden

REQUESTING_ROLES = ("department_head", "prosecutor")


def ensure_finance(actor, what):
    if not actor.has_any_role("finance"):
        raise Forbidden(f"只有计财部门可以{what}")


def ensure_can_set_allocation(actor):
    ensure_finance(actor, "下达或调整预算指标")


def ensure_can_submit(actor, department):
    if not actor.has_any_role(*REQUESTING_ROLES):
        raise Forbidden("只有部门负责人或检察官可以提出预算申请")
    if actor.department != department:
        raise Forbidden("只能为本部门提出预算申请")


def ensure_can_review(actor):
    ensure_finance(actor, "审核预算申请")


def ensure_can_decide(actor):
    if not actor.has_any_role("party_group"):
        raise Forbidden("只有党组可以作出决定")


def ensure_can_run_procurement(actor):
    ensure_finance(actor, "办理采购")


def ensure_can_view(actor, request):
    actor.ensure_department(request["department"])


def ensure_can_cancel(actor, request):
    """Finance may cancel anything not final; the requester or the department head only before the
    party group decided (afterwards a commitment exists, and releasing it is finance's call)."""
    if actor.has_any_role("finance"):
        return
    own_side = (request["requested_by"] == actor.user_id
                or (actor.has_any_role("department_head") and actor.department == request["department"]))
    if not own_side:
        raise Forbidden("无权取消该预算申请")
    if request["status"] not in ("submitted", "reviewed"):
        raise Forbidden("党组决定后的申请只能由计财取消")


def ensure_can_see_report(actor):
    if not actor.sees_all_departments:
        raise Forbidden("无权查看全院预算执行情况")


def ensure_can_register_vehicle(actor):
    if not actor.has_any_role("finance", "admin"):
        raise Forbidden("只有计财或管理员可以登记车辆")


def ensure_can_cancel_booking(actor, booking):
    if booking["booked_by"] != actor.user_id and not actor.has_any_role("finance", "admin"):
        raise Forbidden("只有预约人、计财或管理员可以取消用车预约")
