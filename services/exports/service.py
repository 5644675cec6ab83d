"""Entrypoints of the exports service (模型数据调取审批): request, approve or reject, download.

Rows come from the service that owns the dataset (``owners.OwnerCalls``: bounded RPC to its
``export_rows``), at each download; the file is built here and handed to the gateway, never stored."""
from nameko.dependency_providers import Config

from contracts.rpc import exports_v1 as contract
from contracts.rpc.exports_v1 import DATASETS
from kit import clock
from kit.context import RequestContext
from kit.entrypoints import HealthCheck, command, query
from kit.storage import Storage
from services.exports import domain, policy
from services.exports.owners import OwnerCalls
from services.exports.storage import INDEXES, ExportStore


class ExportsService(HealthCheck):
    name = "exports"

    ctx = RequestContext()
    store = Storage(ExportStore, INDEXES)
    config = Config()
    owners = OwnerCalls()

    def _setting(self, key, default):
        return int(self.config.get(key) or default)

    @command(body=contract.NewExport, response=contract.Export)
    def request_export(self, actor, body):
        export, events = domain.new_export(body, actor, clock.now())
        return self.store.exports.insert(export, events)

    @query(response=contract.Export)
    def get_export(self, actor, export_id):
        export = self.store.exports.get(export_id)
        policy.ensure_can_view(actor, export)
        return export

    @query(query=contract.ExportQuery, response=contract.ExportPage)
    def list_exports(self, actor, query):
        requested_by = policy.list_scope(actor, query.pop("requested_by"))
        items, next_cursor = self.store.search(requested_by=requested_by, **query)
        return {"items": items, "next_cursor": next_cursor}

    @command(body=contract.ApproveExport, response=contract.Export)
    def approve_export(self, actor, export_id, body):
        expiry_days = self._setting("EXPORT_EXPIRY_DAYS", domain.DEFAULT_EXPIRY_DAYS)
        limit = self._setting("EXPORT_DOWNLOAD_LIMIT", domain.DEFAULT_DOWNLOAD_LIMIT)

        def decide(export):
            policy.ensure_can_decide(actor, export)
            return domain.approve(export, body, actor, clock.now(), expiry_days, limit)
        return self.store.exports.change(export_id, decide)

    @command(body=contract.RejectExport, response=contract.Export)
    def reject_export(self, actor, export_id, body):
        def decide(export):
            policy.ensure_can_decide(actor, export)
            return domain.reject(export, body, actor, clock.now())
        return self.store.exports.change(export_id, decide)

    @command(response=contract.ExportFile)
    def download_export(self, actor, export_id):
        """Check, fetch the rows, then count: a download that fails to get its rows uses up nothing,
        and the count (atomic, storage.count_download) decides among concurrent ones."""
        export = self.store.exports.get(export_id)
        policy.ensure_can_download(actor, export)
        domain.ensure_downloadable(export, clock.now())
        answer = self.owners(DATASETS[export["dataset"]].service, query={
            "dataset": export["dataset"], "filters": export["filters"], "fields": export["fields"],
            "requester": domain.requester(export, actor),
            "include_id_numbers": export["include_id_numbers"],
            "limit": min(self._setting("EXPORT_MAX_ROWS", 10_000), contract.MAX_ROWS)}, export_id=export_id)
        rows = answer["rows"]
        now = clock.now()
        counted = self.store.count_download(
            export, now, lambda doc: domain.downloaded_event(doc, actor, doc["downloads"], len(rows)))
        if counted is None:  # another download took the last one, or it expired meanwhile: say which
            domain.ensure_downloadable(self.store.exports.get(export_id), now)
            domain.ensure_downloadable({**export, "downloads": export["download_limit"]}, now)
        return {"filename": domain.filename(export), "download": counted["downloads"],
                "content": domain.build_csv(counted, rows, download=counted["downloads"],
                                            truncated=bool(answer.get("truncated")), now=now)}
