"""One MongoDB database per service.

The database is ``<MONGO_DB_PREFIX>_<service name>`` on ``MONGO_URI``. A
service declares its indexes next to its storage code and they are created
when the container starts. One MongoClient per URI per process, so that the
outbox and the service's own writes share sessions and transactions.
"""
import threading
import time

import pymongo
from pymongo import MongoClient
from pymongo.errors import PyMongoError


_clients = {}
# nameko runs every extension's setup() concurrently (green threads), and
# creating a MongoClient yields: without the lock two providers get two clients.
_clients_lock = threading.Lock()


# Every database operation is bounded (client-side timeoutMS): a stalled database makes a read
# fail (503) instead of holding a worker until it answers. Below the gateway's RPC timeout (10 s).
DEFAULT_OPERATION_SECONDS = 8.0
# Building indexes at start may legitimately take longer on a large collection.
INDEX_BUILD_SECONDS = 600.0


def get_client(uri, operation_seconds=DEFAULT_OPERATION_SECONDS):
    key = (uri, float(operation_seconds))
    with _clients_lock:
        client = _clients.get(key)
        if client is None:
            client = _clients[key] = MongoClient(
                uri, tz_aware=True, serverSelectionTimeoutMS=5000, connectTimeoutMS=5000, appname="pingjian",
                timeoutMS=int(float(operation_seconds) * 1000))
        return client


def service_database(config, service_name):
    prefix = config.get("MONGO_DB_PREFIX") or "pingjian"
    client = get_client(config["MONGO_URI"], config.get("MONGO_OPERATION_SECONDS", DEFAULT_OPERATION_SECONDS))
    return client[f"{prefix}_{service_name}"]


def ensure_indexes(db, indexes):
    with pymongo.timeout(INDEX_BUILD_SECONDS):  # overrides the client's per-operation bound
        for collection, models in indexes.items():
            if models:
                db[collection].create_indexes(models)


# Below the gateway's default RPC timeout (10 s): a write the database cannot take in time fails
# (503) while the caller still waits, instead of committing after it was told 504.
TRANSACTION_SECONDS = 8.0


def run_in_transaction(db, work, seconds=TRANSACTION_SECONDS):
    """Run ``work(session)`` in one multi-document transaction, retrying transient conflicts.

    pymongo's ``with_transaction`` does the same but retries for a fixed 120 s: during a database
    outage that held a worker for two minutes (so a service stopped answering even the calls it
    could serve) and could commit long after the caller had given up. Here the retries and every
    operation in them (``pymongo.timeout``) share one deadline of ``seconds``.
    """
    deadline = time.monotonic() + seconds
    with pymongo.timeout(seconds), db.client.start_session() as session:
        while True:
            session.start_transaction()
            try:
                result = work(session)
            except Exception as exc:
                if session.in_transaction:
                    session.abort_transaction()  # pymongo ignores a failing abort, as the spec says
                if _retry_allowed(exc, "TransientTransactionError", deadline):
                    continue
                raise
            try:
                _commit(session, deadline)
                return result
            except PyMongoError as exc:
                if _retry_allowed(exc, "TransientTransactionError", deadline):
                    continue
                raise


def _commit(session, deadline):
    while True:
        try:
            session.commit_transaction()
            return
        except PyMongoError as exc:
            if _retry_allowed(exc, "UnknownTransactionCommitResult", deadline) and not _max_time_expired(exc):
                continue
            raise


def _retry_allowed(exc, label, deadline):
    return (isinstance(exc, PyMongoError) and exc.has_error_label(label) and not exc.timeout
            and time.monotonic() < deadline)


def _max_time_expired(exc):
    return getattr(exc, "code", None) == 50  # MaxTimeMSExpired: the server gave up; do not insist
