"""Events published by the ``inspections`` service (exchange ``inspections.events``), payload version 1.

Supervision tasks (督办事项), on-site inspections and their findings (hazards). Each payload carries a
copy of what it refers to, so consumers (notifications, the staff ledger) never call back."""
from marshmallow import Schema, fields

from contracts import enums
from contracts.envelope import register
from contracts.fields import code

SOURCE = "inspections"

_TASK = {"task_id": "5d2c9d0e8a7b4c1d9e6f5a3b2c1d0e9f", "title": "落实养老机构消防整改督办",
         "kind": "supervision", "department": "public_interest", "owner_id": "9b1e7c2a5d3f4e6a8b0c1d2e3f4a5b6c",
         "due_on": "2026-10-30", "source": None}
_FINDING = {"finding_id": "8a3e1a9f5b2d4c6e8a0b1c2d3e4f5a6b", "inspection_id": "6c1e7c2a5d3f4e6a8b0c1d2e3f4a5b6c",
            "target_name": "某区福寿养老院", "target_kind": "elder_care_institution", "category": "fire_safety",
            "severity": "high", "rectify_by": "2026-10-16"}


class TaskSource(Schema):
    kind = code(enums.SUPERVISION_SOURCE_KINDS, required=True, metadata={"description": "来源类型代码"})
    id = fields.String(required=True, metadata={"description": "来源记录编号（如检察建议编号、预算申请编号）"})


class _TaskRef(Schema):
    task_id = fields.String(required=True, metadata={"description": "督办事项编号"})
    title = fields.String(required=True, metadata={"description": "督办事项名称"})
    kind = code(enums.SUPERVISION_TASK_KINDS, required=True, metadata={"description": "督办事项类型代码"})
    department = code(enums.DEPARTMENTS, required=True, metadata={"description": "责任部门代码"})
    owner_id = fields.String(required=True, allow_none=True,
                             metadata={"description": "责任人用户编号；自动生成而未指定责任人时为 null（由责任部门负责人办理）"})
    due_on = fields.Date(required=True, metadata={"description": "办结期限（北京时间日期）"})
    source = fields.Nested(TaskSource, required=True, allow_none=True,
                           metadata={"description": "来源（检察建议、预算申请等）；人工交办无来源时为 null"})


class _FindingRef(Schema):
    finding_id = fields.String(required=True, metadata={"description": "问题（隐患）编号"})
    inspection_id = fields.String(required=True, metadata={"description": "所属现场检查编号"})
    target_name = fields.String(required=True, metadata={"description": "检查对象名称"})
    target_kind = code(enums.INSPECTION_TARGET_KINDS, required=True, metadata={"description": "检查对象类型代码"})
    category = code(enums.INSPECTION_CATEGORIES, required=True, metadata={"description": "检查类别代码"})
    severity = code(enums.FINDING_SEVERITIES, required=True, metadata={"description": "隐患等级代码"})
    rectify_by = fields.Date(required=True, metadata={"description": "整改期限（北京时间日期）"})


@register("supervision_task.created", 1)
class SupervisionTaskCreated(_TaskRef):
    class Meta:
        title = "督办事项已交办"
        description = "交办督办事项时发出（人工交办，或由采纳的检察建议、启动的采购自动生成）。"

    description = fields.String(required=True, metadata={"description": "督办要求"})
    example = {**_TASK, "description": "督促相关养老机构于期限内完成消防通道整改并报送材料。"}


@register("supervision_task.completed", 1)
class SupervisionTaskCompleted(_TaskRef):
    class Meta:
        title = "督办事项已办结"
        description = "责任人提交办结情况和佐证材料后发出，待检务督察核验。"

    completed_on = fields.Date(required=True, metadata={"description": "办结日期"})
    on_time = fields.Boolean(required=True, metadata={"description": "是否在期限内办结"})
    evidence_count = fields.Integer(required=True, metadata={"description": "佐证材料份数"})
    summary = fields.String(load_default=None, allow_none=True, metadata={"description": "办结情况"})
    completed_by = fields.String(load_default=None, allow_none=True, metadata={"description": "办结人用户编号"})
    example = {**_TASK, "completed_on": "2026-10-28", "on_time": True, "evidence_count": 2,
               "summary": "5 家养老机构均已完成消防整改", "completed_by": "9b1e7c2a5d3f4e6a8b0c1d2e3f4a5b6c"}


@register("supervision_task.verified", 1)
class SupervisionTaskVerified(_TaskRef):
    class Meta:
        title = "督办事项已核验通过"

    verified_by = fields.String(required=True, metadata={"description": "核验人用户编号"})
    comment = fields.String(required=True, metadata={"description": "核验意见"})
    on_time = fields.Boolean(required=True, metadata={"description": "是否在期限内办结"})
    example = {**_TASK, "verified_by": "1a2b3c4d5e6f4a7b8c9d0e1f2a3b4c5d", "comment": "整改到位", "on_time": True}


@register("supervision_task.returned", 1)
class SupervisionTaskReturned(_TaskRef):
    class Meta:
        title = "督办事项被退回重办"
        description = "核验不通过时发出；事项回到办理中。"

    verified_by = fields.String(required=True, metadata={"description": "核验人用户编号"})
    comment = fields.String(required=True, metadata={"description": "退回理由"})
    example = {**_TASK, "verified_by": "1a2b3c4d5e6f4a7b8c9d0e1f2a3b4c5d", "comment": "佐证材料不全，请补充"}


@register("supervision_task.due_soon", 1)
class SupervisionTaskDueSoon(_TaskRef):
    class Meta:
        title = "督办事项即将到期"
        description = ("到期前 3 天和 1 天（北京时间 8 时）各发出一次（未办结的事项）；多副本运行也只发一次。"
                       "交办时已不足 3 天的，只发 1 天前的提醒。")

    days_left = fields.Integer(required=True, metadata={"description": "发出时距办结期限的天数（通常为 3 或 1）"})
    example = {**_TASK, "days_left": 3}


@register("supervision_task.overdue", 1)
class SupervisionTaskOverdue(_TaskRef):
    class Meta:
        title = "督办事项已逾期"
        description = "办结期限届满仍未办结时发出一次（期限次日 0 时，北京时间）。"

    status = code(enums.SUPERVISION_TASK_STATUSES, required=True, metadata={"description": "当前状态代码"})
    example = {**_TASK, "status": "in_progress"}


@register("supervision_task.very_overdue", 1)
class SupervisionTaskVeryOverdue(_TaskRef):
    class Meta:
        title = "督办事项严重逾期（提请检察长关注）"
        description = "逾期达到配置的天数（默认 30 日）仍未办结时发出一次，提请检察长关注。"

    status = code(enums.SUPERVISION_TASK_STATUSES, required=True, metadata={"description": "当前状态代码"})
    days_overdue = fields.Integer(required=True, metadata={"description": "已逾期天数"})
    attention_of = fields.String(required=True, metadata={"description": "提请关注的角色代码（chief_procurator）"})
    example = {**_TASK, "status": "in_progress", "days_overdue": 30, "attention_of": "chief_procurator"}


@register("supervision_task.deadline_extended", 1)
class SupervisionTaskDeadlineExtended(_TaskRef):
    class Meta:
        title = "督办事项已延期"
        description = "交办人（检务督察、部门负责人、检察长）批准延长办结期限时发出；提醒随之改期。"

    previous_due_on = fields.String(required=True, metadata={"description": "原办结期限"})
    reason = fields.String(required=True, metadata={"description": "延期理由"})
    extended_by = fields.String(required=True, metadata={"description": "批准人用户编号"})
    example = {**_TASK, "due_on": "2026-11-30", "previous_due_on": "2026-10-30", "reason": "整改工程需要一个月",
               "extended_by": "6c1e7c2a5d3f4e6a8b0c1d2e3f4a5b6c"}


class Target(Schema):
    name = fields.String(required=True, metadata={"description": "检查对象名称"})
    kind = code(enums.INSPECTION_TARGET_KINDS, required=True, metadata={"description": "检查对象类型代码"})
    address = fields.String(required=True, allow_none=True, metadata={"description": "地址"})


class EarlierFinding(Schema):
    finding_id = fields.String(required=True, metadata={"description": "原检查发现的问题编号"})
    result = code(enums.REINSPECTION_RESULTS, required=True, metadata={"description": "复查结果代码"})


@register("inspection.recorded", 1)
class InspectionRecorded(Schema):
    class Meta:
        title = "现场检查已登记"
        description = "登记现场检查（含回头看复查）时发出；复查时列出原检查每个问题的复查结果。"

    inspection_id = fields.String(required=True, metadata={"description": "现场检查编号"})
    target = fields.Nested(Target, required=True, metadata={"description": "检查对象"})
    inspected_on = fields.Date(required=True, metadata={"description": "检查日期"})
    inspector_ids = fields.List(fields.String(), required=True, metadata={"description": "检查人员用户编号"})
    categories = fields.List(code(enums.INSPECTION_CATEGORIES), required=True,
                             metadata={"description": "检查类别代码"})
    reinspection_of = fields.String(required=True, allow_none=True,
                                    metadata={"description": "复查的原检查编号；首次检查为 null"})
    earlier_findings = fields.List(fields.Nested(EarlierFinding), required=True,
                                   metadata={"description": "复查时原检查各问题的复查结果；首次检查为空"})
    example = {"inspection_id": _FINDING["inspection_id"],
               "target": {"name": "某区福寿养老院", "kind": "elder_care_institution", "address": "某区福寿路 8 号"},
               "inspected_on": "2026-10-01", "inspector_ids": ["1a2b3c4d5e6f4a7b8c9d0e1f2a3b4c5d"],
               "categories": ["fire_safety", "food_safety"], "reinspection_of": None, "earlier_findings": []}


@register("finding.recorded", 1)
class FindingRecorded(_FindingRef):
    class Meta:
        title = "检查发现问题（隐患）已登记"

    description = fields.String(required=True, metadata={"description": "问题描述"})
    example = {**_FINDING, "description": "消防通道堆放杂物"}


@register("finding.rectified", 1)
class FindingRectified(_FindingRef):
    class Meta:
        title = "问题已整改（待核验）"

    rectified_on = fields.Date(required=True, metadata={"description": "整改完成日期"})
    evidence_count = fields.Integer(required=True, metadata={"description": "整改佐证材料份数"})
    example = {**_FINDING, "rectified_on": "2026-10-10", "evidence_count": 1}


@register("finding.verified", 1)
class FindingVerified(_FindingRef):
    class Meta:
        title = "整改已核验"
        description = "核验通过（accepted，问题销号）或不通过（rejected，问题回到待整改）时发出。"

    outcome = code(enums.FINDING_VERIFY_OUTCOMES, required=True, metadata={"description": "核验结果代码"})
    verified_by = fields.String(required=True, metadata={"description": "核验人用户编号"})
    comment = fields.String(required=True, metadata={"description": "核验意见"})
    example = {**_FINDING, "outcome": "accepted", "verified_by": "1a2b3c4d5e6f4a7b8c9d0e1f2a3b4c5d",
               "comment": "现场复核，通道已清理"}


@register("finding.overdue", 1)
class FindingOverdue(_FindingRef):
    class Meta:
        title = "问题逾期未整改"
        description = "整改期限届满仍未整改（或整改未通过核验）时发出一次（期限次日 0 时，北京时间）。"

    status = code(enums.INSPECTION_FINDING_STATUSES, required=True, metadata={"description": "当前状态代码"})
    example = {**_FINDING, "status": "open"}


@register("staff.discipline_recorded", 1)
class DisciplineRecorded(Schema):
    class Meta:
        title = "纪律作风问题已记录"
        description = "检务督察凭佐证材料记录干警违反纪律作风规定的问题时发出；计入该干警的负面清单。"

    discipline_id = fields.String(required=True, metadata={"description": "记录编号"})
    user_id = fields.String(required=True, metadata={"description": "所涉干警用户编号"})
    occurred_on = fields.Date(required=True, metadata={"description": "发生日期"})
    evidence_count = fields.Integer(required=True, metadata={"description": "佐证材料份数"})
    recorded_by = fields.String(required=True, metadata={"description": "记录人（检务督察）用户编号"})
    example = {"discipline_id": "7b2c9d0e8a7b4c1d9e6f5a3b2c1d0e9f", "user_id": "9b1e7c2a5d3f4e6a8b0c1d2e3f4a5b6c",
               "occurred_on": "2026-10-09", "evidence_count": 2, "recorded_by": "1a2b3c4d5e6f4a7b8c9d0e1f2a3b4c5d"}


@register("interference_record.filed", 1)
class InterferenceRecordFiled(Schema):
    class Meta:
        title = "过问干预案件情况已记录（三个规定）"
        description = "干警记录领导干部或他人过问、干预案件的情况时发出；内容仅检务督察和检察长可见，事件不含内容。"

    record_id = fields.String(required=True, metadata={"description": "记录编号"})
    case_id = fields.String(required=True, metadata={"description": "所涉案件编号"})
    occurred_on = fields.Date(required=True, metadata={"description": "发生日期"})
    recorded_by = fields.String(required=True, metadata={"description": "记录人用户编号"})
    example = {"record_id": "6a2c9d0e8a7b4c1d9e6f5a3b2c1d0e9f", "case_id": "4f2c9d0e8a7b4c1d9e6f5a3b2c1d0e9f",
               "occurred_on": "2026-10-09", "recorded_by": "9b1e7c2a5d3f4e6a8b0c1d2e3f4a5b6c"}
