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

SUSPECT_LAYERS = register("suspect_layers", {
    "organizer": "组织者",
    "core_member": "骨干成员",
    "ordinary_member": "一般成员",
    "peripheral": "外围人员",
}, title="犯罪嫌疑人层级（分层分类）")

CHARGES = register("charges", {
    "fraud": "诈骗罪",
    "helping_network_crime": "帮助信息网络犯罪活动罪（帮信罪）",
    "concealing_proceeds": "掩饰、隐瞒犯罪所得、犯罪所得收益罪（掩隐罪）",
    "illegal_use_of_network": "非法利用信息网络罪",
    "money_laundering": "洗钱罪",
    "personal_information": "侵犯公民个人信息罪",
}, title="罪名")

SUSPECT_DECISIONS = register("suspect_decisions", {
    "prosecute": "起诉",
    "non_prosecution": "不起诉",
    "withdrawn": "撤回（撤案）",
    "returned_for_investigation": "退回补充侦查",
}, title="对犯罪嫌疑人的处理决定")

# The conditions of a lawful "termination of this round of enforcement" (终本), from the Supreme
# People's Court's rules on terminating the current enforcement procedure (2016): all must hold.
TERMINATION_CHECKS = register("termination_checks", {
    "property_report_ordered": "已责令被执行人报告财产",
    "consumption_restricted": "已发出限制消费令",
    "property_investigated": "已穷尽财产调查措施",
    "no_enforceable_property": "未发现可供执行的财产或财产不能处置",
    "applicant_heard": "已听取申请执行人意见",
    "dishonest_listing_considered": "已依法将符合条件的被执行人纳入失信名单",
}, title="终本合法性核查事项")

WAGE_SUPERVISION_OUTCOMES = register("wage_supervision_outcomes", {
    "ongoing": "监督中",
    "recommendation_issued": "已发出检察建议",
    "enforcement_resumed": "已恢复执行",
    "wages_paid": "欠薪已清偿",
    "no_violation_found": "未发现违法情形",
}, title="护薪执行监督结果")

EVALUATION_MODES = register("evaluation_modes", {
    "routine": "常规评查",
    "key": "重点评查",
    "special": "专项评查",
}, title="案件质量评查方式")

EVALUATION_GRADES = register("evaluation_grades", {
    "excellent": "优质",
    "qualified": "合格",
    "basically_qualified": "基本合格",
    "unqualified": "不合格",
}, title="评查等次")

KEY_EVALUATION_REASONS = register("key_evaluation_reasons", {
    "non_prosecution_after_arrest": "捕后不诉",
    "decision_reversed": "处理决定改变",
}, title="列为重点评查的原因")

FINDING_STATUSES = register("finding_statuses", {
    "open": "待整改",
    "resolved": "已消除",
}, title="核查问题状态")

# 案由: what a case is about, per category (criminal causes follow the charges of the brief).
CASE_CAUSES = register("case_causes", {
    "fraud": "诈骗",
    "helping_network_crime": "帮助信息网络犯罪活动",
    "concealing_proceeds": "掩饰、隐瞒犯罪所得、犯罪所得收益",
    "illegal_use_of_network": "非法利用信息网络",
    "money_laundering": "洗钱",
    "personal_information": "侵犯公民个人信息",
    "other_crime": "其他刑事案由",
    "wage_arrears_enforcement": "拖欠农民工工资执行监督",
    "civil_enforcement": "民事执行活动监督",
    "administrative_litigation": "行政诉讼监督",
    "administrative_penalty": "行政处罚（行刑反向衔接）",
    "ecology_environment": "生态环境和资源保护",
    "food_drug_safety": "食品药品安全",
    "state_property": "国有财产保护",
    "cultural_heritage": "文物和文化遗产保护",
    "minor_protection": "未成年人保护",
    "elderly_care": "养老服务安全",
    "other": "其他",
}, title="案由")
