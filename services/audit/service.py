"""Entrypoints of the audit service: the access ledger (数据台账), fed by the gateway's events."""
from eventlet.semaphore import Semaphore
from nameko.dependency_providers import Config

from contracts.rpc import audit_v1 as contract
from kit.aggregate import retrying
from kit.context import RequestContext
from kit.entrypoints import HealthCheck, query
from kit.events import Inbox, consumes
from kit.storage import Storage
from services.audit import domain, policy
from services.audit.storage import INDEXES, AuditStore


# Every append writes the heads of the day's chains: appends run one at a time in a process (a batch
# takes milliseconds), not side by side to conflict on the heads and run again (measured: under load,
# ten concurrent batches retried until the database timed out). Replicas may still meet on a head;
# the loser's transaction runs again.
APPENDING = Semaphore(1)


class AuditService(HealthCheck):
    name = "audit"

    ctx = RequestContext()
    config = Config()
    store = Storage(AuditStore, INDEXES)
    inbox = Inbox()

    @consumes("gateway", "access.batch_recorded", one_at_a_time=APPENDING)
    def on_access_batch_recorded(self, event, session):
        # Inside the inbox transaction: the batch's entries and "this event is processed" commit
        # together, so a redelivered batch is appended once (and an entry sent again in a later batch
        # is recognised by its id).
        self.store.append_many(session, [(entry["entry_id"], entry) for entry in event["payload"]["entries"]],
                               self._shards())

    @consumes("gateway", "access.recorded", one_at_a_time=APPENDING)
    def on_access_recorded(self, event, session):
        # One entry an event: what a gateway of an earlier release sent (and may have left queued).
        self.store.append(session, event["event_id"], event["payload"], self._shards())

    @consumes("accounts", "account.login_throttled", one_at_a_time=APPENDING)
    def on_login_throttled(self, event, session):
        """A login pause started: in the ledger as an entry of its own (domain.throttle_entry)."""
        self.store.append(session, event["event_id"], domain.throttle_entry(event), self._shards())

    def _shards(self):
        return int(self.config.get("AUDIT_CHAIN_SHARDS", 4))

    @query(query=contract.EntryQuery, response=contract.EntryPage)
    def list_entries(self, actor, query):
        policy.ensure_can_read(actor)
        items, next_cursor = self.store.search(**query)
        return {"items": items, "next_cursor": next_cursor}

    @query(query=contract.VerifyQuery, response=contract.Verification)
    def verify(self, actor, query):
        policy.ensure_can_read(actor)
        return {"date": query["date"].isoformat(), **self.store.verify(query["date"])}


__all__ = ["AuditService", "retrying"]
