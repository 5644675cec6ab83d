"""The one way a service gets its database: ``store = Storage(CaseStore, INDEXES)``.

Like nameko-examples' one dependency provider per resource, with the outbox in
place of dispatch-after-commit: each worker gets a fresh store object bound to
the service's own database (``<MONGO_DB_PREFIX>_<service>``) and to an outbox
writer carrying the worker's actor and correlation id. The provider creates
the declared indexes at start, runs the outbox relay of this process (kit/outbox.py)
and wakes it as soon as a worker that wrote events has finished.

A store class subclasses ``Store``; its module is the only one that touches the
service's database.
"""
import pymongo
from nameko.extensions import DependencyProvider
from nameko.standalone.events import get_event_exchange

from kit import calendar_store
from kit.context import Context
from kit.mongo import ensure_indexes, run_in_transaction, service_database
from kit.outbox import INDEXES as OUTBOX_INDEXES
from kit.outbox import OUTBOX, SENT, OutboxWriter, Relay
from kit.retention import Purge


class Store:
    """Base of every service's store: its database, its outbox writer, and the plumbing all share."""

    def __init__(self, db, outbox):
        self.db = db
        self.outbox = outbox

    def transaction(self, work):
        """Run ``work(session)`` in one bounded multi-document transaction (kit.mongo)."""
        return run_in_transaction(self.db, work)

    def emit(self, session, aggregate_id, events, aggregate_version=None):
        """Write ``events`` — ``(type, payload)`` or ``(type, payload, payload_version)`` — to the outbox."""
        for event in events:
            event_type, payload, version = (*event, 1)[:3]
            self.outbox.add(session, event_type, aggregate_id, payload, version=version,
                            aggregate_version=aggregate_version)

    def working_calendar(self, session=None):
        """The working days as this service knows them (kit/calendar_store.py)."""
        return calendar_store.working_calendar(self.db, session)

    def ping(self, seconds=2):
        with pymongo.timeout(seconds):
            self.db.command("ping")


class Storage(DependencyProvider):
    def __init__(self, store_cls, indexes=None):
        self.store_cls = store_cls
        self.indexes = indexes or {}

    def setup(self):
        config = self.container.config
        self.db = service_database(config, self.container.service_name)
        self.relay = Relay(
            self.db, config.get("RELAY_AMQP_URI") or config["AMQP_URI"],
            get_event_exchange(self.container.service_name, config),
            lease_seconds=float(config.get("OUTBOX_LEASE_SECONDS", 10)),
            poll_seconds=float(config.get("OUTBOX_POLL_SECONDS", 0.5)),
            startup_grace_seconds=float(config.get("OUTBOX_STARTUP_GRACE_SECONDS", 30)))
        self.relay.retention = Purge.from_config(self.db[OUTBOX], "sent_at", config, "OUTBOX_RETENTION_DAYS", 7,
                                                 only={"status": SENT})
        self._writers = {}

    def start(self):
        ensure_indexes(self.db, {**self.indexes, **OUTBOX_INDEXES})
        self.container.spawn_managed_thread(self.relay.run, identifier="outbox_relay")

    def stop(self):
        self.relay.stop()

    def kill(self):
        self.relay.stop()

    def store_options(self):
        """Extra keyword arguments for the store class (e.g. the keys of sealed fields)."""
        return {}

    def store(self, context):
        """A store outside any worker (start-up work, e.g. a migration), for ``context``."""
        return self.store_cls(self.db, self.writer(context), **self.store_options())

    def writer(self, context):
        """An outbox writer outside any worker (start-up work, e.g. a migration), for ``context``."""
        return OutboxWriter(self.db, self.container.service_name, context)

    def get_dependency(self, worker_ctx):
        writer = self.writer(Context(worker_ctx.data))
        self._writers[worker_ctx] = writer
        return self.store_cls(self.db, writer, **self.store_options())

    def worker_teardown(self, worker_ctx):
        writer = self._writers.pop(worker_ctx, None)
        if writer is not None and writer.added:
            self.relay.nudge()  # the transaction has committed by now: publish without waiting for the poll
