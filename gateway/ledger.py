"""The access ledger's entries (台账), sent from the gateway to the audit service.

Every request to a ``/v1`` route — reads, changes, refusals and logins — becomes one
ledger entry: who (user id, roles, department), what (method, route template, resource ids, status,
action), when, from where (address, user agent), its request id, and whether it showed unmasked
personal data. The request's own answer never waits for the ledger: ``record`` appends to an
in-process buffer, and a publisher thread sends the entries with publisher confirms into the audit
service's durable queue (declared here too, so entries sent before the audit service ever started
wait for it), in order, as ``access.batch_recorded`` events of what the buffer holds (at most
LEDGER_BATCH entries each), gathered for LEDGER_LINGER_SECONDS (0.25) after the first: one
confirm, one message and one transaction in the audit service per batch, so the ledger's cost per
request falls as the load rises (measured: without the wait, a moderate load sent batches of one or
two, and the audit service spent as much CPU as before batching). A broker outage delays them: they
stay in the buffer and are sent when the broker is back. Each entry has its own id from the start,
so a batch sent again after a lost confirm is appended once.

What a crash can lose (README, "The access ledger"): the entries of the last moments that the
broker had not yet confirmed when the gateway process died (up to LEDGER_LINGER_SECONDS' worth and
the publish's round trip);
a graceful stop first sends what is buffered, for up to LEDGER_FLUSH_SECONDS. If the broker stays
away so long that LEDGER_BUFFER entries pile up, the oldest are dropped and each drop is logged
as an error with its count.
"""
import collections
import itertools
import logging
import time
import uuid

import eventlet
from eventlet.event import Event
from kombu import Connection, Producer
from marshmallow import ValidationError
from nameko.events import get_event_exchange

from contracts.envelope import build_event
from contracts.events.gateway_v1 import MAX_BATCH
from kit.events import handler_queue

log = logging.getLogger("pingjian.ledger")

EVENT = "access.batch_recorded"
LEDGER_SERVICE, LEDGER_METHOD = "audit", "on_access_batch_recorded"  # the consumer whose queue we declare
PERSONAL = "pingjian.personal_data"  # environ key a route sets when it showed unmasked personal data
RETRY_SECONDS = 1.0
PUBLISH_SECONDS = 5.0
_UA_LENGTH = 256


def action_of(method, route):
    """What a request did, for the ledger's ``action`` filter."""
    if route == "/v1/auth/token":
        return "login"
    if route == "/v1/auth/logout":
        return "logout"
    if method in ("GET", "HEAD"):
        return "read"
    if method == "DELETE":
        return "delete"
    if method in ("PUT", "PATCH"):
        return "update"
    return "update" if "<" in route else "create"  # a POST on one existing resource acts on it


def entry(request, route, status, actor, at):
    """The payload of one ``access.recorded`` event (contracts/events/gateway_v1.py)."""
    actor = actor or {}
    parts = route.split("/")
    agent = request.headers.get("User-Agent")
    return {"at": at, "user_id": actor.get("user_id"), "roles": list(actor.get("roles") or ()),
            "department": actor.get("department"), "method": request.method, "route": route,
            "action": action_of(request.method, route), "resource": parts[2] if len(parts) > 2 else "",
            "resource_ids": {key: str(value) for key, value in (getattr(request, "path_values", None) or {}).items()},
            "status": int(status), "remote_addr": request.remote_addr,
            "user_agent": agent[:_UA_LENGTH] if agent else None,
            "correlation_id": request.environ.get("pingjian.request_id") or "",
            "personal_data": bool(request.environ.get(PERSONAL))}


class Ledger:
    """One per gateway process: a bounded buffer and the thread that empties it into the broker."""

    def __init__(self, amqp_uri, exchange, *, capacity=100_000, flush_seconds=5.0, enabled=True, batch=200,
                 linger_seconds=0.0):
        self.amqp_uri = amqp_uri
        self.exchange = exchange
        self.queue = handler_queue(exchange, EVENT, LEDGER_SERVICE, LEDGER_METHOD)
        self.enabled = enabled
        self.flush_seconds = float(flush_seconds)
        self._buffer = collections.deque()
        self._capacity = int(capacity)
        self.batch = max(1, min(int(batch), MAX_BATCH))
        self.linger_seconds = max(float(linger_seconds), 0.0)
        self._dropped = 0
        self._wakeup = Event()
        self._stopping = False
        self._connection = self._producer = None
        self.sent = self.batches = 0

    @classmethod
    def from_config(cls, config):
        return cls(config["AMQP_URI"], get_event_exchange("gateway", config),
                   capacity=int(config.get("LEDGER_BUFFER", 100_000)),
                   flush_seconds=float(config.get("LEDGER_FLUSH_SECONDS", 5)),
                   batch=int(config.get("LEDGER_BATCH", 200)),
                   linger_seconds=float(config.get("LEDGER_LINGER_SECONDS", 0.25)),
                   enabled=str(config.get("LEDGER_ENABLED", "1")) not in ("0", "false", "False"))

    def record(self, payload):
        """Queue one entry (never blocks, never raises into the request). The entry names its user,
        roles and department itself (a batch's envelope has no actor)."""
        if not self.enabled:
            return
        if len(self._buffer) >= self._capacity:
            self._buffer.popleft()
            self._dropped += 1
            log.error("access ledger buffer full (%d): oldest entry dropped (%d so far)", self._capacity,
                      self._dropped, extra={"dropped": self._dropped})
        self._buffer.append({**payload, "entry_id": uuid.uuid4().hex})
        if not self._wakeup.ready():
            self._wakeup.send()

    def pending(self):
        return len(self._buffer)

    # -- the publisher thread --------------------------------------------------------------------------
    def run(self):
        while not self._stopping or self._buffer:
            if not self._buffer:
                self._wakeup = Event()
                if self._buffer or self._stopping:
                    continue
                self._wakeup.wait()
                continue
            if self.linger_seconds and len(self._buffer) < self.batch and not self._stopping:
                # What arrives meanwhile goes in the same batch: the audit service's cost is per
                # transaction, so a batch of one an event (what a moderate load sends at once) would
                # cost it as much as before batching. The entries are on their way a moment later.
                eventlet.sleep(self.linger_seconds)
            try:
                self._send_buffered()
            except (Exception, eventlet.Timeout) as exc:  # the broker away: keep the entries, retry shortly
                self._disconnect()
                if self._stopping:
                    log.error("access ledger: %d entr(ies) not sent at stop (%r)", len(self._buffer), exc)
                    return
                log.warning("access ledger: broker unavailable (%r); %d entr(ies) waiting", exc,
                            len(self._buffer))
                eventlet.sleep(RETRY_SECONDS)
        self._disconnect()

    def stop(self, wait):
        """Stop taking the thread's time; ``wait(seconds)`` lets it send what is buffered first."""
        self._stopping = True
        if not self._wakeup.ready():
            self._wakeup.send()
        deadline = time.monotonic() + self.flush_seconds
        while self._buffer and time.monotonic() < deadline:
            wait(0.05)

    def _send_buffered(self):
        producer = self._ensure_producer()
        while self._buffer:
            entries = list(itertools.islice(self._buffer, self.batch))
            try:
                envelope = build_event(EVENT, {"entries": entries}, source="gateway", aggregate_id="access-ledger",
                                       correlation_id=entries[0].get("correlation_id") or "-", actor=None)
            except ValidationError as exc:  # a bug of ours, not an outage: never block the entries behind it
                self._drop_invalid(entries, exc)
                continue
            # Confirmed before the entries leave the buffer: a failure keeps them for the next try. Bounded:
            # a broker that stops answering must not hold the thread (and a graceful stop) forever.
            dropped = self._dropped
            with eventlet.Timeout(PUBLISH_SECONDS):
                producer.publish(envelope, exchange=self.exchange, routing_key=EVENT, serializer="json",
                                 delivery_mode=2, message_id=envelope["event_id"], retry=False,
                                 headers={"nameko.correlation_id": envelope["correlation_id"]})
            # A full buffer drops its oldest entries while the publish waits: those were ours, already gone.
            for _ in range(max(len(entries) - (self._dropped - dropped), 0)):
                self._buffer.popleft()
            self.sent += len(entries)
            self.batches += 1

    def _drop_invalid(self, entries, exc):
        """Take the entries that break the contract out of the buffer (logged whole), keep the rest."""
        errors = exc.messages.get("entries", {}) if isinstance(exc.messages, dict) else {}
        bad = {index for index in errors if isinstance(index, int)} or set(range(len(entries)))
        for index in sorted(bad):
            log.error("access ledger entry breaks its contract, not sent: %s %r", errors.get(index, exc.messages),
                      entries[index])
        kept = [entry for index, entry in enumerate(entries) if index not in bad]
        for _ in entries:
            self._buffer.popleft()
        self._buffer.extendleft(reversed(kept))

    def _ensure_producer(self):
        if self._producer is None:
            connection = Connection(self.amqp_uri, transport_options={"confirm_publish": True},
                                    connect_timeout=5)
            connection.ensure_connection(max_retries=1, interval_start=0)
            channel = connection.channel()
            self.exchange(channel).declare()
            self.queue(channel).declare()  # the ledger's mailbox exists before the audit service does
            self._connection, self._producer = connection, Producer(channel, exchange=self.exchange)
        return self._producer

    def _disconnect(self):
        connection, self._connection, self._producer = self._connection, None, None
        if connection is not None:
            try:
                connection.release()
            except Exception:  # already gone
                pass
