"""RPC contract of the ``recommendations`` service, version 1 (also the HTTP bodies of
/v1/recommendations). Field names and codes are those of issue 9."""
from marshmallow import Schema, ValidationError, fields, validate, validates_schema

from contracts import enums
from contracts.fields import StrictBoolean, code, count, day, line, text
from contracts.rpc.common import DayRange, DeadlineExtension, PageQuery

MAX_ITEMS = 50
MAX_URGENT_DAYS = 60  # an urgent deadline is shorter than the ordinary two months


def _items(**kwargs):
    """A list of 1..MAX_ITEMS texts (problems found, proposals made)."""
    return fields.List(text(1, 2000), validate=validate.Length(min=1, max=MAX_ITEMS, error="应有 {min} 到 {max} 项"),
                       **kwargs)


def _urgent_days(**kwargs):
    return fields.Integer(strict=True, validate=validate.Range(min=1, max=MAX_URGENT_DAYS,
                                                               error="应在 {min} 到 {max} 天之间"), **kwargs)


class NewRecommendation(Schema):
    case_id = line(1, 64, required=True)
    kind = code(enums.RECOMMENDATION_KINDS, required=True)
    target_unit = line(1, 200, required=True)
    title = line(1, 200, required=True)
    problems = _items(required=True)
    proposals = _items(required=True)
    # A reply deadline in days instead of the kind's months (紧急情形); ``urgent`` without days takes
    # the kind's configured urgent default (public interest: 15 days).
    urgent_reply_days = _urgent_days(load_default=None, allow_none=True)
    urgent = StrictBoolean(load_default=False)


class EditRecommendation(Schema):
    """A change to a draft (the opinions the reverse referral drafts are completed this way)."""
    openapi_extra = {"minProperties": 1}
    target_unit = line(1, 200)
    title = line(1, 200)
    problems = _items()
    proposals = _items()
    urgent_reply_days = _urgent_days(allow_none=True)
    urgent = StrictBoolean()

    @validates_schema
    def _not_empty(self, data, **kwargs):
        if not data:
            raise ValidationError("至少提供一个要修改的字段", "_schema")


class Reject(Schema):
    comment = text(1, 2000, required=True)


class Serve(Schema):
    served_on = day(required=True)
    method = code(enums.SERVICE_METHODS, required=True)


class Objection(Schema):
    received_on = day(required=True)
    content = text(1, 4000, required=True)


class AmendedText(Schema):
    """What an objection amended changes in the recommendation (at least one field)."""
    title = line(1, 200)
    problems = _items()
    proposals = _items()


class ResolveObjection(Schema):
    """upheld: the reply is awaited by the same date; withdrawn: it ends; amended: the ``amended``
    text goes to the chief procurator for approval again and is served again, with its own reply
    deadline."""
    outcome = code(enums.OBJECTION_OUTCOMES, required=True)
    note = text(0, 2000, load_default="")
    amended = fields.Nested(AmendedText, load_default=None, metadata={"description": "修改后的建议（outcome 为 amended 时必填）"})

    @validates_schema
    def _amended_text(self, data, **kwargs):
        if data.get("outcome") == "amended" and not data.get("amended"):
            raise ValidationError("修改建议须写明修改后的内容（标题、问题或建议）", "amended")
        if data.get("outcome") != "amended" and data.get("amended"):
            raise ValidationError("只有修改建议才附修改后的内容", "amended")


class PenaltyOutcome(Schema):
    decision = code(enums.PENALTY_DECISIONS, required=True)
    decided_on = day(required=True)
    penalty = text(0, 500, load_default="")


class Reply(Schema):
    received_on = day(required=True)
    adoption = code(enums.ADOPTIONS, required=True)
    content = text(1, 4000, required=True)
    # Procuratorial opinions only: what the administrative organ decided (carried back to the case card).
    penalty_outcome = fields.Nested(PenaltyOutcome, load_default=None, allow_none=True)


class FollowUp(Schema):
    visited_on = day(required=True)
    notes = text(1, 4000, required=True)
    rectified_items = count(required=True)


class Escalate(Schema):
    to = code(enums.ESCALATION_TARGETS, required=True)
    reason = text(1, 2000, required=True)


class Close(Schema):
    outcome = code(enums.CLOSE_OUTCOMES, required=True)


class Disagreement(Schema):
    note = text(1, 2000, required=True)


class JointMeeting(Schema):
    """检察官联席会议: recorded before an opinion the departments disagree on can be submitted."""
    held_on = day(required=True)
    participants = fields.List(line(1, 64), required=True,
                               validate=validate.Length(min=2, max=50, error="参加人员应有 {min} 到 {max} 人"))
    conclusion = text(1, 4000, required=True)


class RecommendationQuery(PageQuery):
    status = code(enums.RECOMMENDATION_STATUSES, load_default=None)
    kind = code(enums.RECOMMENDATION_KINDS, load_default=None)
    case_id = line(1, 64, load_default=None)
    target_unit = line(1, 200, load_default=None)
    overdue = fields.Boolean(load_default=None, allow_none=True)
    department = code(enums.DEPARTMENTS, load_default=None)


class StatsQuery(DayRange):
    # Recommendations served from ``from`` to ``to`` (inclusive, Asia/Shanghai dates); all time if absent.
    department = code(enums.DEPARTMENTS, load_default=None)


class _Rejection(Schema):
    comment = fields.String()
    rejected_by = fields.String()
    rejected_at = fields.DateTime(format="iso")


class _Objection(Schema):
    received_on = day()
    content = fields.String()
    outcome = fields.String(allow_none=True)
    note = fields.String(allow_none=True, dump_default=None)


class _Reply(Schema):
    received_on = day()
    adoption = fields.String()
    content = fields.String()
    on_time = fields.Boolean()
    penalty_outcome = fields.Nested(PenaltyOutcome, allow_none=True, dump_default=None)


class _FollowUp(Schema):
    visited_on = day()
    notes = fields.String()
    rectified_items = fields.Integer()
    by = fields.String(allow_none=True)
    task_id = fields.String(allow_none=True, dump_default=None,
                            metadata={"description": "检务督察回头看督办事项的编号（由其办结写回时）"})


class _Escalation(Schema):
    to = fields.String()
    reason = fields.String()
    by = fields.String()
    at = fields.DateTime(format="iso")


class _Closing(Schema):
    outcome = fields.String()
    closed_on = day()
    by = fields.String()


class ExtendReply(Schema):
    """An extension of the reply deadline, approved by the chief procurator or the department's head:
    to ``until``, or, without it, by the kind's statutory extension (the courts: one month, once)."""
    reason = text(1, 2000, required=True, metadata={"description": "延长理由（如法院申请延期的情况）"})
    until = day(load_default=None, metadata={"description": "延长至（不填则按该种类的法定延长期限）"})


class ReferralReview(Schema):
    referred_on = day(metadata={"description": "案件移送行政检察部门的日期"})
    due_on = day(metadata={"description": "审查期限（移送后第 10 个工作日）"})
    provisional = fields.Boolean(metadata={"description": "期限是否暂定（所跨年份的放假安排尚未录入）"})


class Recommendation(Schema):
    id = fields.String(attribute="_id")
    case_id = fields.String()
    case_no = fields.String(allow_none=True)
    kind = fields.String()
    department = fields.String()
    target_unit = fields.String(allow_none=True)
    title = fields.String()
    problems = fields.List(fields.String())
    proposals = fields.List(fields.String())
    urgent = fields.Boolean(dump_default=False)
    urgent_reply_days = fields.Integer(allow_none=True, dump_default=None)
    status = fields.String()
    suspect_id = fields.String(allow_none=True, dump_default=None)
    suspect_name = fields.String(allow_none=True, dump_default=None)
    drafted_by = fields.String(allow_none=True)
    approved_by = fields.String(allow_none=True, dump_default=None)
    rejections = fields.List(fields.Nested(_Rejection), dump_default=list)
    served_on = day(allow_none=True, dump_default=None)
    service_method = fields.String(allow_none=True, dump_default=None)
    reply_due_on = day(allow_none=True, dump_default=None)
    # Computed from reply_due_on and today (Asia/Shanghai) when read, never stored.
    overdue = fields.Boolean()
    days_overdue = fields.Integer()
    objections = fields.List(fields.Nested(_Objection), dump_default=list)
    reply = fields.Nested(_Reply, allow_none=True, dump_default=None)
    follow_ups = fields.List(fields.Nested(_FollowUp), dump_default=list)
    rectified_items_total = fields.Integer(dump_default=0)
    escalations = fields.List(fields.Nested(_Escalation), dump_default=list)
    closing = fields.Nested(_Closing, allow_none=True, dump_default=None)
    departments_disagree = fields.Boolean(dump_default=False)
    disagreement_note = fields.String(allow_none=True, dump_default=None)
    joint_meeting = fields.Nested(JointMeeting, allow_none=True, dump_default=None)
    # 行刑反向衔接: the administrative department's review once the case reached it (10 working days).
    review = fields.Nested(ReferralReview, allow_none=True, dump_default=None)
    extensions = fields.List(fields.Nested(DeadlineExtension), dump_default=list, metadata={"description": "回复期限的延长记录"})
    amendments = fields.List(fields.Dict(), dump_default=list,
                             metadata={"description": "因异议修改前的文本及其送达日期、回复期限（每次修改一项）"})
    version = fields.Integer()
    created_at = fields.DateTime(format="iso")
    updated_at = fields.DateTime(format="iso")


class RecommendationPage(Schema):
    items = fields.List(fields.Nested(Recommendation))
    next_cursor = fields.String(allow_none=True)


class RecommendationStats(Schema):
    issued = fields.Integer(metadata={"description": "已送达（制发）件数"})
    replied = fields.Integer(metadata={"description": "已回复件数"})
    reply_rate = fields.Float(allow_none=True, metadata={"description": "回复率 = 已回复 / 已送达"})
    replied_on_time = fields.Integer(metadata={"description": "按期回复件数"})
    on_time_reply_rate = fields.Float(allow_none=True, metadata={"description": "按期回复率 = 按期回复 / 已送达"})
    adopted = fields.Integer(metadata={"description": "采纳件数（含部分采纳）"})
    adopted_fully = fields.Integer(metadata={"description": "全部采纳件数"})
    adopted_partially = fields.Integer(metadata={"description": "部分采纳件数"})
    adoption_rate = fields.Float(allow_none=True, metadata={"description": "采纳率 = 采纳（含部分） / 已回复"})
    closed_implemented = fields.Integer(metadata={"description": "结案且已落实整改件数"})
    overdue_now = fields.Integer(metadata={"description": "当前逾期未回复件数"})
    very_overdue_now = fields.Integer(metadata={"description": "当前严重逾期（默认逾期 30 日以上）件数"})
    rectified_items_total = fields.Integer(metadata={"description": "回访核实已整改事项合计"})


class CaseRef(Schema):
    """What the service keeps of a case (the cases service's answer to ``get_case``, as loaded)."""
    id = fields.String(required=True)
    case_no = fields.String(required=True)
    title = fields.String(required=True)
    department = code(enums.DEPARTMENTS, required=True)
    handler_id = fields.String(allow_none=True, load_default=None)
    status = fields.String(load_default=None)
    version = fields.Integer(load_default=0)
