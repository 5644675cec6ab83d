"""Enum codes (English snake_case, the API contract) and their zh-CN labels."""

ROLES = {
    "prosecutor": "检察官",
    "department_head": "部门负责人",
    "chief_procurator": "检察长",
    "case_manager": "案管",
    "inspector": "检务督察",
    "finance": "计财",
    "party_group": "党组",
    "admin": "管理员",
}

# Roles whose holders see every department's data (domain brief). Admin sees
# everything too, but still cannot bypass domain rules.
CROSS_DEPARTMENT_ROLES = ("case_manager", "inspector", "chief_procurator", "finance", "party_group")

DEPARTMENTS = {
    "criminal": "刑事检察部",
    "civil": "民事检察部",
    "administrative": "行政检察部",
    "public_interest": "公益诉讼检察部",
    "case_management": "案件管理部",
    "inspection": "检务督察部",
    "finance": "计划财务装备部",
    "general": "综合部门",
    "leadership": "院领导",
}

CASE_CATEGORIES = {
    "criminal": "刑事",
    "civil_execution_supervision": "民事执行监督",
    "administrative": "行政检察",
    "public_interest": "公益诉讼",
    "other": "其他",
}

CASE_STATUSES = {
    "registered": "已登记",
    "under_review": "审查中",
    "decided": "已决定",
    "closed": "已结案",
}

NOTIFICATION_CHANNELS = {
    "in_app": "站内消息",
}

ALL = {
    "roles": ROLES,
    "departments": DEPARTMENTS,
    "case_categories": CASE_CATEGORIES,
    "case_statuses": CASE_STATUSES,
    "notification_channels": NOTIFICATION_CHANNELS,
}
