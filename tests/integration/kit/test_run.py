"""kit.run: a service process stops within its bound on SIGTERM, even when its broker link is gone
(nameko's own stop, and even its kill, would wait for that link forever)."""
import os
import secrets
import signal
import tempfile
import time
from urllib.parse import urlsplit, urlunsplit

import pytest
import requests

from ops.launcher import ROOT, Process, free_port, service_command, wait_until
from tests.support.tcp_proxy import TcpProxy

pytestmark = pytest.mark.processes  # starts processes of its own: not in make test-fast

SHUTDOWN_SECONDS = 3


def test_a_process_whose_broker_vanished_still_stops_on_sigterm(rabbit_config, mongo_uri, db_prefix):
    """The gateway's /health needs the accounts service: it runs beside it, on the real broker."""
    proxy = TcpProxy("127.0.0.1", 5672).start()
    amqp = urlsplit(rabbit_config["AMQP_URI"])
    port = free_port()
    env = {**os.environ, "PYTHONPATH": str(ROOT), "MONGO_URI": mongo_uri, "MONGO_DB_PREFIX": db_prefix,
           "AMQP_URI": urlunsplit(amqp._replace(netloc=f"guest:guest@127.0.0.1:{proxy.port}")),
           "JWT_SECRET": secrets.token_urlsafe(40), "GATEWAY_ADDRESS": f"127.0.0.1:{port}",
           "SHUTDOWN_SECONDS": str(SHUTDOWN_SECONDS)}
    log_dir = tempfile.mkdtemp(prefix="pingjian-kitrun-")
    accounts = Process("accounts", service_command("services.accounts.service:AccountsService"),
                       {**env, "AMQP_URI": rabbit_config["AMQP_URI"]}, log_dir).start()
    gateway = Process("gateway", service_command("gateway.service:GatewayService"), env, log_dir).start()
    try:
        wait_until(lambda: requests.get(f"http://127.0.0.1:{port}/health", timeout=2).status_code == 200, 60,
                   "gateway")
        proxy.stop()  # the broker is gone for this process, mid-connection
        time.sleep(1)
        started = time.monotonic()
        gateway.popen.send_signal(signal.SIGTERM)
        gateway.popen.wait(timeout=SHUTDOWN_SECONDS + 20)
        took = time.monotonic() - started
        assert took < SHUTDOWN_SECONDS + 10, f"stopping took {took:.1f}s"
        assert "graceful stop did not finish" in gateway.tail(200) or gateway.popen.returncode == 0
    finally:
        if gateway.alive():
            gateway.popen.kill()
        accounts.stop()
        proxy.stop()
