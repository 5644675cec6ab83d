"""Deadlines: legal time limits that fire once, whatever the number of replicas, for weeks.

A deadline is a record in the owning service's own database (``deadlines``), one per
(kind, aggregate, threshold), written in the same transaction as the change that creates it, moved
or cancelled the same way (a reply received cancels the overdue deadline). Not a message TTL, not an
in-memory timer: deadlines run for weeks and must survive restarts.

Every replica runs a timer (the ``Deadlines`` provider) that claims due records with a lease, like
the outbox relay, and spawns the service's ``@on_deadline(kind)`` handler for each. The handler runs
inside one transaction that first marks the record fired — only if this replica still holds it —
then re-reads the aggregate and decides (``NOT_DUE`` when the rule says it no longer applies),
writing its events through the outbox. So each (aggregate, kind, threshold) fires at most once: a
second replica cannot mark it, a retried claim finds it fired, and a replica that dies mid-way
leaves it pending for another to claim after the lease.

The thresholds are data of the rule (``DeadlineRule``), not code: "7 days before", "1 day before",
"due today", "overdue", "30 days overdue" are ``Threshold``s with a day offset from the due date
(an Asia/Shanghai calendar date); each fires at the rule's local time of day.
"""
import logging
import os
import socket
import uuid
from dataclasses import dataclass, field
from datetime import datetime, time, timedelta, timezone

import eventlet
from nameko.extensions import DependencyProvider, Entrypoint
from pymongo import ASCENDING, IndexModel, ReturnDocument
from pymongo.errors import PyMongoError

from kit import clock
from kit.mongo import ensure_indexes, run_in_transaction, service_database

log = logging.getLogger("pingjian.deadlines")

DEADLINES = "deadlines"
PENDING, FIRED, SKIPPED, CANCELLED, FAILED = "pending", "fired", "skipped", "cancelled", "failed"
INDEXES = {DEADLINES: [IndexModel([("status", ASCENDING), ("due_at", ASCENDING)]),
                       IndexModel([("aggregate_id", ASCENDING), ("kind", ASCENDING)])]}
_NEVER = datetime(1970, 1, 1, tzinfo=timezone.utc)
CLAIM_SECONDS = 5

NOT_DUE = object()  # a handler's answer when the rule no longer applies (the record is marked skipped)


@dataclass(frozen=True)
class Threshold:
    name: str    # e.g. "due_soon_7d", "overdue"
    days: int    # from the due date: -7 seven days before, 0 the due day, 1 the day after, 30 ...


@dataclass(frozen=True)
class DeadlineRule:
    kind: str                                   # e.g. "recommendation.reply"
    thresholds: tuple = field(default_factory=tuple)
    at: time = time(8, 0)                       # local time (Asia/Shanghai) a threshold fires

    def fires_at(self, due_on, threshold):
        day = due_on + timedelta(days=threshold.days)
        return datetime.combine(day, self.at, tzinfo=clock.SHANGHAI).astimezone(timezone.utc)

    def threshold(self, name):
        return next(t for t in self.thresholds if t.name == name)


@dataclass(frozen=True)
class Reminders:
    """Reminders before a due date at configured day offsets: ``(7, 1, 0)`` is 7 days before, the day
    before and on the due day itself ("due today"). Each is a threshold ``due_soon_<n>d``; one armed
    late (a short deadline, a record entered days after it happened) still speaks once, unless a
    nearer one is due by now as well: then that one speaks, so nobody gets two alike the same day."""
    days: tuple = (7, 1, 0)

    @classmethod
    def from_config(cls, value, default=(7, 1, 0)):
        """From a config list such as ``[7, 1, 0]`` (a missing value keeps ``default``)."""
        days = tuple(sorted({int(day) for day in value}, reverse=True)) if value is not None else default
        if any(day < 0 for day in days):
            raise ValueError(f"reminder offsets must not be negative: {value!r}")
        return cls(days)

    def thresholds(self):
        return tuple(Threshold(f"due_soon_{days}d", -days) for days in self.days)

    @staticmethod
    def lead(threshold):
        """The offset a threshold name stands for (``due_soon_7d`` → 7)."""
        return int(threshold[len("due_soon_"):-1])

    def speaks(self, threshold, days_left):
        """Whether ``threshold``'s reminder is said with ``days_left`` to go (never after the due day)."""
        lead = self.lead(threshold)
        return 0 <= days_left and not any(nearer < lead and days_left <= nearer for nearer in self.days)


def record_id(kind, aggregate_id, threshold):
    return f"{kind}:{aggregate_id}:{threshold}"


class DeadlineBook:
    """A worker's handle (``self.deadlines``): schedule, move and cancel within the caller's
    transaction; ``fire`` is used by ``@on_deadline`` handlers."""

    def __init__(self, db, owner):
        self._deadlines = db[DEADLINES]
        self._db = db
        self.owner = owner

    def schedule(self, session, rule, aggregate_id, due_on, data=None):
        """Arm (or move) every threshold of ``rule`` for ``aggregate_id`` due on ``due_on`` (a date).
        A threshold that already fired stays fired: it fires at most once."""
        ids = {t.name: record_id(rule.kind, aggregate_id, t.name) for t in rule.thresholds}
        existing = {doc["_id"]: doc["status"] for doc in
                    self._deadlines.find({"_id": {"$in": list(ids.values())}}, {"status": 1}, session=session)}
        now = clock.now()
        for threshold in rule.thresholds:
            doc_id, fires = ids[threshold.name], rule.fires_at(due_on, threshold)
            fields_ = {"due_on": due_on.isoformat(), "due_at": fires, "data": data or {}, "updated_at": now}
            if doc_id not in existing:
                self._deadlines.insert_one({"_id": doc_id, "kind": rule.kind, "aggregate_id": aggregate_id,
                                            "threshold": threshold.name, "status": PENDING, "attempts": 0,
                                            "owner": None, "lease_until": _NEVER, "created_at": now, **fields_},
                                           session=session)
            elif existing[doc_id] in (PENDING, CANCELLED):
                self._deadlines.update_one({"_id": doc_id, "status": {"$in": [PENDING, CANCELLED]}},
                                           {"$set": {**fields_, "status": PENDING}}, session=session)

    def cancel(self, session, kind, aggregate_id, thresholds=None):
        """Cancel what is still pending (all thresholds, or the named ones)."""
        query = {"kind": kind, "aggregate_id": aggregate_id, "status": PENDING}
        if thresholds:
            query["threshold"] = {"$in": list(thresholds)}
        self._deadlines.update_many(query, {"$set": {"status": CANCELLED, "updated_at": clock.now()}},
                                    session=session)

    def of(self, kind, aggregate_id):
        return list(self._deadlines.find({"kind": kind, "aggregate_id": aggregate_id}))

    def fire(self, deadline, work):
        """Run ``work(session)`` and mark ``deadline`` fired (or skipped, if ``work`` answers NOT_DUE)
        in one transaction, only if this replica still holds it. True if it fired now."""
        def transaction(session):
            taken = self._deadlines.update_one(
                {"_id": deadline["_id"], "status": PENDING, "owner": self.owner},
                {"$set": {"status": FIRED, "fired_at": clock.now()}}, session=session)
            if taken.matched_count != 1:
                raise _NotOurs()
            if work(session) is NOT_DUE:
                self._deadlines.update_one({"_id": deadline["_id"]}, {"$set": {"status": SKIPPED}}, session=session)
        try:
            run_in_transaction(self._db, transaction)
            return True
        except _NotOurs:
            log.info("deadline %s was no longer ours to fire", deadline["_id"])
            return False


class _NotOurs(Exception):
    """The record is fired, cancelled or claimed by another replica (never leaves ``fire``)."""


class DeadlineReached(Entrypoint):
    """The entrypoint behind ``@on_deadline(kind)``; its worker is spawned by the Deadlines timer."""

    def __init__(self, kind, **kwargs):
        self.kind = kind
        super().__init__(**kwargs)

    def setup(self):
        if not isinstance(getattr(self.container.service_cls, "deadlines", None), Deadlines):
            raise TypeError(f"{self.container.service_name}.{self.method_name} handles deadlines, but the "
                            f"service declares no `deadlines = Deadlines()`")


def on_deadline(kind):
    """``@on_deadline("recommendation.reply")`` on ``def reply_deadline(self, deadline, session)``: runs
    once per due (aggregate, threshold) record, inside the transaction that marks it fired; return
    ``NOT_DUE`` when the rule no longer applies (e.g. the reply came)."""
    def decorate(fn):
        def handle(self, deadline):
            return self.deadlines.fire(deadline, lambda session: fn(self, deadline, session))
        handle.__name__, handle.__qualname__, handle.__doc__ = fn.__name__, fn.__qualname__, fn.__doc__
        return DeadlineReached.decorator(kind)(handle)
    return decorate


class Deadlines(DependencyProvider):
    """``deadlines = Deadlines()``: the handle for scheduling, and this replica's timer.

    Config: DEADLINE_POLL_SECONDS (5), DEADLINE_LEASE_SECONDS (60: how long a claimed record is this
    replica's to fire before another may claim it), DEADLINE_MAX_ATTEMPTS (10: then it is marked
    failed and logged as an error for ops; reset its status to pending to try again)."""

    def setup(self):
        config = self.container.config
        self.db = service_database(config, self.container.service_name)
        self.poll = float(config.get("DEADLINE_POLL_SECONDS", 5))
        self.lease = timedelta(seconds=float(config.get("DEADLINE_LEASE_SECONDS", 60)))
        self.max_attempts = int(config.get("DEADLINE_MAX_ATTEMPTS", 10))
        self.owner = f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"
        self._running = False

    def start(self):
        ensure_indexes(self.db, INDEXES)
        self.handlers = {entrypoint.kind: entrypoint for entrypoint in self.container.entrypoints
                         if isinstance(entrypoint, DeadlineReached)}
        if self.handlers:
            self._running = True
            self.container.spawn_managed_thread(self._run, identifier="deadline_timer")

    def stop(self):
        self._running = False

    def kill(self):
        self._running = False

    def get_dependency(self, worker_ctx):
        return DeadlineBook(self.db, self.owner)

    def _run(self):
        while self._running:
            try:
                self.claim_due()
            except PyMongoError as exc:  # the database is away: try again next time
                log.warning("deadline timer paused: %s", exc)
            eventlet.sleep(self.poll)

    def _claim_one(self, session):
        # In a transaction, although it is one write: a record whose firing transaction was left
        # open by a killed process stays locked until the database aborts that transaction (60 s on
        # MongoDB and SecantusDB). A transactional claim meets a write conflict and is retried at the
        # next poll; SecantusDB also aborts idle transactions only when transactional statements run.
        now = clock.now()
        return self.db[DEADLINES].find_one_and_update(
            {"status": PENDING, "kind": {"$in": list(self.handlers)}, "due_at": {"$lte": now},
             "lease_until": {"$lte": now}},
            {"$set": {"owner": self.owner, "lease_until": now + self.lease}, "$inc": {"attempts": 1}},
            sort=[("due_at", ASCENDING)], return_document=ReturnDocument.AFTER, session=session)

    def claim_due(self):
        """Claim due records of the kinds this service handles while workers are free; spawn each."""
        claimed = 0
        while self._running and self.container._worker_pool.free() > 1:  # leave room for requests
            record = run_in_transaction(self.db, self._claim_one, seconds=CLAIM_SECONDS)
            if record is None:
                return claimed
            if record["attempts"] > self.max_attempts:
                self.db[DEADLINES].update_one({"_id": record["_id"], "owner": self.owner},
                                              {"$set": {"status": FAILED}})
                log.error("deadline %s failed %d times: marked failed (reset its status to pending to retry)",
                          record["_id"], record["attempts"] - 1, extra={"deadline": record["_id"]})
                continue
            self.container.spawn_worker(self.handlers[record["kind"]], (record,), {},
                                        context_data={"correlation_id": f"deadline:{record['_id']}"})
            claimed += 1
        return claimed
