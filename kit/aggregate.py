"""Aggregates with a ``version``: read → decide → write-if-unchanged → outbox, in one place.

A service's rules stay pure functions ``decide(doc) -> (changes, events)``; this module does the
rest: the insert or the optimistic-lock update and the events commit in one transaction, and a
change that lost a race against another writer is decided again on the fresh document (callers
send no version, so a concurrent change is not theirs to resolve; the rules still apply to the
new state). Each event carries the aggregate's version after the change.
"""
from pymongo.errors import DuplicateKeyError

from kit.errors import Conflict, NotFound
from kit import clock

ATTEMPTS = 5


class _Stale(Exception):
    """The document changed between read and write (never leaves this module)."""


class Aggregates:
    """One collection of versioned documents of a store (``Store``): ``insert``, ``get``, ``change``.

    ``not_found`` is the zh-CN message of a 404; ``duplicate(doc)`` turns a unique-index clash on
    insert into the Conflict to raise (field and message), or None to let it propagate."""

    def __init__(self, store, collection, *, not_found, duplicate=None):
        self.store = store
        self.collection = store.db[collection]
        self.not_found = not_found
        self.duplicate = duplicate

    def insert(self, doc, events):
        """Insert a new document (version 1) with its events."""
        doc.setdefault("version", 1)

        def work(session):
            self.collection.insert_one(doc, session=session)
            self.store.emit(session, doc["_id"], events, aggregate_version=doc["version"])
        try:
            self.store.transaction(work)
        except DuplicateKeyError:
            conflict = self.duplicate(doc) if self.duplicate else None
            if conflict is None:
                raise
            raise conflict from None
        return doc

    def get(self, doc_id):
        doc = self.collection.find_one({"_id": doc_id})
        if doc is None:
            raise NotFound(self.not_found)
        return doc

    def change(self, doc_id, decide, attempts=ATTEMPTS):
        """``decide(doc) -> (changes, events)``, applied if nobody changed the document meanwhile;
        otherwise read and decide again, up to ``attempts`` times (then 409)."""
        for attempt in range(attempts):
            doc = self.get(doc_id)
            changes, events = decide(doc)
            try:
                return self._write_if_unchanged(doc, changes, events)
            except _Stale:
                if attempt == attempts - 1:
                    raise Conflict("数据正被他人同时修改，请稍后重试") from None

    def _write_if_unchanged(self, doc, changes, events):
        if not changes and not events:
            return doc
        changes = {**changes, "updated_at": clock.now()}
        new_version = doc["version"] + 1

        def work(session):
            result = self.collection.update_one({"_id": doc["_id"], "version": doc["version"]},
                                                {"$set": changes, "$inc": {"version": 1}}, session=session)
            if result.matched_count != 1:
                raise _Stale()
            self.store.emit(session, doc["_id"], events, aggregate_version=new_version)
        self.store.transaction(work)
        return {**doc, **changes, "version": new_version}
