"""Shared fixtures: a real SecantusDB process and per-test service config.

nameko needs eventlet's monkey patching before anything opens a socket, so
it happens first, here (``nameko test`` would do the same).
"""
import eventlet

eventlet.monkey_patch()

import os  # noqa: E402
import secrets  # noqa: E402
import tempfile  # noqa: E402
import uuid  # noqa: E402

import pytest  # noqa: E402
from cryptography.fernet import Fernet  # noqa: E402

from ops.launcher import start_secantus, free_port  # noqa: E402
from kit.mongo import get_client  # noqa: E402

# Layer order (unit, integration, e2e; stop after the first that breaks) and, in CI, no skips.
pytest_plugins = ["tests.support.layers"]


@pytest.fixture(scope="session")
def mongo_uri():
    """A SecantusDB on a free port for the whole session (or PINGJIAN_TEST_MONGO_URI, e.g. a real mongod)."""
    given = os.environ.get("PINGJIAN_TEST_MONGO_URI")
    if given:
        yield given
        return
    log_dir = tempfile.mkdtemp(prefix="pingjian-test-logs-")
    proc, uri = start_secantus(":memory:", free_port(), log_dir)
    yield uri
    proc.stop()


@pytest.fixture
def db_prefix():
    return f"t{uuid.uuid4().hex[:10]}"


@pytest.fixture
def service_config(rabbit_config, mongo_uri, db_prefix):
    """nameko config for services under test: a fresh vhost (nameko's fixture) and fresh databases."""
    return {
        "AMQP_URI": rabbit_config["AMQP_URI"],
        "MONGO_URI": mongo_uri,
        "MONGO_DB_PREFIX": db_prefix,
        "JWT_SECRET": secrets.token_urlsafe(40),
        "DATA_KEYS": f"test1:{Fernet.generate_key().decode()}",
        "OUTBOX_POLL_SECONDS": 0.1,
        "OUTBOX_LEASE_SECONDS": 2,
        "EVENT_RETRY_DELAY_MS": 200,
        "EVENT_MAX_ATTEMPTS": 3,
        # One service alone: its events' consumers are not running, so nothing is held back for them.
        "OUTBOX_STARTUP_GRACE_SECONDS": 0,
    }


@pytest.fixture
def service_db(mongo_uri, db_prefix):
    """Open a service's own database the way the service does: ``service_db("cases")``."""
    return lambda service: get_client(mongo_uri)[f"{db_prefix}_{service}"]
