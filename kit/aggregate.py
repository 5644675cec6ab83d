"""Aggregates with a ``version``: read → decide → write-if-unchanged → outbox, in one place.

A service's rules stay pure functions ``decide(doc) -> (changes, events)``; this module does the
rest: the insert or the optimistic-lock update and the events commit in one transaction, and a
change that lost a race against another writer is decided again on the fresh document (callers
send no version, so a concurrent change is not theirs to resolve; the rules still apply to the
new state). Each event carries the aggregate's version after the change.

``journal(session, doc, changes, events, created)``, when given, runs in the same transaction after
each write (``doc`` as it was before a change, or as inserted): an append-only history, for example.

``sealed`` (a ``kit.sealing.SealedFields``), when given, encrypts those fields on every write and
decrypts them on every read here: rules, journals and events see plain values, the database never.

Several aggregates changed together (a suspect and its case) use ``stage_insert`` / ``stage_change``
inside one ``store.transaction``; ``Stale`` then means "decide again" for the whole of it.

A client that sends the version it read (HTTP ``If-Match``, carried in the worker's context for the
record of the route) gets ``PreconditionFailed`` (412) when the record is no longer at it, and
nothing is written: a change decided on what the client saw never overwrites what it did not see.
A client that sends none keeps the behaviour above.
"""
from pymongo.errors import DuplicateKeyError

from kit import clock, search
from kit.errors import Conflict, NotFound, PreconditionFailed

ATTEMPTS = 5


class Stale(Exception):
    """The document changed between read and write."""


class Aggregates:
    """One collection of versioned documents of a store (``Store``): ``insert``, ``get``, ``change``.

    ``not_found`` is the zh-CN message of a 404; ``duplicate(doc)`` turns a unique-index clash on
    insert into the Conflict to raise (field and message), or None to let it propagate.
    ``search_fields`` are the text fields a list searches by substring (kit/search.py): their grams
    are stored with each insert and each change of one of them."""

    def __init__(self, store, collection, *, not_found, duplicate=None, journal=None, sealed=None,
                 search_fields=()):
        self.store = store
        self.search_fields = tuple(search_fields)
        self.collection = store.db[collection]
        self.not_found = not_found
        self.duplicate = duplicate
        self.journal = journal
        self.sealed = sealed

    def opened(self, doc):
        """A document as read from the collection, its sealed fields decrypted."""
        return self.sealed.open(doc) if self.sealed and doc is not None else doc

    def _for_storage(self, values):
        return self.sealed.seal(values) if self.sealed else values

    def insert(self, doc, events):
        """Insert a new document (version 1) with its events."""
        try:
            self.store.transaction(lambda session: self.stage_insert(session, doc, events))
        except DuplicateKeyError:
            conflict = self.duplicate(doc) if self.duplicate else None
            if conflict is None:
                raise
            raise conflict from None
        return doc

    def get(self, doc_id, session=None):
        """The document, or NotFound; PreconditionFailed when the caller changes it from another
        version (``If-Match``): read here, before any rule is decided on it."""
        doc = self.collection.find_one({"_id": doc_id}, session=session)
        if doc is None:
            raise NotFound(self.not_found)
        self.check_expected(doc)
        return self.opened(doc)

    def change(self, doc_id, decide, attempts=ATTEMPTS):
        """``decide(doc) -> (changes, events)``, applied if nobody changed the document meanwhile;
        otherwise read and decide again, up to ``attempts`` times (then 409)."""
        return retrying(lambda: self._change_once(doc_id, decide), attempts)

    def check_expected(self, doc):
        """PreconditionFailed if the caller expects ``doc`` at another version (``If-Match``)."""
        outbox = self.store.outbox
        expected = outbox.expected_version(doc["_id"]) if outbox is not None else None
        if expected is not None and expected != doc["version"]:
            raise PreconditionFailed("记录已被他人修改，请刷新后重试",
                                     fields={"If-Match": [f"当前版本为 {doc['version']}，请求基于版本 {expected}"]},
                                     current_version=doc["version"])

    def _change_once(self, doc_id, decide):
        doc = self.get(doc_id)
        changes, events = decide(doc)
        if not changes and not events:
            return doc
        return self.store.transaction(lambda session: self.stage_change(session, doc, changes, events))

    # -- building blocks for a transaction of the caller's ------------------------------------------
    def stage_insert(self, session, doc, events):
        doc.setdefault("version", 1)
        if self.search_fields:
            doc[search.FIELD] = search.grams(*(doc.get(field) for field in self.search_fields))
        self.collection.insert_one(self._for_storage(doc), session=session)
        self.store.emit(session, doc["_id"], events, aggregate_version=doc["version"])
        if self.journal:
            self.journal(session, doc, {key: value for key, value in doc.items() if key != "_id"}, events, True)
        return doc

    def stage_change(self, session, doc, changes, events):
        """Write ``changes`` if ``doc`` is still at its version (else Stale); returns the new document."""
        self.check_expected(doc)
        changes = {**changes, "updated_at": clock.now()}
        if any(field in changes for field in self.search_fields):
            merged = {**doc, **changes}
            changes[search.FIELD] = search.grams(*(merged.get(field) for field in self.search_fields))
        new_version = doc["version"] + 1
        result = self.collection.update_one({"_id": doc["_id"], "version": doc["version"]},
                                            {"$set": self._for_storage(changes), "$inc": {"version": 1}},
                                            session=session)
        if result.matched_count != 1:
            raise Stale()
        if self.store.outbox is not None:
            self.store.outbox.version_written(doc["_id"])  # the If-Match is answered: re-reads see the new version
        self.store.emit(session, doc["_id"], events, aggregate_version=new_version)
        if self.journal:
            self.journal(session, doc, changes, events, False)
        return {**doc, **changes, "version": new_version}


def retrying(attempt, attempts=ATTEMPTS):
    """Run ``attempt()`` again while it raises Stale, up to ``attempts`` times (then 409)."""
    for number in range(attempts):
        try:
            return attempt()
        except Stale:
            if number == attempts - 1:
                raise Conflict("数据正被他人同时修改，请稍后重试") from None
