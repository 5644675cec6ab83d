"""One MongoDB database per service.

The database is ``<MONGO_DB_PREFIX>_<service name>`` on ``MONGO_URI``. A
service declares its indexes next to its storage code and they are created
when the container starts. One MongoClient per URI per process, so that the
outbox and the service's own writes share sessions and transactions.
"""
import threading
from datetime import datetime, timezone

from nameko.extensions import DependencyProvider
from pymongo import MongoClient

from kit.rpc import rpc

_clients = {}
# nameko runs every extension's setup() concurrently (green threads), and
# creating a MongoClient yields: without the lock two providers get two clients.
_clients_lock = threading.Lock()


def utcnow():
    # Millisecond precision: what BSON dates keep, so a value read back compares equal.
    now = datetime.now(timezone.utc)
    return now.replace(microsecond=now.microsecond // 1000 * 1000)


def get_client(uri):
    with _clients_lock:
        client = _clients.get(uri)
        if client is None:
            client = _clients[uri] = MongoClient(
                uri, tz_aware=True, serverSelectionTimeoutMS=5000, connectTimeoutMS=5000, appname="pingjian")
        return client


def service_database(config, service_name):
    prefix = config.get("MONGO_DB_PREFIX") or "pingjian"
    return get_client(config["MONGO_URI"])[f"{prefix}_{service_name}"]


def ensure_indexes(db, indexes):
    for collection, models in indexes.items():
        if models:
            db[collection].create_indexes(models)


def run_in_transaction(db, work):
    """Run ``work(session)`` in one multi-document transaction (retried on transient conflicts)."""
    with db.client.start_session() as session:
        return session.with_transaction(work)


class MongoDatabase(DependencyProvider):
    """Injects the service's pymongo Database; creates its declared indexes at start."""

    def __init__(self, indexes=None):
        self.indexes = indexes or {}

    def setup(self):
        self.db = service_database(self.container.config, self.container.service_name)

    def start(self):
        ensure_indexes(self.db, self.indexes)

    def get_dependency(self, worker_ctx):
        return self.db


class HealthRpc:
    """Mixin for a service with ``db = MongoDatabase(...)``: the ``health`` RPC that
    container healthchecks call (``python -m kit.healthcheck <service>``)."""

    @rpc
    def health(self):
        self.db.command("ping")
        return {"status": "ok", "service": self.name}
