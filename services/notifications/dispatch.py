"""The claiming sender: sends queued deliveries after the inbox transaction committed.

Every replica runs one (``dispatcher = Dispatcher()``). It claims a queued record whose time has
come with a lease (storage.DeliveryQueue, the kit's claim pattern), sends it on its channel outside
any transaction, and settles it: ``sent`` (SMTP accepted it), ``delivered`` (the webhook answered
2xx), ``skipped`` (the user has no address or was deactivated meanwhile), or back to ``queued`` for
a later attempt with exponential backoff; after NOTIFY_MAX_ATTEMPTS attempts (or a permanent
refusal) ``failed`` with its reason. Each channel is a record of its own, so SMTP being down delays
only the e-mails: the inbox and the webhooks go on, and nothing is dropped.

Config: NOTIFY_POLL_SECONDS (1), NOTIFY_LEASE_SECONDS (60; longer than one send's timeouts),
NOTIFY_MAX_ATTEMPTS (8), NOTIFY_RETRY_BASE_SECONDS (30), NOTIFY_RETRY_MAX_SECONDS (3600),
NOTIFY_CONCURRENCY (4), SMTP_URL (empty: no e-mail), SMTP_FROM, WEBHOOK_TIMEOUT_SECONDS (10)."""
import logging
import os
import socket
import uuid
from datetime import timedelta

import eventlet
from eventlet.greenpool import GreenPool
from eventlet.queue import Empty, LightQueue
from nameko.extensions import DependencyProvider
from pymongo.errors import PyMongoError

from kit import clock
from kit.mongo import service_database
from services.notifications import domain
from services.notifications.channels import SmtpChannel, WebhookChannel
from services.notifications.domain import DEACTIVATED, DELIVERED, NO_EMAIL, SENT
from services.notifications.rules import EMAIL, WEBHOOK
from services.notifications.storage import DeliveryQueue

log = logging.getLogger("pingjian.notifications.dispatch")

RETRIES_EXHAUSTED, PERMANENT, RECIPIENT_UNKNOWN, WEBHOOK_GONE = (
    "retries_exhausted", "permanent_failure", "recipient_unknown", "webhook_removed")


class Dispatcher(DependencyProvider):

    def setup(self):
        config = self.container.config
        self.db = service_database(config, self.container.service_name)
        owner = f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"
        self.queue = DeliveryQueue(self.db, owner, float(config.get("NOTIFY_LEASE_SECONDS", 60)))
        self.poll = float(config.get("NOTIFY_POLL_SECONDS", 1))
        self.max_attempts = int(config.get("NOTIFY_MAX_ATTEMPTS", 8))
        self.base = float(config.get("NOTIFY_RETRY_BASE_SECONDS", 30))
        self.ceiling = float(config.get("NOTIFY_RETRY_MAX_SECONDS", 3600))
        self.smtp = SmtpChannel.from_config(config)
        self.webhooks = WebhookChannel(float(config.get("WEBHOOK_TIMEOUT_SECONDS", 10)))
        self.pool = GreenPool(int(config.get("NOTIFY_CONCURRENCY", 4)))
        self.channels = (EMAIL, WEBHOOK) if self.smtp else (WEBHOOK,)
        self._wake = LightQueue(maxsize=1)
        self._running = False

    @property
    def email_enabled(self):
        return self.smtp is not None

    def start(self):
        self._running = True
        self.container.spawn_managed_thread(self._run, identifier="notification_sender")

    def stop(self):
        self._running = False
        self.nudge()
        self.pool.waitall()  # sends in flight finish (each is bounded by its channel's timeout)

    def kill(self):
        self._running = False
        self.nudge()

    def get_dependency(self, worker_ctx):
        return self

    def worker_teardown(self, worker_ctx):
        self.nudge()  # a consumer's transaction has committed by now: new deliveries may be queued

    def nudge(self):
        try:
            self._wake.put_nowait(True)
        except eventlet.queue.Full:
            pass

    # -- the loop ------------------------------------------------------------------------------
    def _run(self):
        while self._running:
            try:
                while self._running and self.pool.free() > 0:
                    record = self.queue.claim(self.channels)
                    if record is None:
                        break
                    if record.get("digest"):
                        record["batch"] = self.queue.claim_digest_batch(record)
                    self.pool.spawn_n(self.deliver, record)
            except PyMongoError as exc:  # the database is away: try again at the next poll
                log.warning("notification sender paused: %s", exc)
            try:
                self._wake.get(timeout=self.poll)
            except Empty:
                pass

    def deliver(self, record):
        """Send one claimed record and settle it; never raises (a bug is logged and retried)."""
        try:
            self._deliver(record)
        except Exception as exc:  # noqa: BLE001 — settle as a failed attempt, do not kill the sender
            log.exception("delivery %s crashed", record["_id"])
            try:
                self._failed_attempt(record, f"{type(exc).__name__}: {exc}"[:300], {})
            except PyMongoError:
                pass  # the lease expires and another claim retries it
        finally:
            self.nudge()

    def _deliver(self, record):
        if record["channel"] == EMAIL:
            user = self.queue.user(record["recipient_id"])
            if user is None:  # not projected yet: its user.created may be on its way
                return self._failed_attempt(record, "收件人尚未同步", {"error": "recipient_unknown"},
                                            reason_when_exhausted=RECIPIENT_UNKNOWN)
            batch = record.get("batch") or [record]
            if not user.get("active"):
                return [self.queue.skipped(r, DEACTIVATED) for r in batch]
            if not user.get("email"):
                return [self.queue.skipped(r, NO_EMAIL) for r in batch]
            message = record
            if record.get("digest"):
                title, body = domain.digest_message(batch)
                message = {**record, "title": title, "body": body}
            outcome = self.smtp.send(message, user["email"], user.get("display_name"))
            settled, success = dict(address=user["email"]), SENT
        else:
            webhook = self.queue.webhook(record["webhook_id"])
            if webhook is None or not webhook.get("active"):
                return self.queue.failed(record, WEBHOOK_GONE, "订阅已删除或停用", {"error": WEBHOOK_GONE})
            batch = [record]
            outcome = self.webhooks.send(record, webhook)
            settled, success = dict(address=webhook["url"]), DELIVERED
        for each in batch:
            self._settle(each, outcome, success, settled)

    def _settle(self, record, outcome, success, settled):
        if outcome.ok:
            self.queue.succeeded(record, success, {"ok": True, **outcome.log}, **settled)
            log.info("delivery %s %s (%s, attempt %d)", record["_id"], success, record["channel"], record["attempts"])
        elif outcome.permanent:
            self.queue.failed(record, PERMANENT, outcome.error, {"ok": False, "error": outcome.error, **outcome.log})
            log.warning("delivery %s failed permanently: %s", record["_id"], outcome.error)
        else:
            self._failed_attempt(record, outcome.error, outcome.log)

    def _failed_attempt(self, record, error, entry, reason_when_exhausted=RETRIES_EXHAUSTED):
        entry = {"ok": False, "error": error, **entry}
        if record["attempts"] >= self.max_attempts:
            log.warning("delivery %s failed after %d attempts: %s", record["_id"], record["attempts"], error)
            return self.queue.failed(record, reason_when_exhausted, error, entry)
        delay = domain.backoff_seconds(record["attempts"], self.base, self.ceiling)
        log.info("delivery %s attempt %d failed (%s); next in %.1fs", record["_id"], record["attempts"], error, delay)
        return self.queue.retry_at(record, clock.now() + timedelta(seconds=delay), error, entry)
