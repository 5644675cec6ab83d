"""Events published by the ``cases`` service (exchange ``cases.events``), payload version 1.

Each payload schema has a zh-CN ``Meta.title`` and an ``example``: the event catalogue shows
both, and the contract tests build and parse an event from the example."""
from marshmallow import Schema, fields

from contracts import enums
from contracts.envelope import register
from contracts.fields import code

SOURCE = "cases"

_CASE = {"case_id": "4f2c9d0e8a7b4c1d9e6f5a3b2c1d0e9f", "case_no": "平检刑诉〔2026〕18号",
         "title": "张某等电信网络诈骗案", "department": "criminal"}


class _CaseRef(Schema):
    case_id = fields.String(required=True, metadata={"description": "案件编号"})
    case_no = fields.String(required=True, metadata={"description": "案号"})
    title = fields.String(required=True, metadata={"description": "案件名称"})
    department = code(enums.DEPARTMENTS, required=True, metadata={"description": "承办部门代码"})


@register("case.registered", 1)
class CaseRegistered(_CaseRef):
    class Meta:
        title = "案件已登记"
        description = "登记案件时发出；登记时即指定承办人的，随后还发出 case.assigned。"

    category = code(enums.CASE_CATEGORIES, required=True, metadata={"description": "案件类别代码"})
    status = code(enums.CASE_STATUSES, required=True, metadata={"description": "案件状态代码"})
    handler_id = fields.String(required=True, allow_none=True, metadata={"description": "承办人用户编号；未指定为 null"})

    example = {**_CASE, "category": "criminal", "status": "registered", "handler_id": None}


@register("case.assigned", 1)
class CaseAssigned(_CaseRef):
    class Meta:
        title = "案件已分配承办人"
        description = "指定或更换承办人时发出（登记时指定承办人也发出，在 case.registered 之后）。"

    handler_id = fields.String(required=True, metadata={"description": "新承办人用户编号"})
    previous_handler_id = fields.String(required=True, allow_none=True,
                                        metadata={"description": "原承办人用户编号；首次分配为 null"})

    example = {**_CASE, "handler_id": "9b1e7c2a5d3f4e6a8b0c1d2e3f4a5b6c", "previous_handler_id": None}


@register("case.reassigned", 1)
class CaseReassigned(_CaseRef):
    class Meta:
        title = "案件承办人已更换或退回"
        description = ("已有承办人的案件更换承办人（部门负责人、案管或管理员）或由承办人退回时发出，"
                       "在 case.assigned（如有）之后；原承办人与部门负责人据此收到通知。")

    handler_id = fields.String(required=True, allow_none=True,
                               metadata={"description": "新承办人用户编号；退回为 null"})
    previous_handler_id = fields.String(required=True, metadata={"description": "原承办人用户编号"})
    assigned_by = fields.String(required=True, allow_none=True, metadata={"description": "操作人用户编号"})

    example = {**_CASE, "handler_id": "9b1e7c2a5d3f4e6a8b0c1d2e3f4a5b6c",
               "previous_handler_id": "0a1b2c3d4e5f60718293a4b5c6d7e8f9", "assigned_by": "5e6f7a8b9c0d1e2f3a4b5c6d7e8f9a0b"}


@register("case.updated", 1)
class CaseUpdated(_CaseRef):
    class Meta:
        title = "案卡已修改"
        description = "案卡字段（标题、受理日期、案由、来源、承办检察官、检察官助理、备注）修改时发出；载荷为修改后的案卡。"

    category = code(enums.CASE_CATEGORIES, required=True, metadata={"description": "案件类别代码"})
    status = code(enums.CASE_STATUSES, required=True, metadata={"description": "案件状态代码"})
    changed = fields.List(fields.String(), required=True, metadata={"description": "本次修改的字段"})
    accepted_on = fields.String(required=True, allow_none=True, metadata={"description": "受理日期"})
    cause = code(enums.CASE_CAUSES, required=True, allow_none=True, metadata={"description": "案由代码"})
    source = fields.String(required=True, allow_none=True, metadata={"description": "移送机关或案件来源"})
    reviewing_prosecutor = fields.String(required=True, allow_none=True, metadata={"description": "承办检察官"})
    assistant = fields.String(required=True, allow_none=True, metadata={"description": "检察官助理"})
    notes = fields.String(required=True, allow_none=True, metadata={"description": "备注"})

    example = {**_CASE, "category": "criminal", "status": "under_review", "changed": ["cause", "source"],
               "accepted_on": "2026-09-01", "cause": "fraud", "source": "某区公安分局", "reviewing_prosecutor": "李检察官",
               "assistant": None, "notes": None}


@register("case.status_changed", 1)
class CaseStatusChanged(_CaseRef):
    class Meta:
        title = "案件状态已变更"

    from_status = code(enums.CASE_STATUSES, required=True, data_key="from", metadata={"description": "原状态代码"})
    to_status = code(enums.CASE_STATUSES, required=True, data_key="to", metadata={"description": "新状态代码"})
    handler_id = fields.String(required=True, allow_none=True, metadata={"description": "承办人用户编号；未指定为 null"})

    example = {**_CASE, "from": "registered", "to": "under_review",
               "handler_id": "9b1e7c2a5d3f4e6a8b0c1d2e3f4a5b6c"}


_SUSPECT_ID = "7c3e1a9f5b2d4c6e8a0b1c2d3e4f5a6b"


class _SuspectRef(_CaseRef):
    """An event about one suspect of a case: the case, its handler and the suspect."""
    handler_id = fields.String(required=True, allow_none=True, metadata={"description": "承办人用户编号"})
    suspect_id = fields.String(required=True, metadata={"description": "犯罪嫌疑人编号"})
    suspect_name = fields.String(required=True, metadata={"description": "犯罪嫌疑人姓名"})


@register("case.non_prosecution_proposed", 1)
class NonProsecutionProposed(_SuspectRef):
    class Meta:
        title = "拟不起诉（告知行政检察部门）"
        description = "刑事检察部门对犯罪嫌疑人拟作不起诉、且认为应予行政处罚时发出（决定之前），行政检察部门据此提前介入。"

    proposed_on = fields.String(required=True, metadata={"description": "拟不起诉日期"})
    reason = fields.String(required=True, metadata={"description": "理由"})
    administrative_organ = fields.String(required=True, allow_none=True, metadata={"description": "主管行政机关"})
    notify_department = code(enums.DEPARTMENTS, required=True, metadata={"description": "告知的部门（administrative）"})

    example = {**_CASE, "handler_id": "9b1e7c2a5d3f4e6a8b0c1d2e3f4a5b6c", "suspect_id": _SUSPECT_ID,
               "suspect_name": "王某", "proposed_on": "2026-09-25", "reason": "犯罪情节轻微",
               "administrative_organ": "某区公安分局", "notify_department": "administrative"}


@register("case.non_prosecution_decided", 1)
class NonProsecutionDecided(_SuspectRef):
    class Meta:
        title = "不起诉并移送行政处罚（行刑反向衔接）"
        description = ("对犯罪嫌疑人作出不起诉决定、且认为应给予行政处罚时发出，每个这样的决定一次；"
                       "行政检察部门据此制发检察意见。须在决定后 3 个工作日内移送（referral_due_on）。")

    layer = code(enums.SUSPECT_LAYERS, required=True, metadata={"description": "层级代码"})
    charges = fields.List(code(enums.CHARGES), required=True, metadata={"description": "罪名代码"})
    decided_on = fields.Date(required=True, metadata={"description": "不起诉决定日期"})
    reason = fields.String(required=True, metadata={"description": "不起诉理由"})
    administrative_organ = fields.String(required=True, allow_none=True,
                                         metadata={"description": "主管行政机关（已知时）"})
    referral_due_on = fields.Date(required=True, metadata={"description": "移送期限（决定后第 3 个工作日）"})
    referral_due_provisional = fields.Boolean(
        load_default=False, metadata={"description": "移送期限是否为暂定：所跨年份的放假安排尚未录入时按仅周末休息计算，"
                                                     "录入后重新计算（见 case.referral_due_moved）"})

    example = {**_CASE, "handler_id": "9b1e7c2a5d3f4e6a8b0c1d2e3f4a5b6c", "suspect_id": _SUSPECT_ID,
               "suspect_name": "王某", "layer": "peripheral", "charges": ["helping_network_crime"],
               "decided_on": "2026-09-29", "reason": "犯罪情节轻微，依法不需要判处刑罚",
               "administrative_organ": "某区公安分局", "referral_due_on": "2026-10-09",
               "referral_due_provisional": False}


@register("case.referral_due_moved", 1)
class ReferralDueMoved(_SuspectRef):
    class Meta:
        title = "移送期限已按工作日历重新计算"
        description = ("管理员录入某年放假安排后，按仅周末休息暂定的移送期限重新计算、且日期改变时发出，"
                       "每次改变一次；逾期提醒随之改到新日期。")

    decided_on = fields.Date(required=True, metadata={"description": "不起诉决定日期"})
    previous_due_on = fields.Date(required=True, metadata={"description": "原移送期限"})
    referral_due_on = fields.Date(required=True, metadata={"description": "新的移送期限"})
    referral_due_provisional = fields.Boolean(required=True, metadata={"description": "新期限是否仍为暂定"})

    example = {**_CASE, "handler_id": "9b1e7c2a5d3f4e6a8b0c1d2e3f4a5b6c", "suspect_id": _SUSPECT_ID,
               "suspect_name": "王某", "decided_on": "2026-12-31", "previous_due_on": "2027-01-05",
               "referral_due_on": "2027-01-06", "referral_due_provisional": False}


@register("case.referral_recorded", 1)
class ReferralRecorded(Schema):
    class Meta:
        title = "已移送行政处罚"
        description = "承办人登记已将不起诉人移送行政主管部门时发出；对应的逾期提醒随之取消。"

    case_id = fields.String(required=True, metadata={"description": "案件编号"})
    case_no = fields.String(required=True, metadata={"description": "案号"})
    department = code(enums.DEPARTMENTS, required=True, metadata={"description": "承办部门代码"})
    suspect_id = fields.String(required=True, metadata={"description": "犯罪嫌疑人编号"})
    transferred_on = fields.Date(required=True, metadata={"description": "移送日期"})
    referral_due_on = fields.Date(required=True, metadata={"description": "移送期限"})

    example = {"case_id": _CASE["case_id"], "case_no": _CASE["case_no"], "department": "criminal",
               "suspect_id": _SUSPECT_ID, "transferred_on": "2026-10-08", "referral_due_on": "2026-10-09"}


class _ReferralDeadline(_SuspectRef):
    """A threshold of the referral's deadline: what the handler must still do, and by when."""
    referral_due_on = fields.Date(required=True, metadata={"description": "移送期限"})

    example = {**_CASE, "handler_id": "9b1e7c2a5d3f4e6a8b0c1d2e3f4a5b6c", "suspect_id": _SUSPECT_ID,
               "suspect_name": "王某", "referral_due_on": "2026-10-09"}


@register("case.referral_due_today", 1)
class ReferralDueToday(_ReferralDeadline):
    class Meta:
        title = "移送行政处罚今日到期"
        description = "移送期限当日（0 时，北京时间）仍未登记移送时发出，每人一次。"


@register("case.referral_overdue", 1)
class ReferralOverdue(_ReferralDeadline):
    class Meta:
        title = "移送行政处罚逾期"
        description = "决定后 3 个工作日内仍未登记移送时发出，每人一次。"


_SCORES = {"fact_finding": 92, "application_of_law": 88, "procedure": 95, "documents": 90}


class _Scores(Schema):
    fact_finding = fields.Integer(required=True, metadata={"description": "事实认定"})
    application_of_law = fields.Integer(required=True, metadata={"description": "法律适用"})
    procedure = fields.Integer(required=True, metadata={"description": "办案程序"})
    documents = fields.Integer(required=True, metadata={"description": "法律文书"})


@register("case.evaluated", 1)
class CaseEvaluated(_CaseRef):
    class Meta:
        title = "案件已评查"
        description = "案管部门完成一次案件质量评查时发出；评查结果须送达承办检察官。"

    handler_id = fields.String(required=True, allow_none=True, metadata={"description": "承办人用户编号"})
    evaluation_id = fields.String(required=True, metadata={"description": "评查记录编号"})
    period = fields.String(required=True, metadata={"description": "评查期间，如 2026-Q3"})
    mode = code(enums.EVALUATION_MODES, required=True, metadata={"description": "评查方式代码"})
    grade = code(enums.EVALUATION_GRADES, required=True, metadata={"description": "评查等次代码"})
    scores = fields.Nested(_Scores, required=True, metadata={"description": "分项得分"})
    comments = fields.String(required=True, metadata={"description": "评查意见"})
    evaluator_id = fields.String(required=True, metadata={"description": "评查人用户编号"})

    example = {**_CASE, "handler_id": "9b1e7c2a5d3f4e6a8b0c1d2e3f4a5b6c", "evaluation_id": "e1d2c3b4a5f6e7d8c9b0a1f2e3d4c5b6",
               "period": "2026-Q3", "mode": "routine", "grade": "excellent", "scores": _SCORES,
               "comments": "事实清楚，证据确实充分", "evaluator_id": "3a4b5c6d7e8f9a0b1c2d3e4f5a6b7c8d"}


@register("case.key_evaluation_flagged", 1)
class KeyEvaluationFlagged(_CaseRef):
    class Meta:
        title = "案件列为重点评查"
        description = "案件出现捕后不诉或处理决定改变时自动发出，每个新原因一次。"

    handler_id = fields.String(required=True, allow_none=True, metadata={"description": "承办人用户编号"})
    reasons = fields.List(code(enums.KEY_EVALUATION_REASONS), required=True,
                          metadata={"description": "全部原因代码（含此前已有的）"})
    new_reasons = fields.List(code(enums.KEY_EVALUATION_REASONS), required=True,
                              metadata={"description": "本次新增的原因代码"})

    example = {**_CASE, "handler_id": "9b1e7c2a5d3f4e6a8b0c1d2e3f4a5b6c",
               "reasons": ["non_prosecution_after_arrest"], "new_reasons": ["non_prosecution_after_arrest"]}


@register("data_check.finding_opened", 1)
class FindingOpened(_CaseRef):
    class Meta:
        title = "数据核查发现问题"
        description = "数据核查（卡表不一）发现新问题、或已消除的问题再次出现时发出；问题的责任人是案件承办人。"

    finding_id = fields.String(required=True, metadata={"description": "核查问题编号"})
    rule = fields.String(required=True, metadata={"description": "核查规则名称"})
    subject = fields.String(required=True, metadata={"description": "问题所在：case 或 suspect:<编号>"})
    message = fields.String(required=True, metadata={"description": "问题说明"})
    owner_id = fields.String(required=True, allow_none=True, metadata={"description": "责任人（承办人）用户编号"})

    example = {**_CASE, "finding_id": "suspect_without_charge:7c3e1a9f5b2d4c6e8a0b1c2d3e4f5a6b",
               "rule": "suspect_without_charge", "subject": f"suspect:{_SUSPECT_ID}",
               "message": "犯罪嫌疑人王某未填录罪名", "owner_id": "9b1e7c2a5d3f4e6a8b0c1d2e3f4a5b6c"}
