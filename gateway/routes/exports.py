"""Data exports with approval (模型数据调取审批): the exports service behind HTTP.

Anyone signed in may ask; only the chief procurator approves or rejects (the service checks again,
and that nobody decides their own request); only the requester downloads, within the expiry and
the download limit. The file download is marked as personal data in the access ledger (台账)."""
from urllib.parse import quote

from werkzeug.wrappers import Response

from contracts.rpc import exports_v1
from gateway.http import route
from gateway.ledger import PERSONAL
from kit.rpc_client import BoundedRpcProxy

APPROVER = ("chief_procurator",)


class ExportRoutes:
    exports = BoundedRpcProxy("exports")

    @route("POST", "/v1/exports", body=exports_v1.NewExport, response=exports_v1.Export, status=201,
           summary="申请数据导出（数据集、筛选条件、用途、字段；待检察长审批）", tag="exports")
    def request_export(self, request, body):
        return self.exports.request_export(body=body)

    @route("GET", "/v1/exports", query=exports_v1.ExportQuery, response=exports_v1.ExportPage,
           summary="数据导出申请列表（检察长、检务督察、管理员看全部；其他人看本人的）", tag="exports")
    def list_exports(self, request, query):
        return self.exports.list_exports(query=query)

    @route("GET", "/v1/exports/<export_id>", response=exports_v1.Export, summary="数据导出申请详情", tag="exports")
    def get_export(self, request, export_id):
        return self.exports.get_export(export_id=export_id)

    @route("POST", "/v1/exports/<export_id>/approve", roles=APPROVER, body=exports_v1.ApproveExport,
           response=exports_v1.Export, summary="批准数据导出（检察长；可批准导出完整身份证号，默认脱敏）",
           tag="exports", errors=(409,))
    def approve_export(self, request, export_id, body):
        return self.exports.approve_export(export_id=export_id, body=body)

    @route("POST", "/v1/exports/<export_id>/reject", roles=APPROVER, body=exports_v1.RejectExport,
           response=exports_v1.Export, summary="驳回数据导出申请（检察长；申请人可重新申请）", tag="exports",
           errors=(409,))
    def reject_export(self, request, export_id, body):
        return self.exports.reject_export(export_id=export_id, body=body)

    @route("GET", "/v1/exports/<export_id>/file",
           summary="下载导出文件（CSV，UTF-8 带 BOM；仅申请人，批准后有效期内、限定次数内）", tag="exports",
           errors=(409,))
    def download_export(self, request, export_id):
        file = self.exports.download_export(export_id=export_id)
        request.environ[PERSONAL] = True  # an export is a read of personal data in the ledger (台账)
        return Response(file["content"].encode("utf-8"), status=200, content_type="text/csv; charset=utf-8",
                        headers={"Content-Disposition": f"attachment; filename=\"{quote(file['filename'])}\"",
                                 "X-Export-Download": str(file["download"])})
