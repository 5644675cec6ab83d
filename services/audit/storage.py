"""The audit service's own database: the only module that touches it.

Collections: ``entries`` (the ledger: append-only, no code here updates or deletes one), ``chains``
(the head of each chain: last seq and hash), and the kit's ``outbox`` and ``inbox_processed``."""
from datetime import datetime, time, timedelta

from pymongo import ASCENDING, DESCENDING, IndexModel

from kit.aggregate import Stale, retrying
from kit.clock import SHANGHAI
from kit.pagination import paginate
from kit.storage import Store
from services.audit import domain

ENTRIES, CHAINS = "entries", "chains"

INDEXES = {
    ENTRIES: [
        IndexModel([("chain", ASCENDING), ("seq", ASCENDING)], unique=True, name="one_per_chain_seq"),
        IndexModel([("created_at", DESCENDING), ("_id", DESCENDING)]),
        IndexModel([("user_id", ASCENDING), ("created_at", DESCENDING), ("_id", DESCENDING)]),
        IndexModel([("resource_keys", ASCENDING), ("created_at", DESCENDING), ("_id", DESCENDING)]),
        IndexModel([("action", ASCENDING), ("created_at", DESCENDING), ("_id", DESCENDING)]),
    ],
}


def _start_of(day):
    return datetime.combine(day, time(0, 0), SHANGHAI)


class AuditStore(Store):
    def __init__(self, db, outbox):
        super().__init__(db, outbox)
        self._entries = db[ENTRIES]
        self._chains = db[CHAINS]

    def append(self, session, event_id, payload, shards):
        """Append one entry (an ``access.recorded`` event, its id the entry's) inside the caller's
        transaction."""
        return self.append_many(session, [(event_id, payload)], shards)

    def append_many(self, session, entries, shards):
        """Append ``entries`` ((entry id, payload) pairs, in the order the requests ended) to their
        chains inside the caller's transaction (the inbox's): per chain, one read of its head, one
        insert of its new entries and one update of the head. An entry already in the ledger (a batch
        sent again after a lost confirm) is left out. Two appends to one chain conflict on its head;
        the transaction is then run again (kit.mongo). Returns the entries appended."""
        present = {doc["_id"] for doc in self._entries.find(
            {"_id": {"$in": [entry_id for entry_id, _ in entries]}}, {"_id": 1}, session=session)}
        by_chain = {}
        for entry_id, payload in entries:
            if entry_id in present:
                continue
            present.add(entry_id)  # once, even if a batch named it twice
            chain, moment = domain.chain_of(payload["at"], payload["correlation_id"], shards)
            by_chain.setdefault(chain, []).append((entry_id, payload, moment))
        appended = []
        for chain, items in by_chain.items():
            head = self._chains.find_one({"_id": chain}, session=session)
            linked, last = [], head
            for entry_id, payload, moment in items:
                entry = domain.link(entry_id, payload, chain, last)
                # Beside the hashed fields, for the filters only: when, and which resource it was about.
                entry["created_at"] = moment
                entry["resource_keys"] = [payload["resource"], *payload["resource_ids"].values()]
                linked.append(entry)
                last = entry
            self._entries.insert_many(linked, ordered=True, session=session)
            if head is None:
                self._chains.insert_one({"_id": chain, "seq": last["seq"], "hash": last["hash"]}, session=session)
            elif self._chains.update_one({"_id": chain, "seq": head["seq"]},
                                         {"$set": {"seq": last["seq"], "hash": last["hash"]}},
                                         session=session).matched_count != 1:
                raise Stale()
            appended.extend(linked)
        return appended

    def search(self, *, user_id, resource, action, from_, to, limit, cursor):
        query = {key: value for key, value in (("user_id", user_id), ("resource_keys", resource),
                                                ("action", action)) if value}
        if from_ or to:
            query["created_at"] = {**({"$gte": _start_of(from_)} if from_ else {}),
                                   **({"$lt": _start_of(to + timedelta(days=1))} if to else {})}
        items, next_cursor = paginate(self._entries, query, limit, cursor)
        for item in items:
            item.pop("resource_keys", None)
        return items, next_cursor

    def verify(self, day):
        """Every chain of ``day`` recomputed, in seq order; the first broken link or None."""
        prefix = f"{day.isoformat()}/"
        heads = {head["_id"]: head for head in self._chains.find({"_id": {"$regex": f"^{prefix}"}})}
        chains = sorted(set(heads) | set(self._entries.distinct("chain", {"created_at": {
            "$gte": _start_of(day), "$lt": _start_of(day + timedelta(days=1))}})))
        count = 0
        for chain in chains:
            # Entries appended after the heads were read are left out (each commits with its head),
            # so verifying while requests go on is consistent; a chain first seen after that is read now.
            head = heads.get(chain) or self._chains.find_one({"_id": chain})
            if head is not None:
                heads[chain] = head
            query = {"chain": chain, **({"seq": {"$lte": head["seq"]}} if head else {})}
            entries = list(self._entries.find(query).sort("seq", ASCENDING))
            count += len(entries)
            broken = domain.verify_chain(chain, entries, heads.get(chain))
            if broken:
                return {"valid": False, "entries": count, "chains": len(chains), "first_broken": broken}
        return {"valid": True, "entries": count, "chains": len(chains), "first_broken": None}


__all__ = ["AuditStore", "INDEXES", "retrying"]
