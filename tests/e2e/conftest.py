"""The platform as real processes (SecantusDB, RabbitMQ vhost, nameko services, gateway), once per session.

With PINGJIAN_E2E_BASE_URL set (``make smoke`` against docker compose), the
tests drive that stack instead, logging in with PINGJIAN_E2E_ADMIN_USER /
PINGJIAN_E2E_ADMIN_PASSWORD; tests that need to reach inside the platform
(cut the relay's broker link, read a database) are skipped there.
"""
import os
import secrets
import tempfile
import uuid
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Optional

import pytest
from cryptography.fernet import Fernet

from kit.mongo import get_client
from ops.launcher import LocalPlatform, ServiceDatabases, free_port
from tests.support.api import Api
from tests.support.smtp import SmtpServer
from tests.support.tcp_proxy import TcpProxy


HEADER_SECONDS = 3
START_SECONDS = 180
# The notifications sender of the test platforms: quick polls and backoff, so mail and webhooks can be
# read within a test (tests/e2e/notifications); e-mail goes to the ``smtp`` server below.
QUICK_SENDER = {"NOTIFY_POLL_SECONDS": "0.2", "NOTIFY_RETRY_BASE_SECONDS": "0.3", "NOTIFY_RETRY_MAX_SECONDS": "1",
                "NOTIFY_MAX_ATTEMPTS": "5"}


@dataclass
class Stack:
    base_url: str
    admin_user: str
    admin_password: str
    proxy: Optional[TcpProxy] = None
    mongo_uri: Optional[str] = None
    db_prefix: Optional[str] = None
    amqp_uri: Optional[str] = None
    log_dir: Optional[str] = None
    jwt_secret: Optional[str] = None  # local platform only: lets a test sign an expired token
    # Like make run: each service's database on its own SecantusDB process (service -> uri).
    service_uris: Optional[dict] = None

    def db(self, service):
        if not self.mongo_uri:
            pytest.skip("needs direct database access (local platform only)")
        uri = (self.service_uris or {}).get(service, self.mongo_uri)
        return get_client(uri)[f"{self.db_prefix}_{service}"]

    def clients(self):
        """A client of every database server of the platform (one per service, as make run)."""
        if not self.mongo_uri:
            pytest.skip("needs direct database access (local platform only)")
        uris = sorted(set((self.service_uris or {}).values()) | {self.mongo_uri})
        return [get_client(uri) for uri in uris]


@contextmanager
def local_stack(request, with_relay_proxy=True, services=None, **extra_env):
    """A whole platform as processes on a vhost and database prefix of its own; ``services``: only
    these services (and their databases) besides the gateway, for a test that needs no more."""
    mongo_uri = request.getfixturevalue("mongo_uri")
    rabbit_manager = request.getfixturevalue("rabbit_manager")
    vhost = f"pingjian_e2e_{uuid.uuid4().hex[:8]}"
    rabbit_manager.create_vhost(vhost)
    rabbit_manager.set_vhost_permissions(vhost, "guest", ".*", ".*", ".*")
    proxy = TcpProxy("127.0.0.1", 5672).start() if with_relay_proxy else None
    admin_user, admin_password, prefix = "admin", secrets.token_urlsafe(12), f"e2e{uuid.uuid4().hex[:8]}"
    env = {"AMQP_URI": f"pyamqp://guest:guest@127.0.0.1:5672/{vhost}", "MONGO_URI": mongo_uri,
           "MONGO_DB_PREFIX": prefix, "JWT_SECRET": secrets.token_urlsafe(40),
           "PINGJIAN_DATA_KEYS": f"e2e1:{Fernet.generate_key().decode()}",
           "PINGJIAN_ADMIN_USER": admin_user, "PINGJIAN_ADMIN_PASSWORD": admin_password,
           "OUTBOX_POLL_SECONDS": "0.2", "EVENT_RETRY_DELAY_MS": "500", "ACCOUNT_CACHE_SECONDS": "1",
           # Short, so the idle-connection test need not wait long; and every test logs in from
           # 127.0.0.1, so the per-address login budget is large here (its own test uses a small one).
           "HTTP_HEADER_SECONDS": str(HEADER_SECONDS), "LOGIN_MAX_FAILURES_PER_ADDRESS": "100000",
           # For the same reason the per-address bounds on login workers are off here (a test that
           # needs the defaults passes them: tests/e2e/accounts/test_lockout.py).
           "LOGIN_IN_FLIGHT_PER_ADDRESS": "1000", "LOGIN_CLEAN_RESERVE": "0",
           # Requested jobs (a data-check run) start within a second, not a poll of 30 s.
           "JOB_POLL_SECONDS": "0.5", **extra_env}
    # Only the cases relay goes through the proxy, so the outage test can cut exactly that link.
    overrides = ({"cases": {"RELAY_AMQP_URI": f"pyamqp://guest:guest@127.0.0.1:{proxy.port}/{vhost}"}}
                 if proxy else {})
    log_dir = tempfile.mkdtemp(prefix="pingjian-e2e-")
    platform = databases = None
    try:
        # As make run starts it: one SecantusDB process per service database (in memory here).
        databases = ServiceDatabases(":memory:", log_dir, services=services)
        databases.start()
        for service, extra in databases.overrides().items():
            overrides[service] = {**overrides.get(service, {}), **extra}
        # A bound, not a target: a second platform starting beside the shared one on 2 loaded cores
        # took over a minute for the accounts service once (a full run); make run keeps its 60 s.
        platform = LocalPlatform(env, log_dir, gateway_port=free_port(), overrides=overrides,
                                 services=services).start(timeout=START_SECONDS)
        yield Stack(platform.base_url, admin_user, admin_password, proxy, mongo_uri, prefix, env["AMQP_URI"],
                    log_dir, env["JWT_SECRET"], dict(databases.uris))
    finally:
        if platform is not None:
            platform.stop()
        if databases is not None:
            databases.stop()
        if proxy is not None:
            proxy.stop()
        rabbit_manager.delete_vhost(vhost)
        print(f"\ne2e process logs: {log_dir}")


@pytest.fixture(scope="package")
def smtp():
    """A real SMTP server (aiosmtpd) the local platform's notifications send e-mail to."""
    server = SmtpServer().start()
    yield server
    server.stop()


# Package scope (tests/e2e), not session: the platform stops when the e2e tests are done. One platform
# for every e2e test that can share it (the notifications tests and the schemathesis run had platforms
# of their own: each start and stop cost about a minute on 2 cores).
@pytest.fixture(scope="package")
def stack(request):
    base_url = os.environ.get("PINGJIAN_E2E_BASE_URL")
    if base_url:
        yield Stack(base_url, os.environ["PINGJIAN_E2E_ADMIN_USER"], os.environ["PINGJIAN_E2E_ADMIN_PASSWORD"])
        return
    smtp = request.getfixturevalue("smtp")
    with local_stack(request, SMTP_URL=smtp.url, **QUICK_SENDER) as started:
        yield started


@pytest.fixture(scope="package")
def anonymous(stack):
    return Api(stack.base_url)


@pytest.fixture(scope="package")
def admin(stack, anonymous):
    return anonymous.login(stack.admin_user, stack.admin_password)


@pytest.fixture(scope="package")
def criminal_head(admin):
    return admin.create_user("department_head", "criminal")


@pytest.fixture(scope="package")
def criminal_prosecutor(admin):
    return admin.create_user("prosecutor", "criminal")


@pytest.fixture(scope="package")
def civil_prosecutor(admin):
    return admin.create_user("prosecutor", "civil")
