"""Recommendations (检察建议) and procuratorial opinions (检察意见): kinds, statuses and the codes of
each step (《人民检察院检察建议工作规定》, 2019)."""
from contracts.enums.registry import register

RECOMMENDATION_KINDS = register("recommendation_kinds", {
    "retrial": "再审检察建议",
    "correct_violation": "纠正违法检察建议",
    "public_interest": "公益诉讼检察建议（诉前）",
    "social_governance": "社会治理检察建议",
    "other": "其他检察建议",
    "procuratorial_opinion": "检察意见（行刑反向衔接）",
    "court_execution": "民事执行监督检察建议（向法院）",
}, title="检察建议种类")

RECOMMENDATION_STATUSES = register("recommendation_statuses", {
    "draft": "草稿",
    "pending_approval": "待检察长审批",
    "approved": "已批准",
    "served": "已送达",
    "objected": "被建议单位提出异议",
    "replied": "已回复",
    "escalated": "已报告上级或移送",
    "closed": "已结案",
    "withdrawn": "已撤回",
}, title="检察建议状态")

SERVICE_METHODS = register("service_methods", {
    "written": "书面送达",
    "announced": "宣告送达",
}, title="送达方式")

OBJECTION_OUTCOMES = register("objection_outcomes", {
    "upheld": "维持原建议",
    "amended": "修改建议",
    "withdrawn": "撤回建议",
}, title="异议处理结果")

ADOPTIONS = register("adoptions", {
    "adopted": "采纳",
    "partially_adopted": "部分采纳",
    "not_adopted": "未采纳",
}, title="采纳情况")

ESCALATION_TARGETS = register("escalation_targets", {
    "higher_procuratorate": "报告上级人民检察院",
    "superior_department": "通报被建议单位的上级机关、主管部门",
    "party_committee_and_npc": "报告同级党委、人大",
    "public_interest_litigation": "依法提起公益诉讼",
}, title="督促落实方式")

CLOSE_OUTCOMES = register("close_outcomes", {
    "implemented": "已落实整改",
    "not_implemented": "未落实整改",
}, title="结案结果")

PENALTY_DECISIONS = register("penalty_decisions", {
    "penalized": "已给予行政处罚",
    "not_penalized": "不予行政处罚",
}, title="行政处罚结果（反向衔接）")
