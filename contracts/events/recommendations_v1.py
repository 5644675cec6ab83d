"""Events published by the ``recommendations`` service (exchange ``recommendations.events``), payload
version 1.

Every payload starts with the recommendation it is about (``_RecommendationRef``): consumers
(inspections, notifications, cases) never call back. ``department`` is the issuing department."""
from marshmallow import Schema, fields

from contracts import enums
from contracts.envelope import register
from contracts.fields import code

SOURCE = "recommendations"

_REF = {"recommendation_id": "5d1f0a9c3b7e4d2a8c6b4e2f0a1c3d5e", "case_id": "4f2c9d0e8a7b4c1d9e6f5a3b2c1d0e9f",
        "case_no": "平检公益〔2026〕7号", "kind": "public_interest", "department": "public_interest",
        "target_unit": "某区民政局", "title": "关于加强养老机构消防安全管理的检察建议", "status": "served",
        "drafted_by": "9b1e7c2a5d3f4e6a8b0c1d2e3f4a5b6c", "suspect_id": None}


class _RecommendationRef(Schema):
    recommendation_id = fields.String(required=True, metadata={"description": "检察建议编号"})
    case_id = fields.String(required=True, metadata={"description": "所属案件编号"})
    case_no = fields.String(required=True, allow_none=True, metadata={"description": "所属案件案号（已知时）"})
    kind = code(enums.RECOMMENDATION_KINDS, required=True, metadata={"description": "检察建议种类代码"})
    department = code(enums.DEPARTMENTS, required=True, metadata={"description": "制发部门代码"})
    target_unit = fields.String(required=True, allow_none=True, metadata={"description": "被建议单位；未确定为 null"})
    title = fields.String(required=True, metadata={"description": "标题"})
    status = code(enums.RECOMMENDATION_STATUSES, required=True, metadata={"description": "变更后的状态代码"})
    drafted_by = fields.String(required=True, allow_none=True,
                               metadata={"description": "承办人（起草人）用户编号；由事件自动生成的为 null"})
    suspect_id = fields.String(required=True, allow_none=True,
                               metadata={"description": "反向衔接所涉犯罪嫌疑人编号；其他检察建议为 null"})


@register("recommendation.drafted", 1)
class Drafted(_RecommendationRef):
    class Meta:
        title = "检察建议已起草"
        description = "起草检察建议时发出；不起诉案件反向衔接自动起草的检察意见也发出。"

    example = {**_REF, "status": "draft"}


@register("recommendation.submitted", 1)
class Submitted(_RecommendationRef):
    class Meta:
        title = "检察建议已提请审批"
        description = "承办人提请检察长审批时发出。"

    example = {**_REF, "status": "pending_approval"}


@register("recommendation.approved", 1)
class Approved(_RecommendationRef):
    class Meta:
        title = "检察建议已批准"

    approved_by = fields.String(required=True, metadata={"description": "批准的检察长用户编号"})

    example = {**_REF, "status": "approved", "approved_by": "1a2b3c4d5e6f7a8b9c0d1e2f3a4b5c6d"}


@register("recommendation.rejected", 1)
class Rejected(_RecommendationRef):
    class Meta:
        title = "检察建议被退回修改"
        description = "检察长不予批准、退回承办人修改时发出；退回意见随之保存。"

    comment = fields.String(required=True, metadata={"description": "退回意见"})
    rejected_by = fields.String(required=True, metadata={"description": "退回的检察长用户编号"})

    example = {**_REF, "status": "draft", "comment": "建议内容须补充整改期限",
               "rejected_by": "1a2b3c4d5e6f7a8b9c0d1e2f3a4b5c6d"}


@register("recommendation.served", 1)
class Served(_RecommendationRef):
    class Meta:
        title = "检察建议已送达"
        description = "送达被建议单位时发出；回复期限自送达之日起计算。"

    served_on = fields.Date(required=True, metadata={"description": "送达日期"})
    method = code(enums.SERVICE_METHODS, required=True, metadata={"description": "送达方式代码"})
    reply_due_on = fields.Date(required=True, metadata={"description": "回复期限（含当日）"})

    example = {**_REF, "served_on": "2026-01-31", "method": "written", "reply_due_on": "2026-03-31"}


@register("recommendation.objected", 1)
class Objected(_RecommendationRef):
    class Meta:
        title = "被建议单位提出异议"

    received_on = fields.Date(required=True, metadata={"description": "收到异议日期"})
    content = fields.String(required=True, metadata={"description": "异议内容"})

    example = {**_REF, "status": "objected", "received_on": "2026-02-10", "content": "认为部分问题不属实"}


@register("recommendation.objection_resolved", 1)
class ObjectionResolved(_RecommendationRef):
    class Meta:
        title = "异议已处理"
        description = "维持或修改后继续等待回复；撤回的，检察建议终结（status 为 withdrawn）。"

    outcome = code(enums.OBJECTION_OUTCOMES, required=True, metadata={"description": "异议处理结果代码"})

    example = {**_REF, "status": "served", "outcome": "amended"}


class _PenaltyOutcome(Schema):
    decision = code(enums.PENALTY_DECISIONS, required=True, metadata={"description": "行政处罚结果代码"})
    decided_on = fields.Date(required=True, metadata={"description": "行政处罚决定日期"})
    penalty = fields.String(required=True, metadata={"description": "处罚内容（如罚款金额、拘留天数）"})


@register("recommendation.replied", 1)
class Replied(_RecommendationRef):
    class Meta:
        title = "被建议单位已回复"
        description = ("收到被建议单位书面回复时发出。采纳或部分采纳的，督察部门据此建立跟踪落实任务；"
                       "检察意见的回复载明行政处罚结果的，案件服务据此填录刑事案卡。")

    received_on = fields.Date(required=True, metadata={"description": "收到回复日期"})
    reply_due_on = fields.Date(required=True, metadata={"description": "回复期限"})
    on_time = fields.Boolean(required=True, metadata={"description": "是否在期限内回复"})
    adoption = code(enums.ADOPTIONS, required=True, metadata={"description": "采纳情况代码"})
    content = fields.String(required=True, metadata={"description": "回复内容摘要"})
    penalty_outcome = fields.Nested(_PenaltyOutcome, required=True, allow_none=True,
                                    metadata={"description": "行政处罚结果（检察意见，已知时）；否则为 null"})
    criminal_handler_id = fields.String(load_default=None, allow_none=True, metadata={
        "description": "检察意见（行刑反向衔接）的刑事案件承办人用户编号：处罚结果据此告知；其他为 null"})

    example = {**_REF, "status": "replied", "received_on": "2026-03-20", "reply_due_on": "2026-03-31",
               "on_time": True, "adoption": "adopted", "content": "已对46家养老机构完成整改", "penalty_outcome": None,
               "criminal_handler_id": None}


@register("recommendation.followed_up", 1)
class FollowedUp(_RecommendationRef):
    class Meta:
        title = "已回访（回头看）"

    visited_on = fields.Date(required=True, metadata={"description": "回访日期"})
    notes = fields.String(required=True, metadata={"description": "回访情况"})
    rectified_items = fields.Integer(required=True, metadata={"description": "本次核实已整改事项数"})
    rectified_items_total = fields.Integer(required=True, metadata={"description": "累计已整改事项数"})

    example = {**_REF, "status": "replied", "visited_on": "2026-04-15", "notes": "实地查看消防通道已清理",
               "rectified_items": 47, "rectified_items_total": 47}


@register("recommendation.escalated", 1)
class Escalated(_RecommendationRef):
    class Meta:
        title = "检察建议督促落实升级"
        description = "未回复、不采纳或整改不到位时，报告上级、通报主管部门、报告党委人大或转为公益诉讼。"

    to = code(enums.ESCALATION_TARGETS, required=True, metadata={"description": "升级方式代码"})
    reason = fields.String(required=True, metadata={"description": "理由"})

    example = {**_REF, "status": "escalated", "to": "superior_department", "reason": "逾期未回复且未整改"}


@register("recommendation.closed", 1)
class Closed(_RecommendationRef):
    class Meta:
        title = "检察建议已结案"

    outcome = code(enums.CLOSE_OUTCOMES, required=True, metadata={"description": "结案结果代码"})
    rectified_items_total = fields.Integer(required=True, metadata={"description": "累计已整改事项数"})

    example = {**_REF, "status": "closed", "outcome": "implemented", "rectified_items_total": 47}


class _Deadline(_RecommendationRef):
    reply_due_on = fields.Date(required=True, metadata={"description": "回复期限"})
    served_on = fields.Date(required=True, metadata={"description": "送达日期"})


@register("recommendation.due_soon", 1)
class DueSoon(_Deadline):
    class Meta:
        title = "检察建议回复期限将至"
        description = "回复期限前 7 日、前 1 日各发出一次（尚未回复时）。"

    days_left = fields.Integer(required=True, metadata={"description": "距回复期限的天数"})

    example = {**_REF, "served_on": "2026-01-31", "reply_due_on": "2026-03-31", "days_left": 7}


@register("recommendation.overdue", 1)
class Overdue(_Deadline):
    class Meta:
        title = "检察建议逾期未回复"
        description = "回复期限届满次日仍未回复时发出，每件一次。"

    days_overdue = fields.Integer(required=True, metadata={"description": "已逾期天数"})

    example = {**_REF, "served_on": "2026-01-31", "reply_due_on": "2026-03-31", "days_overdue": 1}


@register("recommendation.very_overdue", 1)
class VeryOverdue(_Deadline):
    class Meta:
        title = "检察建议严重逾期（提请检察长关注）"
        description = "逾期达到配置的天数（默认 30 日）仍未回复时发出，每件一次，提请检察长关注并督促。"

    days_overdue = fields.Integer(required=True, metadata={"description": "已逾期天数"})
    attention_of = fields.String(required=True, metadata={"description": "提请关注的角色代码（chief_procurator）"})

    example = {**_REF, "served_on": "2026-01-31", "reply_due_on": "2026-03-31", "days_overdue": 30,
               "attention_of": "chief_procurator"}


class _Review(_RecommendationRef):
    referred_on = fields.Date(required=True, metadata={"description": "案件移送行政检察部门的日期"})
    review_due_on = fields.Date(required=True, metadata={"description": "审查期限（移送后第 10 个工作日）"})


@register("recommendation.review_due_today", 1)
class ReviewDueToday(_Review):
    class Meta:
        title = "反向衔接审查今日到期"
        description = "行刑反向衔接的案件移送后，检察意见仍为草稿、审查期限为今日时发出，每件一次。"

    example = {**_REF, "kind": "procuratorial_opinion", "department": "administrative", "status": "draft",
               "drafted_by": None, "suspect_id": "7c3e1a9f5b2d4c6e8a0b1c2d3e4f5a6b", "referred_on": "2026-12-01",
               "review_due_on": "2026-12-15"}


@register("recommendation.review_overdue", 1)
class ReviewOverdue(_Review):
    class Meta:
        title = "反向衔接审查逾期"
        description = "审查期限届满次日检察意见仍未提交审批时发出，每件一次。"

    days_overdue = fields.Integer(required=True, metadata={"description": "已逾期天数"})

    example = {**_REF, "kind": "procuratorial_opinion", "department": "administrative", "status": "draft",
               "drafted_by": None, "suspect_id": "7c3e1a9f5b2d4c6e8a0b1c2d3e4f5a6b", "referred_on": "2026-12-01",
               "review_due_on": "2026-12-15", "days_overdue": 1}


@register("recommendation.deadline_extended", 1)
class DeadlineExtended(_RecommendationRef):
    class Meta:
        title = "检察建议回复期限已延长"
        description = "检察长或本部门负责人批准延长回复期限时发出（法院的执行监督检察建议可延长一个月）；提醒随之改期。"

    previous_due_on = fields.Date(required=True, metadata={"description": "原回复期限"})
    reply_due_on = fields.Date(required=True, metadata={"description": "延长后的回复期限"})
    reason = fields.String(required=True, metadata={"description": "延长理由"})
    extended_by = fields.String(required=True, metadata={"description": "批准人用户编号"})

    example = {**_REF, "kind": "court_execution", "target_unit": "某区人民法院", "previous_due_on": "2026-04-30",
               "reply_due_on": "2026-05-30", "reason": "法院申请延期一个月", "extended_by": "9b1e7c2a5d3f4e6a8b0c1d2e3f4a5b6c"}


@register("recommendation.review_due_moved", 1)
class ReviewDueMoved(_Review):
    class Meta:
        title = "反向衔接审查期限已按工作日历重新计算"
        description = "管理员录入某年放假安排后，按仅周末休息暂定的审查期限重新计算、且日期改变时发出；提醒随之改期。"

    previous_due_on = fields.Date(required=True, metadata={"description": "原审查期限"})
    review_due_provisional = fields.Boolean(required=True, metadata={"description": "新期限是否仍为暂定"})

    example = {**_REF, "kind": "procuratorial_opinion", "department": "administrative", "status": "draft",
               "drafted_by": None, "suspect_id": "7c3e1a9f5b2d4c6e8a0b1c2d3e4f5a6b", "referred_on": "2026-12-31",
               "previous_due_on": "2027-01-14", "review_due_on": "2027-01-15", "review_due_provisional": False}
