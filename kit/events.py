"""Reliable, idempotent event consumption.

``reliable_event_handler`` is nameko's ``event_handler`` with one change:
a handler that raises does not lose the event. nameko would ack it; we put
a copy, carrying its count of failed attempts in our own header, into a
per-queue retry queue (a TTL delays it, then dead-lettering feeds it back to
the handler's queue), and ack the original only after the broker confirmed
the copy. After EVENT_MAX_ATTEMPTS failures, or at once for an event that
breaks its contract, the event is parked in ``<queue>.parked`` for ops to
inspect and replay. An infrastructure failure (the service's database
unreachable) is never counted against the event: it is retried until the
database is back, so an outage delays events but does not park them.

The count is ours, not RabbitMQ's ``x-death``: x-death cannot tell an outage
from a real failure, and its counting changed between RabbitMQ releases.

``Inbox`` makes a handler's effects idempotent: the effects and the
processed ``event_id`` (unique per consumer) commit in one transaction, so a
redelivered or duplicated event is acknowledged and changes nothing.
"""
import logging

from kombu import Connection, Producer, Queue
from marshmallow import ValidationError
from nameko.events import EventHandler
from nameko.extensions import DependencyProvider
from pymongo import ASCENDING, IndexModel
from pymongo.errors import DuplicateKeyError, PyMongoError

import contracts.events  # noqa: F401  (registers every payload schema)
from contracts.envelope import parse_event
from kit.errors import ContractViolation, database_unavailable
from kit.mongo import ensure_indexes, run_in_transaction, service_database
from kit import clock
from kit.retention import Purge

log = logging.getLogger("pingjian.events")

PROCESSED = "inbox_processed"


ATTEMPTS_HEADER = "x-pingjian-failed-attempts"

# Headers the broker sets when it dead-letters; they describe a past hop and are not copied on.
BROKER_HEADERS = ("x-death", "x-first-death-exchange", "x-first-death-queue", "x-first-death-reason",
                  "x-last-death-exchange", "x-last-death-queue", "x-last-death-reason")


def failed_attempts(message):
    """How many times a handler already failed on this message (our header; 0 if absent)."""
    try:
        return max(int((message.headers or {}).get(ATTEMPTS_HEADER, 0)), 0)
    except (TypeError, ValueError):
        return 0


def handler_queue(exchange, event_type, service_name, method_name):
    """The durable queue of a service's reliable handler of ``event_type`` on ``exchange``, exactly
    as that handler declares it (nameko's name, our dead-lettering into its retry queue). A producer
    that cannot wait for the consumer to start first (the gateway's access ledger) declares it too,
    so nothing it publishes before then is unroutable."""
    name = f"evt-{exchange.name.rsplit('.events', 1)[0]}-{event_type}--{service_name}.{method_name}"
    return Queue(name, exchange=exchange, routing_key=event_type, durable=True, auto_delete=False,
                 exclusive=False, queue_arguments={"x-dead-letter-exchange": "",
                                                   "x-dead-letter-routing-key": f"{name}.retry"})


class ReliableEventHandler(EventHandler):

    def setup(self):
        super().setup()
        config = self.container.config
        self.max_attempts = int(config.get("EVENT_MAX_ATTEMPTS", 5))
        name = self.queue.name
        self.retry_queue = Queue(f"{name}.retry", durable=True, queue_arguments={
            "x-message-ttl": int(config.get("EVENT_RETRY_DELAY_MS", 2000)),
            "x-dead-letter-exchange": "",           # default exchange: straight back ...
            "x-dead-letter-routing-key": name,      # ... to the handler's own queue
        })
        self.parked_queue = Queue(f"{name}.parked", durable=True)
        # Same queue nameko would declare, plus: rejected messages go to the retry queue.
        self.queue = Queue(name, exchange=self.queue.exchange, routing_key=self.queue.routing_key,
                           durable=True, auto_delete=self.queue.auto_delete, exclusive=self.queue.exclusive,
                           queue_arguments={"x-dead-letter-exchange": "",
                                            "x-dead-letter-routing-key": self.retry_queue.name})
        with Connection(config["AMQP_URI"]) as connection:
            channel = connection.default_channel
            self.retry_queue(channel).declare()
            self.parked_queue(channel).declare()

    def handle_message_processed(self, message, result=None, exc_info=None):
        if exc_info is None:
            self.queue_consumer.ack_message(message)
            return
        error = exc_info[1]
        # Not the event's fault when the database is away: retry for as long as the outage lasts.
        attempts = failed_attempts(message) + (0 if database_unavailable(error) or isinstance(error, Busy) else 1)
        if isinstance(error, ContractViolation) or attempts >= self.max_attempts:
            self._park(message, error, attempts)
        else:
            log.warning("event handler %s failed (%d of %d counted attempts), will retry: %r",
                        self.method_name, attempts, self.max_attempts, error)
            self._retry_later(message, attempts)

    def _retry_later(self, message, attempts):
        headers = {k: v for k, v in (message.headers or {}).items() if k not in BROKER_HEADERS}
        headers[ATTEMPTS_HEADER] = attempts
        try:
            copy_to_queue(self.container.config["AMQP_URI"], message, self.retry_queue.name, headers)
        except Exception as exc:  # the broker is in trouble too: let it dead-letter the original
            log.warning("could not re-queue the event for retry (%r); dead-lettering it instead", exc)
            self._dead_letter(message)
            return
        self.queue_consumer.ack_message(message)

    def _park(self, message, error, attempts):
        headers = dict(message.headers or {})
        headers.update({"x-parked-reason": repr(error)[:1000], "x-parked-attempts": attempts})
        try:
            copy_to_queue(self.container.config["AMQP_URI"], message, self.parked_queue.name, headers)
        except Exception as exc:
            # Raising here would end the container. The original still carries its previous count,
            # so after the retry delay it fails once more and parking is tried again.
            log.error("could not park the event in %s (%r) after %d attempt(s) of %r; dead-lettering it "
                      "to the retry queue instead", self.parked_queue.name, exc, attempts, error)
            self._dead_letter(message)
            return
        log.error("event parked in %s after %d attempt(s): %r", self.parked_queue.name, attempts, error)
        self.queue_consumer.ack_message(message)

    @staticmethod
    def _dead_letter(message):
        """Hand the original to the retry queue through the broker's dead-lettering: a delay,
        never a loss, and no publish of ours that could fail as well."""
        if message.channel.connection:  # a dead channel redelivers it anyway
            message.reject(requeue=False)


reliable_event_handler = ReliableEventHandler.decorator


def copy_to_queue(amqp_uri, message, queue_name, headers):
    """Publish a copy of a consumed ``message`` straight into ``queue_name`` and wait for the
    broker's confirm, so the original may be acknowledged afterwards without loss."""
    with Connection(amqp_uri, transport_options={"confirm_publish": True}) as connection:
        Producer(connection.default_channel).publish(
            message.body, exchange="", routing_key=queue_name, headers=headers,
            content_type=message.content_type, content_encoding=message.content_encoding,
            delivery_mode=2, retry=True, retry_policy={"max_retries": 3})


class Inbox(DependencyProvider):
    """``self.inbox.accept(body, type)`` validates; ``self.inbox.once(event, work)`` dedupes."""

    def setup(self):
        self.db = service_database(self.container.config, self.container.service_name)
        # Any replica may purge: deleting what is already deleted is harmless.
        self.retention = Purge.from_config(self.db[PROCESSED], "processed_at", self.container.config,
                                           "INBOX_RETENTION_DAYS", 30)

    def start(self):
        ensure_indexes(self.db, {PROCESSED: [IndexModel([("processed_at", ASCENDING)])]})

    def get_dependency(self, worker_ctx):
        consumer = f"{worker_ctx.service_name}.{worker_ctx.entrypoint.method_name}"
        return _InboxHandle(self.db, consumer)

    def worker_teardown(self, worker_ctx):
        try:
            self.retention.maybe_run()
        except PyMongoError as exc:  # retention can wait for the next interval
            log.warning("inbox retention skipped: %s", exc)


class _InboxHandle:
    def __init__(self, db, consumer):
        self._db = db
        self.consumer = consumer

    @staticmethod
    def accept(body, expected_type):
        try:
            return parse_event(body, expected_type)
        except ValidationError as exc:
            raise ContractViolation("事件不符合契约", fields=exc.normalized_messages()) from None

    def once(self, event, work):
        """Run ``work(session)`` unless this consumer already processed ``event``; True if it ran.

        Only a clash on the inbox record's own key means "already processed". A
        DuplicateKeyError raised by ``work`` (a business unique index) is a failure like any
        other: it aborts the transaction and propagates, so the event is retried or parked
        instead of being acknowledged and lost. Telling the two apart by where the error was
        raised, not by parsing its message, holds on MongoDB and SecantusDB alike.
        """
        def transaction(session):
            try:
                self._db[PROCESSED].insert_one({
                    "_id": f"{self.consumer}:{event['event_id']}",
                    "consumer": self.consumer, "event_id": event["event_id"],
                    "event_type": event["type"], "processed_at": clock.now(),
                }, session=session)
            except DuplicateKeyError:
                raise _AlreadyProcessed() from None  # run_in_transaction aborts: nothing was written
            work(session)
        try:
            run_in_transaction(self._db, transaction)
            return True
        except _AlreadyProcessed:
            log.info("duplicate event %s ignored by %s", event["event_id"], self.consumer)
            return False


class _AlreadyProcessed(Exception):
    """The inbox already holds this consumer's record of the event (never leaves ``once``)."""


class Consumer(ReliableEventHandler):
    """The entrypoint behind ``@consumes``: a reliable event handler of a service that keeps an inbox."""

    def setup(self):
        super().setup()
        if not isinstance(getattr(self.container.service_cls, "inbox", None), Inbox):
            raise TypeError(f"{self.container.service_name}.{self.method_name} consumes events, but the service "
                            f"declares no `inbox = Inbox()` to make it idempotent")


ONE_AT_A_TIME_WAIT_SECONDS = 10.0


class Busy(Exception):
    """A ``one_at_a_time`` handler waited its bound for the lock: the event is retried later, and the
    wait is not counted against it (like a database outage)."""


def consumes(source_service, event_type, one_at_a_time=None):
    """The one way to consume an event: ``@consumes("cases", "case.assigned")`` on
    ``def on_case_assigned(self, event, session)``.

    The envelope and payload are validated (unknown fields ignored; a contract violation is parked
    at once), and the method runs inside the inbox transaction with its ``session``: its writes and
    the processed event id commit together, and a duplicate delivery runs nothing. Failures are
    retried, then parked (ReliableEventHandler). Idempotency cannot be forgotten.

    ``one_at_a_time``: a lock (``eventlet.semaphore.Semaphore(1)``, shared by the handlers that
    write the same documents) held around the whole transaction, for handlers whose every run writes
    the same few documents (the ledger's chain heads): run side by side, all but one would conflict,
    abort and run again, each time with more to do."""
    def decorate(fn):
        def handle(self, body):
            event = self.inbox.accept(body, event_type)
            if one_at_a_time is None:
                self.inbox.once(event, lambda session: fn(self, event, session))
                return
            # Bounded: behind a run stalled by its database, the others give their events back to be
            # retried (not counted against them) instead of holding a worker, and a stop, for long.
            if not one_at_a_time.acquire(timeout=ONE_AT_A_TIME_WAIT_SECONDS):
                raise Busy(f"{fn.__name__}: another run held the lock for {ONE_AT_A_TIME_WAIT_SECONDS:g} s")
            try:
                self.inbox.once(event, lambda session: fn(self, event, session))
            finally:
                one_at_a_time.release()
        handle.__name__, handle.__qualname__, handle.__doc__ = fn.__name__, fn.__qualname__, fn.__doc__
        handle.consumes = (source_service, event_type)
        return Consumer.decorator(source_service, event_type)(handle)
    return decorate
