"""People: roles and departments (the codes of the domain brief), and which roles see every department."""
from contracts.enums.registry import register

ROLES = register("roles", {
    "prosecutor": "检察官",
    "department_head": "部门负责人",
    "chief_procurator": "检察长",
    "case_manager": "案管",
    "inspector": "检务督察",
    "finance": "计财",
    "party_group": "党组",
    "admin": "管理员",
}, title="角色")

# Roles whose holders see every department's data (domain brief). Admin sees
# everything too, but still cannot bypass domain rules.
CROSS_DEPARTMENT_ROLES = ("case_manager", "inspector", "chief_procurator", "finance", "party_group")

DEPARTMENTS = register("departments", {
    "criminal": "刑事检察部",
    "civil": "民事检察部",
    "administrative": "行政检察部",
    "public_interest": "公益诉讼检察部",
    "case_management": "案件管理部",
    "inspection": "检务督察部",
    "finance": "计划财务装备部",
    "general": "综合部门",
    "leadership": "院领导",
}, title="部门")
