"""A logout through one gateway process is honoured by every other one at once, not after the
account cache: two gateway processes beside one accounts service, on real RabbitMQ and SecantusDB."""
import os
import secrets
import tempfile

import pytest
import requests

from ops.launcher import ROOT, Process, free_port, service_command, stop_together, wait_until
from tests.support.waiting import wait_for

pytestmark = pytest.mark.processes  # starts processes of its own: not in make test-fast

ADMIN, PASSWORD = "admin", "logout-test-password"


def test_a_logout_through_one_gateway_is_refused_by_another_at_once(rabbit_config, mongo_uri, db_prefix):
    ports = [free_port(), free_port()]
    env = {**os.environ, "PYTHONPATH": str(ROOT), "MONGO_URI": mongo_uri, "MONGO_DB_PREFIX": db_prefix,
           "AMQP_URI": rabbit_config["AMQP_URI"], "JWT_SECRET": secrets.token_urlsafe(40),
           "PINGJIAN_ADMIN_USER": ADMIN, "PINGJIAN_ADMIN_PASSWORD": PASSWORD,
           # An hour: whatever refuses the token within seconds is not the account cache expiring.
           "ACCOUNT_CACHE_SECONDS": "3600", "SHUTDOWN_SECONDS": "5"}
    log_dir = tempfile.mkdtemp(prefix="pingjian-logout-")
    processes = [Process("accounts", service_command("services.accounts.service:AccountsService"), env,
                         log_dir).start()]
    for number, port in enumerate(ports):
        processes.append(Process(f"gateway-{number}", service_command("gateway.service:GatewayService"),
                                 {**env, "GATEWAY_ADDRESS": f"127.0.0.1:{port}"}, log_dir).start())
    first, second = (f"http://127.0.0.1:{port}" for port in ports)
    try:
        for base in (first, second):
            wait_until(lambda base=base: requests.get(f"{base}/health", timeout=2).status_code == 200, 60, base)
        # The bootstrap admin is created once the accounts service has started: wait for the login.
        login = wait_for(lambda: (lambda r: r if r.status_code == 200 else None)(requests.post(
            f"{first}/v1/auth/token", json={"username": ADMIN, "password": PASSWORD}, timeout=10)),
            timeout=30, message="the bootstrap admin's login")
        token = login.json()["access_token"]
        headers = {"Authorization": f"Bearer {token}"}
        assert requests.get(f"{second}/v1/me", headers=headers, timeout=10).status_code == 200  # now cached there

        assert requests.post(f"{first}/v1/auth/logout", headers=headers, timeout=10).status_code == 200
        assert requests.get(f"{first}/v1/me", headers=headers, timeout=10).status_code == 401
        wait_for(lambda: requests.get(f"{second}/v1/me", headers=headers, timeout=10).status_code == 401,
                 timeout=3, message="the other gateway refuses the ended session")
    finally:
        stop_together(processes)  # at once: one after the other, each took its own seconds to stop
