"""Data exports (模型数据调取审批): the RPC/HTTP bodies of the exports service, and the registry of
datasets that can be exported — which service owns each, its columns (code → zh-CN header), which of
them are personal data, and the filters it takes.

The registry is shared on purpose: the exports service checks a request's ``fields`` and ``filters``
against it (400 naming the field, before anything is written), and the owning service checks them
again when it builds the rows (``export_rows``), so a column outside the list can never be produced.

Adding a dataset: give its ``Dataset`` row ``columns`` and a ``filters`` schema here, and add the
query ``export_rows(actor, export_id, query)`` (``ExportRowsQuery`` → ``ExportRows``) to the owning
service (see services/cases/service.py and services/cases/exports.py). A dataset without columns
is accepted by the contract and a request for it is a 400 naming ``dataset``.
"""
from dataclasses import dataclass, field
from datetime import datetime, time, timedelta, timezone

from marshmallow import Schema, ValidationError, fields, pre_load, validate, validates_schema

from contracts import enums
from contracts.fields import StrictBoolean, code, day, line, text
from contracts.rpc.common import PageQuery
from kit import clock
from kit.context import Actor
from kit.errors import Forbidden, ValidationFailed

EXPORT_ROWS = "export_rows"  # the query every owning service offers
MAX_ROWS = 50_000  # upper bound of EXPORT_MAX_ROWS: one file, one RPC reply


class CaseFilters(Schema):
    department = code(enums.DEPARTMENTS, load_default=None)
    category = code(enums.CASE_CATEGORIES, load_default=None)
    status = code(enums.CASE_STATUSES, load_default=None)
    from_ = day(data_key="from", load_default=None, metadata={"description": "登记日期起（含）"})
    to = day(load_default=None, metadata={"description": "登记日期止（含）"})

    @validates_schema
    def _ordered(self, data, **kwargs):
        if data.get("from_") and data.get("to") and data["from_"] > data["to"]:
            raise ValidationError("结束日期不能早于开始日期", "to")


class BudgetFilters(Schema):
    year = fields.Integer(strict=True, load_default=None, validate=validate.Range(min=2000, max=2100))
    department = code(enums.DEPARTMENTS, load_default=None)
    category = code(enums.BUDGET_CATEGORIES, load_default=None)
    status = code(enums.BUDGET_REQUEST_STATUSES, load_default=None)


class RecommendationFilters(Schema):
    department = code(enums.DEPARTMENTS, load_default=None, metadata={"description": "制发部门"})
    kind = code(enums.RECOMMENDATION_KINDS, load_default=None)
    status = code(enums.RECOMMENDATION_STATUSES, load_default=None)
    from_ = day(data_key="from", load_default=None, metadata={"description": "起草日期起（含）"})
    to = day(load_default=None, metadata={"description": "起草日期止（含）"})

    @validates_schema
    def _ordered(self, data, **kwargs):
        if data.get("from_") and data.get("to") and data["from_"] > data["to"]:
            raise ValidationError("结束日期不能早于开始日期", "to")


class FindingFilters(Schema):
    """Findings of on-site inspections. They belong to no department (the inspection office records
    them on institutions), so there is no department filter; ``from``/``to`` are inspection days."""
    status = code(enums.INSPECTION_FINDING_STATUSES, load_default=None)
    severity = code(enums.FINDING_SEVERITIES, load_default=None)
    category = code(enums.INSPECTION_CATEGORIES, load_default=None)
    target_kind = code(enums.INSPECTION_TARGET_KINDS, load_default=None)
    from_ = day(data_key="from", load_default=None, metadata={"description": "检查日期起（含）"})
    to = day(load_default=None, metadata={"description": "检查日期止（含）"})

    @validates_schema
    def _ordered(self, data, **kwargs):
        if data.get("from_") and data.get("to") and data["from_"] > data["to"]:
            raise ValidationError("结束日期不能早于开始日期", "to")


@dataclass(frozen=True)
class Dataset:
    name: str
    service: str  # the service that owns the data and answers ``export_rows``
    columns: dict = None  # code -> zh-CN header, in the file's order of preference; None: no export yet
    filters: type = None
    personal: tuple = field(default_factory=tuple)  # masked unless the approval includes id numbers
    # Department scope (issue 19): a department-scoped requester (prosecutor, department head) gets
    # only the rows they may read through the API — their department's, plus the ones they own
    # (``own_field``: the case's handler, the recommendation's drafter) — whatever the filters say.
    scoped: bool = False
    own_field: str = None
    own_label: str = None  # zh-CN: "本人承办的案件"

    @property
    def available(self):
        return self.columns is not None

    # -- the requester's scope ------------------------------------------------------------------------
    def scope(self, requester):
        """What of this dataset ``requester`` (an Actor) may read through the API: every department,
        or one department (plus the rows they own)."""
        if not self.scoped or requester.sees_all_departments:
            return {"all_departments": True, "department": None, "own_records": None}
        return {"all_departments": False, "department": requester.department, "own_records": self.own_field}

    def scope_condition(self, requester):
        """The query condition of that scope (None: no restriction)."""
        scope = self.scope(requester)
        if scope["all_departments"]:
            return None
        alternatives = [{"department": scope["department"]}]
        if self.own_field:
            alternatives.append({self.own_field: requester.user_id})
        return alternatives[0] if len(alternatives) == 1 else {"$or": alternatives}

    def restrict(self, selector, requester):
        """``selector`` narrowed to the requester's scope: the filters can only narrow it further."""
        condition = self.scope_condition(requester)
        if condition is None:
            return selector
        return {"$and": [selector, condition]} if selector else condition

    def ensure_filters_in_scope(self, filters, requester):
        """A department filter outside the requester's scope is refused when the export is requested,
        as the same list through the API is (403 naming ``filters``)."""
        department = (filters or {}).get("department")
        scope = self.scope(requester)
        if department and not scope["all_departments"] and department != scope["department"]:
            raise Forbidden("无权导出其他部门的数据", fields={"filters": {"department": ["只能导出本部门的数据"]}})

    def ensure_export_call(self, actor, export_id):
        """Only the exports service, naming the approved export it acts for, gets this dataset's rows."""
        if EXPORT_SERVICE_ROLE not in actor.roles or not export_id:
            raise Forbidden(f"仅经批准的数据导出可调取数据集 {self.name}")

    def checked(self, query):
        """(fields, loaded filters) of an ``export_rows`` query, checked again by the owning service
        against this registry, so a column outside it can never leave; ValidationFailed names the field."""
        if query["dataset"] != self.name:
            raise ValidationFailed("请求参数有误", fields={"dataset": [f"本服务只提供数据集 {self.name}"]})
        unknown = [name for name in query["fields_"] if name not in self.columns]
        if unknown:
            raise ValidationFailed("请求参数有误", fields={"fields": ["不可导出的字段：" + "、".join(unknown)]})
        try:
            filters = self.filters().load(query["filters"] or {})
        except ValidationError as exc:
            raise ValidationFailed("请求参数有误", fields={"filters": exc.normalized_messages()}) from None
        return list(query["fields_"]), filters


def day_range(from_, to):
    """The ``created_at`` condition for Asia/Shanghai days ``from_``..``to`` (either may be None):
    the UTC instants those days begin and the one after ``to`` ends; None when neither is given."""
    condition = {}
    if from_:
        condition["$gte"] = datetime.combine(from_, time(0, 0), tzinfo=clock.SHANGHAI).astimezone(timezone.utc)
    if to:
        condition["$lt"] = datetime.combine(to + timedelta(days=1), time(0, 0),
                                            tzinfo=clock.SHANGHAI).astimezone(timezone.utc)
    return condition or None


DATASETS = {d.name: d for d in (
    Dataset("cases", "cases", scoped=True, own_field="handler_id", own_label="本人承办的案件", columns={
        "case_no": "案号", "title": "案件名称", "category": "案件类别", "department": "承办部门",
        "status": "案件状态", "handler_id": "承办人编号", "registered_on": "登记日期", "decided_on": "决定日期",
        "suspect_count": "犯罪嫌疑人人数", "suspect_name": "犯罪嫌疑人姓名",
        "suspect_id_number": "犯罪嫌疑人身份证号", "suspect_charges": "涉嫌罪名", "suspect_decision": "处理决定",
    }, filters=CaseFilters, personal=("suspect_id_number",)),
    Dataset("budget", "budgeting", scoped=True, columns={
        "request_id": "申请编号", "year": "预算年度", "department": "申请部门", "category": "预算科目",
        "title": "项目名称", "amount_fen": "申请金额（分）", "approved_amount_fen": "批准金额（分）",
        "committed_fen": "占用金额（分）", "status": "申请状态", "requested_by": "申请人编号",
        "submitted_on": "提交日期", "decided_on": "决定日期",
    }, filters=BudgetFilters),
    # One row per recommendation (the recommendation card); codes as stored (GET /v1/meta/enums labels them).
    Dataset("recommendations", "recommendations", scoped=True, own_field="drafted_by",
            own_label="本人起草的检察建议", columns={
        "id": "建议编号", "case_id": "案件编号", "case_no": "案号", "kind": "建议类型", "department": "制发部门",
        "status": "建议状态", "target_unit": "被建议单位", "title": "建议标题", "drafted_by": "起草人编号",
        "drafted_on": "起草日期", "approved_by": "批准人编号", "served_on": "送达日期", "service_method": "送达方式",
        "reply_due_on": "回复期限", "replied_on": "回复日期", "adoption": "采纳情况", "replied_on_time": "是否按期回复",
        "overdue": "是否逾期未回复", "follow_up_count": "回访次数", "rectified_items_total": "整改事项数",
        "closed_on": "结案日期", "close_outcome": "结案结果",
    }, filters=RecommendationFilters),
    # One row per finding (hazard) of an on-site inspection, with the inspected institution.
    Dataset("inspections", "inspections", columns={
        "finding_id": "问题编号", "inspection_id": "检查编号", "target_name": "检查对象", "target_kind": "对象类型",
        "target_address": "对象地址", "inspected_on": "检查日期", "category": "检查类别", "severity": "隐患等级",
        "description": "问题描述", "rectify_by": "整改期限", "status": "整改状态", "rectified_on": "整改日期",
        "overdue": "是否逾期未整改", "reinspections": "回头看次数", "recorded_by": "登记人编号",
    }, filters=FindingFilters),
)}
assert set(DATASETS) == set(enums.EXPORT_DATASETS)


def _wire_names(data):
    # The gateway loads the body, then the service loads what it forwards: accept the attribute name
    # as well as the wire name ("fields" is taken by marshmallow's Schema).
    if isinstance(data, dict) and "fields_" in data:
        data = {**{k: v for k, v in data.items() if k != "fields_"}, "fields": data["fields_"]}
    return data


class NewExport(Schema):
    dataset = code(enums.EXPORT_DATASETS, required=True, metadata={"description": "数据集"})
    filters = fields.Dict(keys=fields.String(), load_default=dict,
                          metadata={"description": "筛选条件（随数据集而定：cases 为 department、category、status、"
                                                   "from、to；budget 为 year、department、category、status；"
                                                   "recommendations 为 department、kind、status、from、to；"
                                                   "inspections 为 status、severity、category、target_kind、"
                                                   "from、to）"})
    purpose = text(2, 500, required=True, metadata={"description": "用途（仅限批准的用途使用）"})
    fields_ = fields.List(line(1, 64), data_key="fields", required=True,
                          validate=validate.Length(min=1, max=50, error="应列出 {min} 到 {max} 个字段"),
                          metadata={"description": "申请导出的字段（须为该数据集可导出的字段）"})

    @pre_load
    def _loaded_before(self, data, **kwargs):
        return _wire_names(data)


class ApproveExport(Schema):
    comment = text(1, 500, required=True, metadata={"description": "审批意见"})
    include_id_numbers = StrictBoolean(load_default=False,
                                       metadata={"description": "是否批准导出完整身份证号（默认否：脱敏）"})


class RejectExport(Schema):
    comment = text(1, 500, required=True, metadata={"description": "驳回理由"})


class ExportQuery(PageQuery):
    status = code(enums.EXPORT_STATUSES, load_default=None)
    dataset = code(enums.EXPORT_DATASETS, load_default=None)
    requested_by = line(1, 64, load_default=None)


class Export(Schema):
    id = fields.String(attribute="_id")
    dataset = fields.String()
    filters = fields.Dict()
    purpose = fields.String()
    fields_ = fields.List(fields.String(), data_key="fields", attribute="fields")
    status = fields.String()
    requested_by = fields.String()
    requester_department = fields.String()
    comment = fields.String(allow_none=True, dump_default=None, metadata={"description": "审批意见或驳回理由"})
    decided_by = fields.String(allow_none=True, dump_default=None)
    decided_at = fields.DateTime(format="iso", allow_none=True, dump_default=None)
    include_id_numbers = fields.Boolean(dump_default=False)
    requester_roles = fields.List(fields.String(), dump_default=None, allow_none=True)
    scope = fields.Dict(dump_default=None, allow_none=True,
                        metadata={"description": "申请人按其权限可导出的范围（审批人据此审批）：all_departments、"
                                                 "department、own_records、id_numbers、summary（中文说明）"})
    expires_at = fields.DateTime(format="iso", allow_none=True, dump_default=None)
    download_limit = fields.Integer(allow_none=True, dump_default=None)
    downloads = fields.Integer(dump_default=0)
    version = fields.Integer()
    created_at = fields.DateTime(format="iso")
    updated_at = fields.DateTime(format="iso")


class ExportPage(Schema):
    items = fields.List(fields.Nested(Export))
    next_cursor = fields.String(allow_none=True)


class ExportFile(Schema):
    """What the exports service hands the gateway: the CSV text (its BOM first) and a file name."""
    filename = fields.String()
    content = fields.String()
    download = fields.Integer(metadata={"description": "第几次下载"})


# -- what an owning service answers (``export_rows``) ----------------------------------------------
class Requester(Schema):
    """Who asked for the export, as they were when they asked (the exports service refuses a download
    once their roles or department changed): the owning service applies this identity's read scope
    and unmasks id numbers only where this identity sees them unmasked."""
    user_id = fields.String(required=True)
    roles = fields.List(fields.String(), required=True)
    department = fields.String(required=True, allow_none=True)


def requester_of(query):
    """The Actor an ``export_rows`` query acts for (its scope, never the exports service's own)."""
    requester = query["requester"]
    return Actor(user_id=requester["user_id"], roles=tuple(requester["roles"]),
                 department=requester.get("department") or "")


class ExportRowsQuery(Schema):
    dataset = code(enums.EXPORT_DATASETS, required=True)
    requester = fields.Nested(Requester, required=True)
    filters = fields.Dict(keys=fields.String(), load_default=dict)
    fields_ = fields.List(fields.String(), data_key="fields", required=True, validate=validate.Length(min=1))

    @pre_load
    def _loaded_before(self, data, **kwargs):
        return _wire_names(data)
    include_id_numbers = StrictBoolean(load_default=False)
    limit = fields.Integer(strict=True, required=True, validate=validate.Range(min=1, max=MAX_ROWS))


class ExportRows(Schema):
    rows = fields.List(fields.List(fields.Raw()))
    truncated = fields.Boolean()


# The actor on the exports service's calls to ``export_rows``: no account can hold this role.
EXPORT_SERVICE_ROLE = "export_service"
EXPORTS_ACTOR = {"user_id": "service:exports", "roles": [EXPORT_SERVICE_ROLE], "department": ""}
