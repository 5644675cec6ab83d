"""RPC contract of the ``inspections`` service, version 1 (also the HTTP bodies of
/v1/supervision-tasks, /v1/inspections, /v1/findings)."""
from marshmallow import Schema, ValidationError, fields, validate, validates_schema

from contracts import enums
from contracts.fields import StrictBoolean, code, count, day, line, text  # noqa: F401
from contracts.rpc.common import DeadlineExtension, FromWireName, PageQuery

MAX_EVIDENCE = 50
_EVIDENCE_KEYS = ("name", "url", "file_id", "description")


def user_id(**kwargs):
    return line(1, 64, **kwargs)


class Evidence(fields.Field):
    """One piece of evidence (佐证材料): a reference as text (a file name, an archive number, a URL), or
    an object with some of ``name``, ``url``, ``file_id``, ``description`` (text, not empty)."""

    default_error_messages = {"invalid": "佐证材料应为非空文本，或含 name、url、file_id、description 的对象"}
    OPENAPI = {"oneOf": [
        {"type": "string", "minLength": 1, "maxLength": 500},
        {"type": "object", "minProperties": 1, "additionalProperties": False,
         "properties": {"name": {"type": "string", "maxLength": 500}, "url": {"type": "string", "maxLength": 500},
                        "file_id": {"type": "string", "maxLength": 500},
                        "description": {"type": "string", "maxLength": 2000}}}]}

    def __init__(self, **kwargs):
        kwargs["metadata"] = {**self.OPENAPI, **kwargs.get("metadata", {})}
        super().__init__(**kwargs)

    def _deserialize(self, value, attr, data, **kwargs):
        if isinstance(value, str):
            return line(1, 500).deserialize(value)
        if not isinstance(value, dict) or not value or set(value) - set(_EVIDENCE_KEYS):
            raise self.make_error("invalid")
        return {key: (text(1, 2000) if key == "description" else line(1, 500)).deserialize(item)
                for key, item in value.items()}

    def _serialize(self, value, attr, obj, **kwargs):
        return value


def evidence_list(**kwargs):
    return fields.List(Evidence(), validate=validate.Length(
        min=1, max=MAX_EVIDENCE, error=f"须提供佐证材料（1 到 {MAX_EVIDENCE} 份）"),
        metadata={"description": "佐证材料：文本引用（文件名、档案号、链接）或 {name, url, file_id, description}"},
        **kwargs)


class Source(Schema):
    kind = code(enums.SUPERVISION_SOURCE_KINDS, required=True)
    id = line(1, 64, required=True)


# -- supervision tasks -------------------------------------------------------------------------------
class NewSupervisionTask(Schema):
    title = line(1, 200, required=True)
    department = code(enums.DEPARTMENTS, required=True)
    owner_id = user_id(required=True)
    due_on = day(required=True)
    source = fields.Nested(Source, load_default=None, allow_none=True)
    description = text(1, 4000, required=True)


class OwnerAccount(Schema):
    """The account an ``owner_id`` names, as the caller resolved it."""
    user_id = fields.String(required=True)
    roles = fields.List(code(enums.ROLES), required=True)
    department = code(enums.DEPARTMENTS, required=True)


class TaskProgress(Schema):
    note = text(1, 2000, required=True)
    percent = fields.Integer(strict=True, required=True,
                             validate=validate.Range(min=0, max=100, error="应在 {min} 到 {max} 之间"))


class CompleteTask(Schema):
    summary = text(1, 4000, required=True)
    evidence = evidence_list(required=True)


class ExtendTask(Schema):
    """A later due date for a supervision task, with its reason (whoever may assign it)."""
    due_on = day(required=True, metadata={"description": "延长后的办结期限（晚于现在的期限）"})
    reason = text(1, 2000, required=True, metadata={"description": "延期理由"})


class VerifyTask(Schema):
    outcome = code(enums.TASK_VERIFY_OUTCOMES, required=True)
    comment = text(0, 2000, load_default="")

    @validates_schema
    def _reason_when_returned(self, data, **kwargs):
        if data.get("outcome") == "returned" and not data.get("comment"):
            raise ValidationError("退回时须说明理由", "comment")


class ProgressEntry(Schema):
    note = fields.String()
    percent = fields.Integer()
    by = fields.String()
    at = fields.DateTime(format="iso")


class Review(Schema):
    outcome = fields.String()
    comment = fields.String()
    by = fields.String()
    at = fields.DateTime(format="iso")


class SupervisionTask(Schema):
    id = fields.String(attribute="_id")
    title = fields.String()
    kind = fields.String()
    department = fields.String()
    owner_id = fields.String(allow_none=True)
    due_on = day()
    source = fields.Nested(Source, allow_none=True)
    description = fields.String()
    status = fields.String()
    percent = fields.Integer()
    progress = fields.List(fields.Nested(ProgressEntry))
    summary = fields.String(allow_none=True)
    evidence = fields.List(Evidence())
    completed_on = day(allow_none=True)
    reviews = fields.List(fields.Nested(Review))
    extensions = fields.List(fields.Nested(DeadlineExtension), dump_default=list, metadata={"description": "延期记录"})
    # Computed when read (kit.clock today, Asia/Shanghai): open or in progress past due_on.
    overdue = fields.Boolean()
    days_overdue = fields.Integer()
    version = fields.Integer()
    created_by = fields.String(allow_none=True)
    created_at = fields.DateTime(format="iso")
    updated_at = fields.DateTime(format="iso")


class TaskQuery(PageQuery):
    status = code(enums.SUPERVISION_TASK_STATUSES, load_default=None, allow_none=True)
    department = code(enums.DEPARTMENTS, load_default=None, allow_none=True)
    owner_id = user_id(load_default=None, allow_none=True)
    overdue = fields.Boolean(load_default=None, allow_none=True)


class TaskPage(Schema):
    items = fields.List(fields.Nested(SupervisionTask))
    next_cursor = fields.String(allow_none=True)


# -- inspections -----------------------------------------------------------------------------------
class Target(Schema):
    name = line(1, 200, required=True)
    kind = code(enums.INSPECTION_TARGET_KINDS, required=True)
    address = line(1, 300, load_default=None, allow_none=True)


class EarlierFindingResult(Schema):
    finding_id = line(1, 64, required=True)
    result = code(enums.REINSPECTION_RESULTS, required=True)


class NewInspection(Schema):
    """An on-site inspection; with ``reinspection_of`` a re-inspection (回头看) of an earlier one, whose
    findings are each judged still_present or fixed (``earlier_findings``: the inspectors' judgement;
    a finding not listed is judged from its status: verified → fixed, otherwise still_present).
    ``target`` may then be left out: the earlier inspection's."""
    target = fields.Nested(Target, load_default=None, allow_none=True)
    inspected_on = day(required=True)
    inspector_ids = fields.List(user_id(), required=True, validate=validate.Length(
        min=1, max=20, error="检查人员应为 {min} 到 {max} 人"))
    categories = fields.List(code(enums.INSPECTION_CATEGORIES), required=True, validate=validate.Length(
        min=1, max=len(enums.INSPECTION_CATEGORIES), error="检查类别应为 {min} 到 {max} 项"))
    notes = text(0, 4000, load_default="")
    reinspection_of = line(1, 64, load_default=None, allow_none=True)
    earlier_findings = fields.List(fields.Nested(EarlierFindingResult), load_default=list,
                                   validate=validate.Length(max=500))

    @validates_schema
    def _target_or_earlier(self, data, **kwargs):
        if data.get("target") is None and not data.get("reinspection_of"):
            raise ValidationError("缺少必填字段", "target")
        if data.get("earlier_findings") and not data.get("reinspection_of"):
            raise ValidationError("仅复查（reinspection_of）时填写", "earlier_findings")


class EarlierFindingView(Schema):
    finding_id = fields.String()
    category = fields.String()
    severity = fields.String()
    description = fields.String()
    status = fields.String()
    result = fields.String()


class FindingBrief(Schema):
    id = fields.String(attribute="_id")
    category = fields.String()
    severity = fields.String()
    description = fields.String()
    rectify_by = day()
    status = fields.String()
    overdue = fields.Boolean()
    days_overdue = fields.Integer()


class InspectionSummary(Schema):
    id = fields.String(attribute="_id")
    target = fields.Nested(Target)
    inspected_on = day()
    inspector_ids = fields.List(fields.String())
    categories = fields.List(fields.String())
    notes = fields.String()
    reinspection_of = fields.String(allow_none=True)
    earlier_findings = fields.List(fields.Nested(EarlierFindingView))
    version = fields.Integer()
    created_by = fields.String()
    created_at = fields.DateTime(format="iso")
    updated_at = fields.DateTime(format="iso")


class Inspection(InspectionSummary):
    findings = fields.List(fields.Nested(FindingBrief), metadata={"description": "本次检查发现的问题"})


class InspectionQuery(PageQuery):
    kind = code(enums.INSPECTION_TARGET_KINDS, load_default=None, allow_none=True)


class InspectionPage(Schema):
    items = fields.List(fields.Nested(InspectionSummary))
    next_cursor = fields.String(allow_none=True)


class NewFinding(Schema):
    category = code(enums.INSPECTION_CATEGORIES, required=True)
    severity = code(enums.FINDING_SEVERITIES, required=True)
    description = text(1, 4000, required=True)
    rectify_by = day(load_default=None, allow_none=True)


class RectifyFinding(Schema):
    rectified_on = day(required=True)
    evidence = evidence_list(required=True)


class VerifyFinding(Schema):
    outcome = code(enums.FINDING_VERIFY_OUTCOMES, required=True)
    comment = text(0, 2000, load_default="")

    @validates_schema
    def _reason_when_rejected(self, data, **kwargs):
        if data.get("outcome") == "rejected" and not data.get("comment"):
            raise ValidationError("核验不通过时须说明理由", "comment")


class Rectification(Schema):
    rectified_on = day()
    evidence = fields.List(Evidence())
    by = fields.String()
    at = fields.DateTime(format="iso")


class InspectionFinding(Schema):
    id = fields.String(attribute="_id")
    inspection_id = fields.String()
    target = fields.Nested(Target)
    inspected_on = day()
    category = fields.String()
    severity = fields.String()
    description = fields.String()
    rectify_by = day()
    rectify_by_default = fields.Boolean(metadata={"description": "整改期限按隐患等级的默认天数确定"})
    status = fields.String()
    rectification = fields.Nested(Rectification, allow_none=True)
    rectifications = fields.List(fields.Nested(Rectification))
    reviews = fields.List(fields.Nested(Review))
    overdue = fields.Boolean()
    days_overdue = fields.Integer()
    version = fields.Integer()
    created_by = fields.String()
    created_at = fields.DateTime(format="iso")
    updated_at = fields.DateTime(format="iso")


class InspectionFindingQuery(PageQuery):
    inspection_id = line(1, 64, load_default=None, allow_none=True)
    status = code(enums.INSPECTION_FINDING_STATUSES, load_default=None, allow_none=True)
    overdue = fields.Boolean(load_default=None, allow_none=True)


class InspectionFindingPage(Schema):
    items = fields.List(fields.Nested(InspectionFinding))
    next_cursor = fields.String(allow_none=True)


class InspectionStatsQuery(FromWireName):
    # Inspections carried out from ``from`` to ``to`` (inclusive, Asia/Shanghai dates); all time if absent.
    from_ = day(data_key="from", load_default=None, allow_none=True)
    to = day(load_default=None, allow_none=True)
    kind = code(enums.INSPECTION_TARGET_KINDS, load_default=None, allow_none=True)


    @validates_schema
    def _ordered(self, data, **kwargs):
        if data.get("from_") and data.get("to") and data["from_"] > data["to"]:
            raise ValidationError("结束日期不能早于开始日期", "to")


class InspectionStats(Schema):
    inspections = fields.Integer(metadata={"description": "检查次数（含复查）"})
    institutions_inspected = fields.Integer(metadata={"description": "检查的机构（对象）数，按名称与类型去重"})
    reinspections = fields.Integer(metadata={"description": "复查（回头看）次数"})
    findings = fields.Integer(metadata={"description": "发现问题（隐患）数"})
    findings_by_category = fields.Dict(keys=fields.String(), values=fields.Integer())
    findings_by_severity = fields.Dict(keys=fields.String(), values=fields.Integer())
    rectified = fields.Integer(metadata={"description": "已整改（含已核验）的问题数"})
    verified = fields.Integer(metadata={"description": "整改已核验的问题数"})
    open = fields.Integer(metadata={"description": "待整改的问题数"})
    overdue = fields.Integer(metadata={"description": "逾期未整改的问题数"})
    still_present = fields.Integer(metadata={"description": "复查中认定仍然存在的问题数"})
    fixed_on_reinspection = fields.Integer(metadata={"description": "复查中认定已消除的问题数"})


# -- the staff ledger (正负面清单) and discipline findings ----------------------------------------------
class PersonAccount(Schema):
    """The account a path's ``user_id`` names, as the caller resolved it (active or not)."""
    user_id = fields.String(required=True)
    roles = fields.List(fields.String(), required=True)
    department = fields.String(required=True, allow_none=True)
    active = fields.Boolean(required=True)


class NewDisciplineFinding(Schema):
    occurred_on = day(required=True)
    description = text(1, 4000, required=True)
    evidence = evidence_list(required=True)


class DisciplineFinding(Schema):
    id = fields.String(attribute="_id")
    user_id = fields.String()
    occurred_on = day()
    description = fields.String()
    evidence = fields.List(Evidence())
    recorded_by = fields.String()
    created_at = fields.DateTime(format="iso")


class ScorecardQuery(Schema):
    period = fields.String(required=True, validate=validate.Regexp(
        r"^\d{4}-Q[1-4]$", error="应为季度，如 2026-Q3"), metadata={"description": "季度，如 2026-Q3"})


class LedgerSource(Schema):
    kind = fields.String()
    id = fields.String()
    event = fields.String()
    event_id = fields.String(allow_none=True)


class LedgerEntry(Schema):
    id = fields.String(attribute="_id")
    rule = fields.String()
    category = fields.String()
    points = fields.Integer()
    label = fields.String()
    occurred_on = day()
    source = fields.Nested(LedgerSource)


class CategoryTotal(Schema):
    positive = fields.Integer()
    negative = fields.Integer()
    net = fields.Integer()
    entries = fields.Integer()


class Scorecard(Schema):
    user_id = fields.String()
    period = fields.String()
    totals = fields.Dict(keys=fields.String(), values=fields.Nested(CategoryTotal),
                         metadata={"description": "按类别（key_work、daily_management、personal_competence）的合计"})
    total = fields.Integer()
    entries = fields.List(fields.Nested(LedgerEntry))


# -- interference records (三个规定记录报告) ----------------------------------------------------------------
class NewInterferenceRecord(Schema):
    case_id = line(1, 64, required=True)
    occurred_on = day(required=True)
    person = line(1, 200, required=True, metadata={"description": "干预、过问案件的人（姓名、单位、职务）"})
    content = text(1, 4000, required=True, metadata={"description": "过问、干预的内容"})


class Annotation(Schema):
    note = text(1, 2000, required=True)


class AnnotationView(Schema):
    note = fields.String()
    by = fields.String()
    at = fields.DateTime(format="iso")


class InterferenceRecord(Schema):
    id = fields.String(attribute="_id")
    case_id = fields.String()
    occurred_on = day()
    person = fields.String()
    content = fields.String()
    recorded_by = fields.String()
    annotations = fields.List(fields.Nested(AnnotationView))
    created_at = fields.DateTime(format="iso")


class InterferenceQuery(PageQuery):
    case_id = line(1, 64, load_default=None, allow_none=True)


class InterferencePage(Schema):
    items = fields.List(fields.Nested(InterferenceRecord))
    next_cursor = fields.String(allow_none=True)
