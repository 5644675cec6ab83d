"""Who may do what in the inspections service, and the configured rule values.

Supervision tasks are assigned by the inspection office (检务督察), department heads (for their own
department) and the chief procurator; the owner reports progress and completes, with evidence; an
inspector verifies. On-site inspections are recorded by the staff who inspect; an inspector verifies
a rectification. Anyone signed in may read inspections and findings (they are about institutions, not
people); a supervision task is seen by its department, its owner and the cross-department roles."""
from dataclasses import dataclass, field

from kit.deadlines import Reminders
from kit.errors import Forbidden, ValidationFailed
from services.inspections import domain, ledger

CAN_CREATE_TASK = ("inspector", "department_head", "chief_procurator")
CAN_VERIFY = ("inspector",)
CAN_INSPECT = ("inspector", "prosecutor", "department_head", "chief_procurator")
INSPECTION_OFFICE = "inspection"

DEFAULT_RECTIFY_DAYS = {"critical": 7, "high": 15, "medium": 30, "low": 60}


@dataclass(frozen=True)
class Settings:
    """Rule values from config.yml (INSPECTIONS_*): days to rectify by severity when a finding has
    no ``rectify_by``; months until a follow-up (回头看) of an adopted recommendation and an oversight
    task of a procurement are due."""
    rectify_days: dict = field(default_factory=lambda: dict(DEFAULT_RECTIFY_DAYS))
    follow_up_months: int = 3
    oversight_months: int = 3
    data_check_due_days: int = 7
    ledger_rules: tuple = ()
    task_rules: domain.TaskRules = domain.TaskRules()

    @classmethod
    def from_config(cls, config):
        days = {severity: int(config.get(f"INSPECTIONS_RECTIFY_DAYS_{severity.upper()}", default))
                for severity, default in DEFAULT_RECTIFY_DAYS.items()}
        return cls(rectify_days=days,
                   follow_up_months=int(config.get("INSPECTIONS_FOLLOW_UP_MONTHS", 3)),
                   oversight_months=int(config.get("INSPECTIONS_OVERSIGHT_MONTHS", 3)),
                   data_check_due_days=int(config.get("INSPECTIONS_DATA_CHECK_DUE_DAYS", 7)),
                   ledger_rules=ledger.rules_from_config(config.get("INSPECTIONS_LEDGER_RULES")),
                   task_rules=domain.TaskRules(
                       Reminders.from_config(config.get("INSPECTIONS_TASK_REMINDER_DAYS")),
                       int(config.get("INSPECTIONS_TASK_VERY_OVERDUE_DAYS") or 30)))


# -- supervision tasks -------------------------------------------------------------------------------
def ensure_can_create_task(actor, department):
    if not actor.has_any_role(*CAN_CREATE_TASK):
        raise Forbidden("当前角色无权交办督办事项")
    if not actor.has_any_role("inspector", "chief_procurator") and actor.department != department:
        raise Forbidden("部门负责人只能向本部门交办督办事项")


def ensure_can_view_task(actor, task):
    if actor.sees_all_departments or task["department"] == actor.department or task.get("owner_id") == actor.user_id:
        return
    raise Forbidden("无权查看其他部门的督办事项")


def task_list_scope(actor, department):
    """(department, also_owned_by) for a task list: a department-scoped user sees their department's
    tasks and the ones they own elsewhere, unless they asked for one department."""
    scoped = actor.scoped_department(department)
    if actor.sees_all_departments or department:
        return scoped, None
    return scoped, actor.user_id


def works_on(actor, task):
    """The owner works on a task; a task created without an owner (a follow-up, an oversight task)
    is worked by its department's head, and by inspectors when it is the inspection office's."""
    if task.get("owner_id"):
        return task["owner_id"] == actor.user_id
    if actor.has_any_role("department_head") and actor.department == task["department"]:
        return True
    return task["department"] == INSPECTION_OFFICE and actor.has_any_role("inspector")


def ensure_can_work_task(actor, task):
    if not works_on(actor, task):
        raise Forbidden("只有督办事项的责任人可以报告进展或办结")


def ensure_can_verify(actor):
    if not actor.has_any_role(*CAN_VERIFY):
        raise Forbidden("只有检务督察可以核验")


# -- inspections and findings ---------------------------------------------------------------------------
def ensure_can_inspect(actor):
    if not actor.has_any_role(*CAN_INSPECT):
        raise Forbidden("当前角色无权登记现场检查")


def ensure_can_record_finding(actor, inspection):
    """Findings are added by the inspection's own staff (who recorded it or inspected) and by the
    inspection office (inspectors); nobody else, whatever their role (issue 19)."""
    ensure_can_inspect(actor)
    if actor.has_any_role("inspector") or actor.user_id == inspection.get("created_by") or \
            actor.user_id in inspection.get("inspector_ids", ()):
        return
    raise Forbidden("只有本次检查的检查人员或检务督察可以登记发现的问题")


def ensure_can_rectify(actor, finding, inspection):
    """Rectification is reported by the inspection's own staff (who recorded it or inspected) or an
    inspector."""
    if actor.has_any_role("inspector") or actor.user_id == inspection.get("created_by") or \
            actor.user_id in inspection.get("inspector_ids", ()):
        return
    raise Forbidden("只有本次检查的人员或检务督察可以登记整改")


# -- staff ledger, discipline, interference records ----------------------------------------------------
LEADERSHIP = ("chief_procurator", "party_group")
INTERFERENCE_READERS = ("inspector", "chief_procurator")


def ensure_can_record_discipline(actor):
    if not actor.has_any_role("inspector"):
        raise Forbidden("只有检务督察可以记录纪律作风问题")


def ensure_can_see_scorecard(actor, person):
    """The person, their department head, inspectors and leadership only."""
    if actor.user_id == person["user_id"] or actor.has_any_role("inspector", *LEADERSHIP):
        return
    if actor.has_any_role("department_head") and person.get("department") and \
            actor.department == person["department"]:
        return
    raise Forbidden("无权查看他人的正负面清单")


def ensure_filed_on_visible_case(case_id, case):
    """An interference record names a case that exists and that the filer may read (``case``: the case
    as the cases service showed it to the filer, or None)."""
    if not case or case.get("case_id") != case_id:
        raise ValidationFailed("请求参数有误", fields={"case_id": ["案件不存在或无权查看"]})


def ensure_can_read_interference(actor):
    if not actor.has_any_role(*INTERFERENCE_READERS):
        raise Forbidden("过问干预案件记录仅检务督察和检察长可以查看")
