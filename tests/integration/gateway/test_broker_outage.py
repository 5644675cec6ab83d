"""The gateway while it cannot reach RabbitMQ: /health says 503 at once, calls are a fast 503 (not a
hang, not a 500), and everything works again when the broker is back."""
import time
from urllib.parse import urlsplit, urlunsplit

import pytest
import requests

from gateway.service import GatewayService
from ops.launcher import free_port
from services.accounts.service import AccountsService
from services.cases.service import CasesService
from tests.support.accounts import seed_account, token_for
from tests.support.tcp_proxy import TcpProxy
from tests.support.waiting import wait_for



def through(proxy, amqp_uri):
    parts = urlsplit(amqp_uri)
    return urlunsplit(parts._replace(netloc=f"guest:guest@127.0.0.1:{proxy.port}"))


@pytest.fixture(scope="module")
def broker_proxy():
    """Module-scoped, so it closes after the containers were killed: a nameko container whose
    broker connection is cut cannot even be killed (test_kit_run covers how kit.run ends such a
    process)."""
    proxy = TcpProxy("127.0.0.1", 5672).start()
    yield proxy
    proxy.stop()


def test_broker_down_is_503_and_health_says_so_then_it_recovers(broker_proxy, container_factory, service_config,
                                                                 service_db):
    proxy = broker_proxy
    gateway_config = {**service_config, "AMQP_URI": through(proxy, service_config["AMQP_URI"]),
                      "RPC_TIMEOUT_SECONDS": 5, "WEB_SERVER_ADDRESS": f"127.0.0.1:{free_port()}"}
    container_factory(CasesService, service_config).start()
    container_factory(AccountsService, service_config).start()
    container_factory(GatewayService, gateway_config).start()
    seed_account(service_db)
    base = f"http://{gateway_config['WEB_SERVER_ADDRESS']}"
    headers = {"Authorization": f"Bearer {token_for(service_config['JWT_SECRET'])}"}
    body = {"case_no": "断网-1", "title": "消息队列中断", "category": "criminal", "department": "criminal"}
    case = requests.post(base + "/v1/cases", json=body, headers=headers, timeout=10).json()
    try:
        proxy.stop()  # RabbitMQ vanishes for the gateway (the cases service keeps its own link)
        started = time.monotonic()
        health = requests.get(base + "/health", timeout=10)
        assert health.status_code == 503 and health.json()["checks"]["broker"].startswith("unavailable")
        call = requests.get(f"{base}/v1/cases/{case['id']}", headers=headers, timeout=10)
        assert call.status_code == 503, call.text
        assert call.json()["error"]["code"] == "service_unavailable" and call.headers["Retry-After"]
        assert time.monotonic() - started < 8  # answered, not waited out
    finally:
        proxy.start()  # the same port again
    wait_for(lambda: requests.get(base + "/health", timeout=10).status_code == 200, timeout=60,
             message="/health ok again")
    wait_for(lambda: requests.get(f"{base}/v1/cases/{case['id']}", headers=headers, timeout=10).status_code == 200,
             timeout=60, message="calls served again")
