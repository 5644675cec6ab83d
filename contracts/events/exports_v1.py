"""Events published by the ``exports`` service (exchange ``exports.events``), payload version 1.

Each carries a copy of what the export is (dataset, fields, purpose, requester), so a consumer (the
ledger's readers, a future notification of the chief procurator) never calls back."""
from marshmallow import Schema, fields

from contracts import enums
from contracts.envelope import register
from contracts.fields import code, utc_datetime

SOURCE = "exports"

_EXPORT = {"export_id": "0f1e2d3c4b5a69788796a5b4c3d2e1f0", "dataset": "cases",
           "fields": ["case_no", "title", "suspect_id_number"], "purpose": "办案质量分析模型训练",
           "requested_by": "7a6b5c4d3e2f1a0b9c8d7e6f5a4b3c2d"}


class _ExportRef(Schema):
    export_id = fields.String(required=True, metadata={"description": "数据导出申请编号"})
    dataset = code(enums.EXPORT_DATASETS, required=True, metadata={"description": "数据集"})
    fields_ = fields.List(fields.String(), data_key="fields", required=True,
                          metadata={"description": "申请（批准）导出的字段"})
    purpose = fields.String(required=True, metadata={"description": "用途"})
    requested_by = fields.String(required=True, metadata={"description": "申请人用户编号"})


@register("export.requested", 1)
class ExportRequested(_ExportRef):
    class Meta:
        title = "数据导出已申请"
        description = "有人申请调取数据（待检察长审批）时发出。"

    filters = fields.Dict(required=True, metadata={"description": "筛选条件"})

    example = {**_EXPORT, "filters": {"department": "criminal"}}


@register("export.approved", 1)
class ExportApproved(_ExportRef):
    class Meta:
        title = "数据导出已批准"
        description = "检察长批准数据导出时发出；申请人此后可在有效期内、限定次数内下载。"

    approved_by = fields.String(required=True, metadata={"description": "审批人用户编号"})
    comment = fields.String(required=True, metadata={"description": "审批意见"})
    include_id_numbers = fields.Boolean(required=True, metadata={"description": "是否批准导出完整身份证号"})
    expires_at = utc_datetime(required=True, metadata={"description": "下载截止时间（UTC）"})
    download_limit = fields.Integer(strict=True, required=True, metadata={"description": "允许下载次数"})

    example = {**_EXPORT, "approved_by": "1a2b3c4d5e6f7a8b9c0d1e2f3a4b5c6d", "comment": "同意，仅限模型训练使用",
               "include_id_numbers": False, "expires_at": "2026-12-03T02:00:00+00:00", "download_limit": 3}


@register("export.rejected", 1)
class ExportRejected(_ExportRef):
    class Meta:
        title = "数据导出已驳回"
        description = "检察长驳回数据导出申请时发出；申请人可修改后重新申请（新的申请）。"

    rejected_by = fields.String(required=True, metadata={"description": "审批人用户编号"})
    comment = fields.String(required=True, metadata={"description": "驳回理由"})

    example = {**_EXPORT, "rejected_by": "1a2b3c4d5e6f7a8b9c0d1e2f3a4b5c6d", "comment": "用途不明确，请补充说明"}


@register("export.downloaded", 1)
class ExportDownloaded(_ExportRef):
    class Meta:
        title = "导出文件已下载"
        description = "申请人下载已批准的导出文件时发出（每次下载一条）。"

    downloaded_by = fields.String(required=True, metadata={"description": "下载人用户编号"})
    download = fields.Integer(strict=True, required=True, metadata={"description": "第几次下载"})
    download_limit = fields.Integer(strict=True, required=True, metadata={"description": "允许下载次数"})
    rows = fields.Integer(strict=True, required=True, metadata={"description": "文件中的数据行数"})
    include_id_numbers = fields.Boolean(required=True, metadata={"description": "文件是否含完整身份证号"})

    example = {**_EXPORT, "downloaded_by": "7a6b5c4d3e2f1a0b9c8d7e6f5a4b3c2d", "download": 1, "download_limit": 3,
               "rows": 120, "include_id_numbers": False}
