"""The exports service's own database: the only module that touches it.

Collections: ``exports`` (versioned aggregates: the request, its decision and its download count) and
the kit's ``outbox``. The file itself is never stored: it is built from the owning service's rows at
each download, so the database holds no copy of the exported data.

The download limit: a download counts with one conditional update — approved, not expired, and
``downloads`` still below the limit — that increments the count, in the transaction that writes its
``export.downloaded`` event. Concurrent downloads all pass that condition only while the count is
below the limit: the database serialises the writes of one document, so the limit holds however
many arrive at once (tests/integration/exports).
"""
from pymongo import ASCENDING, DESCENDING, IndexModel, ReturnDocument

from kit.aggregate import Aggregates
from kit.pagination import paginate
from kit.storage import Store
from services.exports import domain

EXPORTS = "exports"
_LIST = [("created_at", DESCENDING), ("_id", DESCENDING)]

INDEXES = {
    EXPORTS: [
        IndexModel(_LIST),
        IndexModel([("status", ASCENDING), *_LIST]),
        IndexModel([("dataset", ASCENDING), *_LIST]),
        IndexModel([("requested_by", ASCENDING), *_LIST]),
        IndexModel([("requested_by", ASCENDING), ("status", ASCENDING), *_LIST]),
    ],
}


class ExportStore(Store):
    def __init__(self, db, outbox):
        super().__init__(db, outbox)
        self.exports = Aggregates(self, EXPORTS, not_found="数据导出申请不存在")

    def search(self, *, status, dataset, requested_by, limit, cursor):
        query = {key: value for key, value in
                 (("status", status), ("dataset", dataset), ("requested_by", requested_by)) if value}
        return paginate(self.exports.collection, query, limit, cursor)

    def count_download(self, export, now, event_of):
        """Count one download of ``export`` if it is still allowed now; its event in the same
        transaction. Returns the export as counted, or None when the limit, the expiry or the
        status no longer allows it (the caller reads it again to say which)."""
        def work(session):
            counted = self.exports.collection.find_one_and_update(
                {"_id": export["_id"], "status": domain.APPROVED, "expires_at": {"$gt": now},
                 "downloads": {"$lt": export["download_limit"]}},
                {"$inc": {"downloads": 1, "version": 1}, "$set": {"updated_at": now, "last_downloaded_at": now}},
                return_document=ReturnDocument.AFTER, session=session)
            if counted is None:
                return None
            self.emit(session, export["_id"], [event_of(counted)], aggregate_version=counted["version"])
            return counted
        return self.transaction(work)
