"""RPC contract of the ``cases`` service, version 1 (also the HTTP bodies of /v1/cases)."""
import re

from marshmallow import Schema, ValidationError, fields, validate, validates_schema

from contracts import enums
from contracts.fields import StrictBoolean, code, count, day, line, money, text
from contracts.rpc.common import DayRange, PageQuery

# A resident identity card number: 18 characters (17 digits and a digit or X) or the older 15 digits.
_ID_NUMBER = re.compile(r"\d{17}[\dX]|\d{15}")


def user_id(**kwargs):
    return line(1, 64, **kwargs)



class RegisterCase(Schema):
    case_no = line(1, 64, required=True)
    title = line(1, 200, required=True)
    category = code(enums.CASE_CATEGORIES, required=True)
    department = code(enums.DEPARTMENTS, required=True)
    handler_id = user_id(load_default=None, allow_none=True)
    accepted_on = day(load_default=None, allow_none=True,
                      metadata={"description": "受理日期（默认登记当天；不晚于今天）；案件的决定日期不早于此日"}
                      )
    cause = code(enums.CASE_CAUSES, load_default=None, allow_none=True, metadata={"description": "案由代码"})
    source = line(1, 200, load_default=None, allow_none=True, metadata={"description": "移送机关或案件来源"})
    reviewing_prosecutor = line(1, 64, load_default=None, allow_none=True, metadata={"description": "承办检察官"})
    assistant = line(1, 64, load_default=None, allow_none=True, metadata={"description": "检察官助理"})
    notes = text(1, 4000, load_default=None, allow_none=True, metadata={"description": "备注"})


class EditCase(Schema):
    """``PATCH /v1/cases/{id}``: the case card's fields that may change (at least one). Category,
    department, handler and status change through their own commands (transfer, assign, transition)."""
    openapi_extra = {"minProperties": 1}
    title = line(1, 200)
    accepted_on = day(metadata={"description": "受理日期（不晚于今天，不晚于已有的决定日期）"})
    cause = code(enums.CASE_CAUSES, allow_none=True, metadata={"description": "案由代码"})
    source = line(1, 200, allow_none=True, metadata={"description": "移送机关或案件来源"})
    reviewing_prosecutor = line(1, 64, allow_none=True, metadata={"description": "承办检察官"})
    assistant = line(1, 64, allow_none=True, metadata={"description": "检察官助理"})
    notes = text(1, 4000, allow_none=True, metadata={"description": "备注"})

    @validates_schema
    def _something(self, data, **kwargs):
        if not data:
            raise ValidationError("至少修改一个字段", "_schema")


class AssignCase(Schema):
    handler_id = user_id(required=True, allow_none=True,
                         metadata={"description": "新承办人用户编号（部门负责人、案管或管理员指定）；"
                                                  "null 为承办人本人退回案件"})


class HandlerAccount(Schema):
    """The account a ``handler_id`` names, as the caller resolved it: what the handler rules need."""
    user_id = fields.String(required=True)
    roles = fields.List(code(enums.ROLES), required=True)
    department = code(enums.DEPARTMENTS, required=True)


class TransitionCase(Schema):
    to = code(enums.CASE_STATUSES, required=True)
    # The date of the decision, when moving to "decided" (today, if not given).
    decided_on = day(load_default=None, allow_none=True)


class CaseQuery(PageQuery):
    status = code(enums.CASE_STATUSES, load_default=None)
    category = code(enums.CASE_CATEGORIES, load_default=None)
    department = code(enums.DEPARTMENTS, load_default=None)
    handler_id = user_id(load_default=None)
    q = line(1, 100, load_default=None)
    queue = code(("unassigned", "mine", "department"), load_default=None, metadata={
        "description": "工作列表：unassigned 未分配（本部门或可见范围）；mine 我承办的；department 本部门的"})


class AssetRecovery(Schema):
    """追赃挽损 of a criminal case, integer fen. Recovered never exceeds involved; what was returned to
    victims never exceeds what was recovered."""
    amount_involved_fen = money(required=True)
    victims = count(required=True)
    frozen_seized_fen = money(required=True)
    recovered_fen = money(required=True)
    returned_to_victims_fen = money(required=True)

    @validates_schema
    def _consistent(self, data, **kwargs):
        if data.get("recovered_fen", 0) > data.get("amount_involved_fen", 0):
            raise ValidationError("追缴金额不能超过涉案金额", "recovered_fen")
        if data.get("returned_to_victims_fen", 0) > data.get("recovered_fen", 0):
            raise ValidationError("返还被害人金额不能超过追缴金额", "returned_to_victims_fen")


class WageSupervision(Schema):
    """护薪: execution supervision of migrant workers' wage cases. ``termination_checks_met`` lists the
    conditions of a lawful termination of this round of enforcement (终本) that the court met."""
    applicants = count(required=True)
    wages_owed_fen = money(required=True)
    recovered_fen = money(required=True)
    court_termination_on = day(load_default=None, allow_none=True)
    termination_checks_met = fields.List(code(enums.TERMINATION_CHECKS), load_default=list)
    outcome = code(enums.WAGE_SUPERVISION_OUTCOMES, load_default="ongoing")

    @validates_schema
    def _consistent(self, data, **kwargs):
        if data.get("recovered_fen", 0) > data.get("wages_owed_fen", 0):
            raise ValidationError("已追回工资不能超过欠薪金额", "recovered_fen")


class WageSupervisionView(WageSupervision):
    outstanding_fen = fields.Integer()
    termination_lawful = fields.Boolean(allow_none=True)
    termination_checks_missing = fields.List(fields.String())


class TimeLimit(Schema):
    due_on = fields.String(metadata={"description": "办案期限届满日"})
    days_left = fields.Integer(metadata={"description": "剩余天数（负数为已超期天数）"})
    overdue = fields.Boolean(metadata={"description": "是否已超期"})
    rule = fields.String(metadata={"description": "期限规则（如 1 个月、3 个月）"})


class Case(Schema):
    id = fields.String(attribute="_id")
    case_no = fields.String()
    title = fields.String()
    category = fields.String()
    department = fields.String()
    handler_id = fields.String(allow_none=True)
    status = fields.String()
    accepted_on = day(allow_none=True, dump_default=None, metadata={"description": "受理日期"})
    cause = fields.String(allow_none=True, dump_default=None, metadata={"description": "案由代码"})
    source = fields.String(allow_none=True, dump_default=None, metadata={"description": "移送机关或案件来源"})
    reviewing_prosecutor = fields.String(allow_none=True, dump_default=None, metadata={"description": "承办检察官"})
    assistant = fields.String(allow_none=True, dump_default=None, metadata={"description": "检察官助理"})
    notes = fields.String(allow_none=True, dump_default=None, metadata={"description": "备注"})
    time_limit = fields.Nested(TimeLimit, allow_none=True, dump_default=None,
                               metadata={"description": "办案期限（审结前按类别计算；已决定或结案后为 null）"})
    days_waiting = fields.Integer(metadata={"description": "登记以来的天数"})
    decided_on = day(allow_none=True, dump_default=None)
    suspect_count = fields.Integer(dump_default=0)
    asset_recovery = fields.Nested(AssetRecovery, allow_none=True, dump_default=None)
    wage_supervision = fields.Nested(WageSupervisionView, allow_none=True, dump_default=None)
    # The earliest due date of a referral not yet recorded (行刑反向衔接), if any.
    referral_due_on = day(allow_none=True, dump_default=None)
    # True while that due date is provisional (a year it spans has no working-day schedule yet).
    referral_due_provisional = fields.Boolean(dump_default=False)
    # Why the case is due a key evaluation (重点评查), found automatically; empty if it is not.
    key_evaluation_reasons = fields.List(fields.String(), dump_default=list)
    version = fields.Integer()
    created_by = fields.String()
    created_at = fields.DateTime(format="iso")
    updated_at = fields.DateTime(format="iso")


def _valid_id_number(value):
    if not _ID_NUMBER.fullmatch(value):
        raise ValidationError("身份证号应为 18 位（末位可为 X）或 15 位数字")


class SuspectDecision(Schema):
    decision = code(enums.SUSPECT_DECISIONS, required=True)
    decided_on = day(required=True)
    reason = text(1, 2000, required=True)
    # A non-prosecuted suspect whose conduct still deserves an administrative penalty: the reverse
    # referral (行刑反向衔接) to the administrative department starts.
    administrative_penalty_warranted = StrictBoolean(load_default=False)
    administrative_organ = line(1, 100, load_default=None, allow_none=True)

    @validates_schema
    def _warranted_only_when_not_prosecuted(self, data, **kwargs):
        if data.get("administrative_penalty_warranted") and data.get("decision") != "non_prosecution":
            raise ValidationError("仅不起诉决定可移送行政处罚", "administrative_penalty_warranted")


class NewSuspect(Schema):
    name = line(1, 64, required=True)
    arrested_on = day(load_default=None, allow_none=True)  # 逮捕日期; a non-prosecution after arrest is a key case
    id_number = line(15, 18, required=True, validate=_valid_id_number)
    layer = code(enums.SUSPECT_LAYERS, required=True)
    charges = fields.List(code(enums.CHARGES), load_default=list,
                          validate=validate.Length(max=20, error="罪名最多 {max} 个"))
    decision = fields.Nested(SuspectDecision, load_default=None, allow_none=True)


class EditSuspect(Schema):
    """A change to a suspect; at least one field. ``decision`` replaces the decision."""
    openapi_extra = {"minProperties": 1}
    name = line(1, 64)
    arrested_on = day(allow_none=True)
    id_number = line(15, 18, validate=_valid_id_number)
    layer = code(enums.SUSPECT_LAYERS)
    charges = fields.List(code(enums.CHARGES), validate=validate.Length(max=20, error="罪名最多 {max} 个"))
    decision = fields.Nested(SuspectDecision, allow_none=True)

    @validates_schema
    def _not_empty(self, data, **kwargs):
        if not data:
            raise ValidationError("至少提供一个要修改的字段：name, id_number, layer, charges, decision", "_schema")


class RecordReferral(Schema):
    transferred_on = day(required=True)


class ProposeNonProsecution(Schema):
    """拟不起诉: the criminal department's proposal, before the decision; the administrative department
    hears of it when an administrative penalty seems warranted (行刑反向衔接 prepared in advance)."""
    proposed_on = day(required=True, metadata={"description": "拟不起诉的日期（不晚于今天）"})
    reason = text(1, 2000, required=True, metadata={"description": "拟不起诉的理由"})
    administrative_penalty_warranted = StrictBoolean(required=True, metadata={"description": "是否认为应予行政处罚"})
    administrative_organ = line(1, 200, load_default=None, allow_none=True, metadata={"description": "主管行政机关"})


class ProposedNonProsecution(Schema):
    proposed_on = fields.String()
    reason = fields.String()
    administrative_penalty_warranted = fields.Boolean()
    administrative_organ = fields.String(allow_none=True)
    by = fields.String()


class Referral(Schema):
    due_on = day()
    transferred_on = day(allow_none=True)
    # The day the administrative organ's reply with the penalty outcome came (via the procuratorial
    # opinion): the referral is done.
    closed_on = day(allow_none=True, dump_default=None)
    overdue = fields.Boolean()
    # Computed with weekends only over a year whose schedule is not loaded yet: recomputed once it is.
    provisional = fields.Boolean(dump_default=False)


class AdministrativePenalty(Schema):
    """行政处罚结果, carried back from the reply to the procuratorial opinion (recommendations)."""
    decision = fields.String(metadata={"description": "penalized 已给予行政处罚 / not_penalized 不予行政处罚"})
    decided_on = day()
    penalty = fields.String()
    recommendation_id = fields.String()
    reported_on = day()


class Suspect(Schema):
    id = fields.String(attribute="_id")
    case_id = fields.String()
    name = fields.String()
    # Shown whole only to the handler, the case department's head and admin; masked for others.
    id_number = fields.String()
    id_number_masked = fields.Boolean()
    layer = fields.String()
    charges = fields.List(fields.String())
    arrested_on = day(allow_none=True, dump_default=None)
    decision = fields.Nested(SuspectDecision, allow_none=True, dump_default=None)
    decision_reversed = fields.Boolean(dump_default=False)
    referral = fields.Nested(Referral, allow_none=True, dump_default=None)
    administrative_penalty = fields.Nested(AdministrativePenalty, allow_none=True, dump_default=None)
    proposed_non_prosecution = fields.Nested(ProposedNonProsecution, allow_none=True, dump_default=None,
                                             metadata={"description": "拟不起诉（决定前）"})
    version = fields.Integer()
    created_at = fields.DateTime(format="iso")
    updated_at = fields.DateTime(format="iso")


class SuspectPage(Schema):
    items = fields.List(fields.Nested(Suspect))
    next_cursor = fields.String(allow_none=True)


class HistoryEntry(Schema):
    id = fields.String(attribute="_id")
    case_id = fields.String()
    at = fields.DateTime(format="iso", attribute="created_at")
    actor = fields.Dict(allow_none=True)
    action = fields.String()
    subject = fields.String()
    changes = fields.Dict()


class HistoryPage(Schema):
    items = fields.List(fields.Nested(HistoryEntry))
    next_cursor = fields.String(allow_none=True)


class CasePage(Schema):
    items = fields.List(fields.Nested(Case))
    next_cursor = fields.String(allow_none=True)


_PERIOD = re.compile(r"\d{4}-Q[1-4]")


def _valid_period(value):
    if not _PERIOD.fullmatch(value):
        raise ValidationError("评查期间应为“年份-Q季度”，如 2026-Q3")


def _score(**kwargs):
    return fields.Integer(strict=True, validate=validate.Range(min=0, max=100, error="分数应在 {min} 到 {max} 之间"),
                          **kwargs)


class EvaluationScores(Schema):
    fact_finding = _score(required=True, metadata={"description": "事实认定"})
    application_of_law = _score(required=True, metadata={"description": "法律适用"})
    procedure = _score(required=True, metadata={"description": "办案程序"})
    documents = _score(required=True, metadata={"description": "法律文书"})


class NewEvaluation(Schema):
    period = line(7, 7, required=True, validate=_valid_period)
    mode = code(enums.EVALUATION_MODES, required=True)
    grade = code(enums.EVALUATION_GRADES, required=True)
    scores = fields.Nested(EvaluationScores, required=True)
    comments = text(0, 4000, load_default="")


class Evaluation(Schema):
    id = fields.String(attribute="_id")
    case_id = fields.String()
    period = fields.String()
    mode = fields.String()
    grade = fields.String()
    scores = fields.Nested(EvaluationScores)
    comments = fields.String()
    evaluator_id = fields.String()
    created_at = fields.DateTime(format="iso")


class EvaluationPage(Schema):
    items = fields.List(fields.Nested(Evaluation))
    next_cursor = fields.String(allow_none=True)


class StatsQuery(DayRange):
    # Cases registered from ``from`` to ``to`` (inclusive, Asia/Shanghai dates); all time if absent.
    department = code(enums.DEPARTMENTS, load_default=None)


def _counts(codes):
    return fields.Dict(keys=fields.String(validate=validate.OneOf(list(codes))), values=fields.Integer())



class CaseStats(Schema):
    cases = fields.Integer()
    by_category = _counts(enums.CASE_CATEGORIES)
    by_status = _counts(enums.CASE_STATUSES)
    by_charge = _counts(enums.CHARGES)
    suspects_by_layer = _counts(enums.SUSPECT_LAYERS)
    amount_involved_fen = fields.Integer()
    recovered_fen = fields.Integer()
    recovery_rate = fields.Float(allow_none=True)
    wage_owed_fen = fields.Integer()
    wage_recovered_fen = fields.Integer()
    evaluations_by_grade = _counts(enums.EVALUATION_GRADES)


class RequestCheckRun(Schema):
    department = code(enums.DEPARTMENTS, load_default=None, allow_none=True)


class CheckRun(Schema):
    id = fields.String(attribute="_id")
    job = fields.String()
    status = fields.String()
    data = fields.Dict()
    summary = fields.Dict(dump_default=None, allow_none=True)
    requested_by = fields.String(allow_none=True, dump_default=None)
    created_at = fields.DateTime(format="iso")
    started_at = fields.DateTime(format="iso", allow_none=True, dump_default=None)
    finished_at = fields.DateTime(format="iso", allow_none=True, dump_default=None)


class CheckRunPage(Schema):
    items = fields.List(fields.Nested(CheckRun))
    next_cursor = fields.String(allow_none=True)


class FindingQuery(PageQuery):
    status = code(enums.FINDING_STATUSES, load_default=None)
    department = code(enums.DEPARTMENTS, load_default=None)
    rule = line(1, 64, load_default=None)
    case_id = line(1, 64, load_default=None)
    owner_id = user_id(load_default=None)


class Finding(Schema):
    id = fields.String(attribute="_id")
    rule = fields.String()
    case_id = fields.String()
    case_no = fields.String()
    subject = fields.String()
    department = fields.String()
    owner_id = fields.String(allow_none=True)
    message = fields.String()
    status = fields.String()
    occurrences = fields.Integer()
    created_at = fields.DateTime(format="iso")
    last_seen_at = fields.DateTime(format="iso", allow_none=True)
    resolved_at = fields.DateTime(format="iso", allow_none=True, dump_default=None)


class FindingPage(Schema):
    items = fields.List(fields.Nested(Finding))
    next_cursor = fields.String(allow_none=True)


class CheckRule(Schema):
    name = fields.String()
    title = fields.String()
    key = fields.Boolean()


class CheckRuleList(Schema):
    items = fields.List(fields.Nested(CheckRule))
