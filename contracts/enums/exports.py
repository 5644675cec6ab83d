"""Data exports (模型数据调取审批): the datasets one may ask for and the statuses of an export."""
from contracts.enums.registry import register

EXPORT_DATASETS = register("export_datasets", {
    "cases": "案件",
    "recommendations": "检察建议",
    "inspections": "检务督察",
    "budget": "预算申请",
}, title="导出数据集")

# pending_approval → approved | rejected (final: after a rejection the requester asks again, a new export).
EXPORT_STATUSES = register("export_statuses", {
    "pending_approval": "待审批",
    "approved": "已批准",
    "rejected": "已驳回",
}, title="数据导出状态")
