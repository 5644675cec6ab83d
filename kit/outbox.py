"""Transactional outbox and its relay.

Writing: ``self.outbox.add(session, type, aggregate_id, payload)`` inside the
same Mongo transaction as the state change, so the change and its event
commit (or vanish) together.

Relaying: each service process runs a relay that publishes pending records
to the service's nameko event exchange (``<service>.events``, routing key =
event type) with publisher confirms, persistent delivery and ``mandatory``,
then marks them sent. Only the holder of a lease publishes, so several
replicas of a service never publish in parallel (the leader checks its lease
before each publish, and a publish may use only a third of it, so a batch
longer than the lease cannot overlap a successor's); the leader publishes in
commit order and stops at the first failure, which keeps per-aggregate
order. While RabbitMQ is down, writes still succeed and the relay retries
with backoff; nothing is lost, delivery is only delayed (at-least-once;
consumers dedupe by event_id).
"""
import logging
import os
import socket
import time
import uuid
from datetime import timedelta

import eventlet
from eventlet.queue import Empty, LightQueue
from kombu import Connection, Producer
from kombu.exceptions import OperationalError
from pymongo import ASCENDING, IndexModel, ReturnDocument
from pymongo.errors import DuplicateKeyError, PyMongoError

import contracts.events  # noqa: F401  (registers every payload schema)
from contracts.envelope import build_event
from kit import clock
from kit.retention import Purge

log = logging.getLogger("pingjian.outbox")

OUTBOX = "outbox"
LEASE = "outbox_lease"
PENDING, SENT = "pending", "sent"

INDEXES = {
    OUTBOX: [IndexModel([("status", ASCENDING), ("seq", ASCENDING)]),
             IndexModel([("status", ASCENDING), ("sent_at", ASCENDING)])],  # retention
}

_last_seq = 0


def next_sequence():
    """Publication order: nanoseconds, strictly increasing within this process.

    Millisecond ``created_at`` is not enough: events written in one transaction
    (case.registered then case.assigned) often share a millisecond, and a tie
    must not be broken at random. Across replicas the order of commits on one
    aggregate follows their wall clocks (the optimistic lock makes the later
    writer read the earlier one's commit first); only clock skew between hosts
    larger than that gap could invert them.
    """
    global _last_seq
    _last_seq = max(_last_seq + 1, time.time_ns())  # no yield point: atomic among green threads
    return _last_seq


class OutboxWriter:
    """Per-worker handle: adds events to the outbox inside the caller's transaction."""

    def __init__(self, db, source, context):
        self._db = db
        self._source = source
        self._context = context
        self._versions_written = set()
        self.added = 0

    @property
    def actor(self):
        """Who is acting in this worker (None for the platform's own work: deadlines, jobs, start-up)."""
        return self._context.actor

    def expected_version(self, doc_id):
        """What the caller's ``If-Match`` expects of ``doc_id`` (kit/context.py), or None — also
        once this worker has written its change (a re-read after it sees the new version)."""
        if doc_id in self._versions_written:
            return None
        return self._context.expected_version(doc_id)

    def version_written(self, doc_id):
        self._versions_written.add(doc_id)

    def add(self, session, event_type, aggregate_id, payload, *, version=1, aggregate_version=None):
        """Write one event in the caller's transaction. ``version`` is the payload's contract version;
        ``aggregate_version`` the aggregate's version after the change (consumers can then tell a
        stale or reordered event from a fresh one)."""
        actor = self._context.actor
        envelope = build_event(
            event_type, payload, source=self._source, aggregate_id=aggregate_id, version=version,
            aggregate_version=aggregate_version, correlation_id=self._context.correlation_id,
            actor=actor.to_dict() if actor else None)
        self._db[OUTBOX].insert_one({
            "_id": envelope["event_id"],
            "type": event_type,
            "aggregate_id": aggregate_id,
            "envelope": envelope,
            "status": PENDING,
            "seq": next_sequence(),
            "created_at": clock.now(),
            "attempts": 0,
        }, session=session)
        self.added += 1
        return envelope


class Relay:
    """Publishes pending outbox records; one instance per service process."""

    def __init__(self, db, amqp_uri, exchange, *, lease_seconds=10.0, poll_seconds=0.5, batch_size=200,
                 startup_grace_seconds=0.0):
        self.db = db
        self.amqp_uri = amqp_uri
        self.exchange = exchange
        self.lease = timedelta(seconds=lease_seconds)
        self.poll_seconds = poll_seconds
        self.batch_size = batch_size
        self.owner = f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"
        self._wake = LightQueue(maxsize=1)
        self._running = True  # set here, not in run(): a stop() before the thread first runs must hold
        self._connection = None
        self._producer = None
        self._returned = []
        self._lease_until = None
        self._unroutable_types = set()
        # While a platform starts, its services bind their queues one after another: an event
        # published in that window may find no queue yet and would be dropped by the broker. For
        # this long after the relay starts, an unroutable record stays pending and is published
        # again at each poll (the records after it go on: per-aggregate order may bend for such a
        # record in this window only); after it, as before (sent, marked routed=false).
        self.startup_grace = startup_grace_seconds
        self._started = time.monotonic()
        self.retention = None  # a kit.retention.Purge of sent records, run by the leader only

    # -- control -------------------------------------------------------
    def nudge(self):
        """Wake the relay now (called after a transaction with new events commits)."""
        try:
            self._wake.put_nowait(True)
        except eventlet.queue.Full:
            pass

    def stop(self):
        self._running = False
        self.nudge()

    def run(self):
        self._started = time.monotonic()
        backoff = 0.2
        while self._running:
            try:
                leader = self._hold_lease()
                full_batch = leader and self.publish_pending() >= self.batch_size
                if leader and self.retention is not None:
                    self.retention.maybe_run()
                backoff = 0.2
                if not full_batch:
                    self._sleep(self.poll_seconds)
            except Exception as exc:  # broker or database trouble: wait, reconnect, retry
                log.warning("outbox relay paused: %s; retrying in %.1fs", exc, backoff,
                            extra={"error": type(exc).__name__})
                self._disconnect()
                self._sleep(backoff)
                backoff = min(backoff * 2, 30.0)
        self._release_lease()
        self._disconnect()

    def _sleep(self, seconds):
        try:
            self._wake.get(timeout=seconds)
        except Empty:
            pass

    # -- leadership ------------------------------------------------------
    def _hold_lease(self):
        """True while this relay is the leader. Renews only when a third of the lease is used,
        so a busy relay does not pay a database write per wake-up."""
        now = clock.now()
        if self._lease_until is not None and now < self._lease_until - self.lease * 2 / 3:
            return True
        try:
            self.db[LEASE].find_one_and_update(
                {"_id": "relay", "$or": [{"owner": self.owner}, {"expires_at": {"$lte": now}}]},
                {"$set": {"owner": self.owner, "expires_at": now + self.lease}},
                upsert=True, return_document=ReturnDocument.AFTER)
            self._lease_until = now + self.lease
            return True
        except DuplicateKeyError:  # another live replica holds the lease
            self._lease_until = None
            return False

    def _release_lease(self):
        # Expire it in the past, not "now": with millisecond clocks a successor asking in the
        # same millisecond would otherwise still see a live lease (a CI flake taught us this).
        self._lease_until = None
        try:
            self.db[LEASE].update_one({"_id": "relay", "owner": self.owner},
                                      {"$set": {"expires_at": clock.now() - self.lease}})
        except PyMongoError:
            pass

    # -- publishing --------------------------------------------------------
    def publish_pending(self):
        """Publish one batch of pending records in commit order while holding the lease; returns
        how many were published (fewer than read if the lease was lost on the way)."""
        records = list(self.db[OUTBOX].find({"status": PENDING}, {"envelope": 1, "type": 1})
                       .sort([("seq", ASCENDING)]).limit(self.batch_size))
        routed, unroutable = [], []
        try:
            for record in records:
                # Checked before every publish, not once per batch: a batch can outlast the lease
                # (a slow broker, a long backlog), and a relay whose lease lapsed meanwhile would
                # publish beside its successor and break per-aggregate order. This costs a database
                # write only once a third of the lease is used, and unlike bounding a batch by
                # time it also stops a relay that was paused past its lease in the middle of one.
                if not self._hold_lease():
                    log.warning("outbox relay lost its lease mid-batch; stopped after %d of %d records",
                                len(routed) + len(unroutable), len(records))
                    break
                try:
                    was_routed = self._publish(record["envelope"])
                    if not was_routed and time.monotonic() - self._started < self.startup_grace:
                        # Kept pending and sent again at the next poll; the records after it go on
                        # (an event type nobody consumes must not hold the outbox for the window).
                        log.info("event %s found no queue while the platform starts: kept pending", record["type"])
                        continue
                    (routed if was_routed else unroutable).append(record)
                except Exception as exc:
                    self.db[OUTBOX].update_one({"_id": record["_id"]},
                                               {"$inc": {"attempts": 1}, "$set": {"last_error": repr(exc)[:500]}})
                    raise
        finally:
            # Whatever was confirmed is marked sent, in one write per outcome, even if a later one failed.
            for batch, was_routed in ((routed, True), (unroutable, False)):
                if batch:
                    self.db[OUTBOX].update_many({"_id": {"$in": [r["_id"] for r in batch]}},
                                                {"$set": {"status": SENT, "sent_at": clock.now(), "routed": was_routed},
                                                 "$inc": {"attempts": 1}})
        for event_type in {record["type"] for record in unroutable} - self._unroutable_types:
            # No queue is bound for this type (yet): RabbitMQ accepted and dropped it. Said once per
            # type and process; each record keeps routed=false for audit.
            self._unroutable_types.add(event_type)
            log.warning("events of type %s have no subscriber queue", event_type, extra={"event_type": event_type})
        return len(routed) + len(unroutable)

    def _publish(self, envelope):
        # The lease check before this publish left at least two thirds of the lease. The whole
        # step (connecting if need be, declaring, writing, awaiting the confirm) may take one
        # third, so it ends while the lease still holds even when the broker stops answering.
        # kombu's own publish timeout would not cover the declare round trip nor the connect.
        seconds = self.lease.total_seconds() / 3
        try:
            with eventlet.Timeout(seconds, PublishTimedOut(f"no confirm from the broker within {seconds:.1f}s")):
                return self._publish_confirmed(envelope)
        except PublishTimedOut:
            self._disconnect(graceful=False)  # interrupted mid-conversation: this connection is unusable
            raise

    def _publish_confirmed(self, envelope):
        producer = self._ensure_producer()
        self._returned.clear()
        headers = {"nameko.correlation_id": envelope["correlation_id"]}
        if envelope.get("actor"):
            headers["nameko.actor"] = envelope["actor"]
        # With confirms on, publish() returns once the broker has the message;
        # a basic.return for an unroutable message arrives before that ack.
        producer.publish(envelope, exchange=self.exchange, routing_key=envelope["type"],
                         serializer="json", delivery_mode=2, mandatory=True, headers=headers,
                         message_id=envelope["event_id"], retry=False)
        return not self._returned

    def _on_return(self, exception, exchange, routing_key, message):
        self._returned.append(routing_key)

    def _ensure_producer(self):
        if self._producer is None:
            connection = Connection(self.amqp_uri, transport_options={"confirm_publish": True},
                                    connect_timeout=5)
            # No sleep before kombu's one retry: the relay's loop backs off, and a refused connect
            # must fail within the publish bound with its own error, not as a timeout.
            connection.ensure_connection(max_retries=1, interval_start=0)
            self._connection = connection
            self._producer = Producer(connection.channel(), exchange=self.exchange, on_return=self._on_return)
            self.exchange(self._producer.channel).declare()
        return self._producer

    def _disconnect(self, graceful=True):
        connection, self._connection, self._producer = self._connection, None, None
        if connection is None:
            return
        released = False
        if graceful:
            # A broker that stopped answering never sends close-ok: wait for the goodbye only briefly.
            with eventlet.Timeout(self.lease.total_seconds() / 3, False):
                try:
                    connection.release()
                    released = True
                except Exception:  # already broken; nothing to release cleanly
                    pass
        if not released:
            try:
                connection.collect()  # drop the socket without the AMQP close handshake
            except Exception:
                pass


class PublishTimedOut(OperationalError):
    """The broker took too long to take and confirm a publish: a recoverable transport error."""
