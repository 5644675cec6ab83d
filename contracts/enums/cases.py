"""Cases: categories and the statuses of a case's life."""
from contracts.enums.registry import register

CASE_CATEGORIES = register("case_categories", {
    "criminal": "刑事",
    "civil_execution_supervision": "民事执行监督",
    "administrative": "行政检察",
    "public_interest": "公益诉讼",
    "other": "其他",
}, title="案件类别")

CASE_STATUSES = register("case_statuses", {
    "registered": "已登记",
    "under_review": "审查中",
    "decided": "已决定",
    "closed": "已结案",
}, title="案件状态")
