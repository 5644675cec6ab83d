"""Rules of a data export, free of any broker or database: the request (fields and filters checked
against the dataset's registry), the chief procurator's decision, when a file may be downloaded,
and the CSV file itself.

State machine: ``pending_approval`` → ``approved`` | ``rejected``; both final. A rejected request
is not reopened: the requester asks again, which is a new export with its own approval.
An approved export can be downloaded by its requester until ``expires_at`` (approval +
EXPORT_EXPIRY_DAYS) at most ``download_limit`` (EXPORT_DOWNLOAD_LIMIT) times; both are fixed at
approval, so a later change of configuration does not alter what was approved.
"""
import csv
import io
import uuid
from datetime import date, datetime, timedelta

from marshmallow import ValidationError

from contracts.enums import DEPARTMENTS, EXPORT_DATASETS
from contracts.rpc.exports_v1 import DATASETS
from kit import clock
from kit.errors import Conflict, ValidationFailed

PENDING, APPROVED, REJECTED = "pending_approval", "approved", "rejected"
DEFAULT_EXPIRY_DAYS = 7
DEFAULT_DOWNLOAD_LIMIT = 3
BOM = "\ufeff"  # so spreadsheet programs read the file as UTF-8 (Chinese text intact)
# A cell starting with one of these is a formula to a spreadsheet program: never let data run as one.
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def _invalid(name, message):
    return ValidationFailed("请求参数有误", fields={name: [message] if isinstance(message, str) else message})


def dataset_of(name):
    dataset = DATASETS[name]
    if not dataset.available:
        raise _invalid("dataset", f"数据集“{EXPORT_DATASETS[name]}”暂未开放导出")
    return dataset


def checked_fields(dataset, requested):
    """The requested columns, in the order asked, if every one is exportable from ``dataset``."""
    unknown = [name for name in requested if name not in dataset.columns]
    if unknown:
        raise _invalid("fields", "不可导出的字段：" + "、".join(unknown) + "；可选：" + "、".join(dataset.columns))
    if len(set(requested)) != len(requested):
        raise _invalid("fields", "字段重复")
    return list(requested)


def checked_filters(dataset, filters):
    """The filters loaded with the dataset's schema, stored as JSON values (dates as ISO text)."""
    try:
        loaded = dataset.filters().load(filters or {})
    except ValidationError as exc:
        raise ValidationFailed("请求参数有误", fields={"filters": exc.normalized_messages()}) from None
    stored = {}
    for key, value in dataset.filters().dump(loaded).items():
        if value is not None:
            stored[key] = value
    return stored


def _ref(export):
    return {"export_id": export["_id"], "dataset": export["dataset"], "fields": list(export["fields"]),
            "purpose": export["purpose"], "requested_by": export["requested_by"]}


def _id_number_scope(actor):
    """Who sees a case's id numbers unmasked through the API (services/cases/policy.py
    may_see_personal_data): its handler, the head of its department, admin. An approval with id
    numbers unmasks no more than that for the requester."""
    if actor.is_admin:
        return "all", "批准含身份证号时完整导出"
    if actor.has_any_role("department_head"):
        return "own_department_and_handled", "批准含身份证号时，仅本部门案件及本人承办的案件完整导出，其余脱敏"
    return "handled", "批准含身份证号时，仅本人承办的案件完整导出，其余脱敏"


def scope_of(dataset, fields, actor):
    """What the export can hold for this requester, for the approver to see before deciding: the rows
    the requester may read through the API, and where id numbers could be unmasked."""
    scope = dataset.scope(actor)
    if scope["all_departments"]:
        summary = "全部部门的数据" if dataset.scoped else "全部数据（该数据集不分部门）"
    else:
        summary = f"仅{DEPARTMENTS.get(scope['department'], scope['department'] or '未知部门')}的数据"
        if dataset.own_label:
            summary += f"及{dataset.own_label}"
    id_numbers = None
    if set(dataset.personal) & set(fields):
        id_numbers, said = _id_number_scope(actor)
        summary += "；" + said
    return {**scope, "id_numbers": id_numbers, "summary": summary}


def new_export(body, actor, now):
    dataset = dataset_of(body["dataset"])
    fields = checked_fields(dataset, body["fields_"])
    filters = checked_filters(dataset, body["filters"])
    dataset.ensure_filters_in_scope(filters, actor)
    export = {"_id": uuid.uuid4().hex, "dataset": dataset.name, "fields": fields,
              "filters": filters, "purpose": body["purpose"], "status": PENDING,
              "requested_by": actor.user_id, "requester_department": actor.department,
              "requester_roles": sorted(actor.roles), "scope": scope_of(dataset, fields, actor), "comment": None,
              "decided_by": None, "decided_at": None, "include_id_numbers": False, "expires_at": None,
              "download_limit": None, "downloads": 0, "created_at": now, "updated_at": now}
    return export, [("export.requested", {**_ref(export), "filters": export["filters"]})]


def _ensure_pending(export):
    if export["status"] != PENDING:
        raise Conflict("该申请已审批，不能再次审批", fields={"status": [f"当前状态：{export['status']}"]})


def approve(export, body, actor, now, expiry_days=DEFAULT_EXPIRY_DAYS, download_limit=DEFAULT_DOWNLOAD_LIMIT):
    _ensure_pending(export)
    personal = set(DATASETS[export["dataset"]].personal) & set(export["fields"])
    # Only meaningful where the fields hold id numbers; otherwise there is nothing to include.
    include = bool(body["include_id_numbers"]) and bool(personal)
    changes = {"status": APPROVED, "comment": body["comment"], "decided_by": actor.user_id, "decided_at": now,
               "include_id_numbers": include, "expires_at": now + timedelta(days=int(expiry_days)),
               "download_limit": int(download_limit)}
    event = {**_ref(export), "approved_by": actor.user_id, "comment": body["comment"], "include_id_numbers": include,
             "expires_at": changes["expires_at"].isoformat(), "download_limit": changes["download_limit"]}
    return changes, [("export.approved", event)]


def reject(export, body, actor, now):
    _ensure_pending(export)
    changes = {"status": REJECTED, "comment": body["comment"], "decided_by": actor.user_id, "decided_at": now}
    return changes, [("export.rejected", {**_ref(export), "rejected_by": actor.user_id, "comment": body["comment"]})]


def ensure_downloadable(export, now):
    """Conflict (409) naming why the file cannot be had now: not approved, expired, or used up."""
    if export["status"] == PENDING:
        raise Conflict("申请尚未审批，不能下载", fields={"status": ["待审批"]})
    if export["status"] != APPROVED:
        raise Conflict("申请已被驳回，不能下载；如仍需要，请重新申请", fields={"status": ["已驳回"]})
    if now >= export["expires_at"]:
        raise Conflict("导出文件已过有效期，请重新申请", fields={"expires_at": ["已过期"]})
    if export["downloads"] >= export["download_limit"]:
        raise Conflict(f"下载次数已用完（最多 {export['download_limit']} 次），请重新申请",
                       fields={"downloads": [f"已下载 {export['downloads']} 次"]})


def requester(export, actor):
    """The identity the owning service scopes the rows by: the requester as they were when they asked.
    A requester whose roles or department changed since asks again (409 naming ``scope``): the
    approver judged the scope of the request, not a later one."""
    roles = export.get("requester_roles")
    if roles is None:  # an export requested before scopes were recorded: as the requester is now
        return {"user_id": actor.user_id, "roles": sorted(actor.roles), "department": actor.department}
    if sorted(actor.roles) != sorted(roles) or (actor.department or "") != (export.get("requester_department") or ""):
        raise Conflict("申请人的角色或部门已变化，原批准的导出范围不再适用，请重新申请",
                       fields={"scope": ["申请人的角色或部门已变化"]})
    return {"user_id": export["requested_by"], "roles": list(roles), "department": export.get("requester_department")}


def downloaded_event(export, actor, download, rows):
    return ("export.downloaded", {**_ref(export), "downloaded_by": actor.user_id, "download": download,
                                  "download_limit": export["download_limit"], "rows": rows,
                                  "include_id_numbers": bool(export["include_id_numbers"])})


def _cell(value):
    if value is None:
        return ""
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, (int, float)):
        return value
    if isinstance(value, (list, tuple)):
        value = "、".join(str(item) for item in value)
    elif isinstance(value, (date, datetime)):
        value = value.isoformat()
    text = str(value)
    return "'" + text if text.startswith(_FORMULA_START) else text


def build_csv(export, rows, *, download, truncated, now):
    """The file: BOM, a line naming the export and its requester, the column headers, the rows
    (only the approved fields, in the approved order)."""
    columns = DATASETS[export["dataset"]].columns
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    meta = ["导出编号", export["_id"], "申请人", export["requested_by"], "数据集", EXPORT_DATASETS[export["dataset"]],
            "导出时间", now.astimezone(clock.SHANGHAI).isoformat(timespec="seconds"),
            "下载次数", f"{download}/{export['download_limit']}",
            "身份证号", "完整" if export["include_id_numbers"] else "已脱敏"]
    if truncated:
        meta += ["已截断", f"仅含前 {len(rows)} 行"]
    writer.writerow(meta)
    writer.writerow([columns[name] for name in export["fields"]])
    for row in rows:
        writer.writerow([_cell(value) for value in row])
    return BOM + out.getvalue()


def filename(export):
    return f"export-{export['_id']}.csv"
