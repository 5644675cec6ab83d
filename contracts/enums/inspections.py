"""Inspections (督察督办 and on-site inspection): supervision tasks, inspections, findings."""
from contracts.enums.registry import register

SUPERVISION_TASK_STATUSES = register("supervision_task_statuses", {
    "open": "待办理",
    "in_progress": "办理中",
    "done": "已办结（待核验）",
    "verified": "已核验",
}, title="督办事项状态")

SUPERVISION_TASK_KINDS = register("supervision_task_kinds", {
    "supervision": "督办事项",
    "follow_up": "回头看",
    "procurement_oversight": "采购全程监督",
}, title="督办事项类型")

SUPERVISION_SOURCE_KINDS = register("supervision_source_kinds", {
    "recommendation": "检察建议",
    "budget_request": "预算（采购）申请",
    "case": "案件",
    "inspection": "现场检查",
    "finding": "检查发现的问题",
    "meeting": "会议决定",
    "leadership_instruction": "领导批示",
    "other": "其他",
}, title="督办事项来源")

TASK_VERIFY_OUTCOMES = register("task_verify_outcomes", {
    "accepted": "核验通过",
    "returned": "退回重办",
}, title="督办事项核验结果")

INSPECTION_TARGET_KINDS = register("inspection_target_kinds", {
    "elder_care_institution": "养老机构",
    "tutoring_class": "托辅班",
    "cultural_relic": "文物",
    "river_section": "河段",
    "other": "其他",
}, title="检查对象类型")

INSPECTION_CATEGORIES = register("inspection_categories", {
    "staff_management": "人员招录与管理",
    "food_safety": "食品安全",
    "fire_safety": "消防安全",
    "cctv": "视频监控",
    "living_environment": "居住环境",
    "daily_care": "日常照护",
    "other": "其他",
}, title="检查类别")

FINDING_SEVERITIES = register("finding_severities", {
    "low": "低",
    "medium": "中",
    "high": "高",
    "critical": "严重",
}, title="隐患等级")

INSPECTION_FINDING_STATUSES = register("inspection_finding_statuses", {
    "open": "待整改",
    "rectified": "已整改（待核验）",
    "verified": "整改已核验",
}, title="检查发现问题的状态")

FINDING_VERIFY_OUTCOMES = register("finding_verify_outcomes", {
    "accepted": "核验通过",
    "rejected": "核验不通过（重新整改）",
}, title="整改核验结果")

REINSPECTION_RESULTS = register("reinspection_results", {
    "still_present": "仍然存在",
    "fixed": "已消除",
}, title="回头看复查结果")

LEDGER_CATEGORIES = register("ledger_categories", {
    "key_work": "重点工作",
    "daily_management": "日常管理",
    "personal_competence": "个人素能",
}, title="正负面清单类别")
