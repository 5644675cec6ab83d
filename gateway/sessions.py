"""Hearing of logouts made through other gateway processes, without a worker.

Each gateway process binds a queue of its own (exclusive, deleted with its connection) to the
accounts service's event exchange for ``session.ended``, and marks each ended session in its
account checks (``gateway.accounts.session_ended``). A plain consumer thread, not a nameko
entrypoint: a worker would take a slot the HTTP routes and ``/health`` count on, and the gateway's
dependencies assume an HTTP route. Losing the broker loses nothing that matters: the account check
asks the accounts service (which recorded the logout) at least every ACCOUNT_CACHE_SECONDS.
"""
import logging
import uuid

import eventlet
from kombu import Connection, Consumer, Queue
from nameko.events import get_event_exchange
from nameko.extensions import DependencyProvider

from gateway.accounts import session_ended

log = logging.getLogger("pingjian.gateway")

EVENT = "session.ended"
POLL_SECONDS = 1.0  # how often the consumer looks up from the socket to see whether it must stop
RETRY_SECONDS = 2.0


def apply(body):
    """Mark the session a ``session.ended`` envelope names as ended (anything malformed is ignored)."""
    payload = body.get("payload") if isinstance(body, dict) else None
    payload = payload if isinstance(payload, dict) else {}
    session_id, expires_at = payload.get("session_id"), payload.get("expires_at")
    if isinstance(session_id, str) and isinstance(expires_at, int) and not isinstance(expires_at, bool):
        session_ended(session_id, expires_at)
        return True
    return False


class EndedSessionListener(DependencyProvider):
    def setup(self):
        config = self.container.config
        self.amqp_uri = config["AMQP_URI"]
        self.exchange = get_event_exchange("accounts", config)
        self.queue_name = f"gateway-sessions-{uuid.uuid4().hex}"
        self._stopping = False

    def start(self):
        self.container.spawn_managed_thread(self._run, identifier="ended_session_listener")

    def stop(self):
        self._stopping = True

    def kill(self):
        self._stopping = True

    def _run(self):
        while not self._stopping:
            try:
                self._consume()
            except Exception as exc:  # the broker away: try again; the account check covers the gap
                if not self._stopping:
                    log.warning("session listener disconnected (%r); retrying", exc)
                    eventlet.sleep(RETRY_SECONDS)

    def _consume(self):
        queue = Queue(self.queue_name, exchange=self.exchange, routing_key=EVENT, exclusive=True,
                      auto_delete=True, durable=False)
        with Connection(self.amqp_uri, connect_timeout=5, transport_options={"max_retries": 1}) as connection:
            with Consumer(connection, queues=[queue], callbacks=[self._on_message], accept=["json"]):
                while not self._stopping:
                    try:
                        connection.drain_events(timeout=POLL_SECONDS)
                    except TimeoutError:
                        connection.heartbeat_check()

    def _on_message(self, body, message):
        apply(body)
        message.ack()
