"""The gateway against services that are down: bounded waits, and no late execution."""
import time

import requests

from gateway.service import GatewayService
from ops.launcher import free_port
from services.accounts.service import AccountsService
from services.cases.service import CasesService
from tests.support.accounts import seed_account, token_for
from tests.support.mongo_uri import direct_uri, first_node
from tests.support.tcp_proxy import TcpProxy



def token_for_head(config, service_db):
    """A token of an existing account: the gateway checks every token against the account."""
    seed_account(service_db)
    return token_for(config["JWT_SECRET"])


def test_a_call_the_gateway_gave_up_on_is_never_executed_later(container_factory, service_config, service_db):
    config = {**service_config, "RPC_TIMEOUT_SECONDS": 1, "WEB_SERVER_ADDRESS": f"127.0.0.1:{free_port()}"}
    cases = container_factory(CasesService, config)
    cases.start()
    cases.stop()  # its durable request queue stays behind, as when the process dies
    container_factory(AccountsService, config).start()
    container_factory(GatewayService, config).start()
    token = token_for_head(config, service_db)

    started = time.monotonic()
    response = requests.post(f"http://{config['WEB_SERVER_ADDRESS']}/v1/cases",
                             headers={"Authorization": f"Bearer {token}"},
                             json={"case_no": "超时-1", "title": "超时测试", "category": "criminal",
                                   "department": "criminal"}, timeout=10)
    assert response.status_code == 504
    assert response.json()["error"]["code"] == "upstream_timeout"
    assert time.monotonic() - started < 5

    container_factory(CasesService, config).start()  # the service comes back
    time.sleep(1.5)
    assert service_db("cases").cases.count_documents({}) == 0


def test_a_database_outage_is_503_at_the_gateway_not_500(container_factory, service_config, mongo_uri, service_db):
    proxy = TcpProxy(*first_node(mongo_uri)).start()  # directConnection: every byte goes through the proxy
    # A short database bound (2 s, as in the ledger's outage test), far below the RPC bound (20 s): the
    # answer is the database's 503, never the gateway's 504, and each request waits 2 s, not the default.
    config = {**service_config, "MONGO_URI": direct_uri(mongo_uri, "127.0.0.1", proxy.port),
              "RPC_TIMEOUT_SECONDS": 20, "MONGO_OPERATION_SECONDS": 2, "WEB_SERVER_ADDRESS": f"127.0.0.1:{free_port()}"}
    container_factory(CasesService, config).start()
    container_factory(AccountsService, config).start()
    container_factory(GatewayService, config).start()
    base, token = f"http://{config['WEB_SERVER_ADDRESS']}", token_for_head(config, service_db)
    headers = {"Authorization": f"Bearer {token}"}
    assert requests.get(f"{base}/v1/cases", headers=headers, timeout=20).status_code == 200

    proxy.stop()  # the database vanishes for every process
    for path in ("/v1/cases", "/v1/me"):  # through RPC to the cases service; to the accounts service
        response = requests.get(base + path, headers=headers, timeout=30)
        assert response.status_code == 503, (path, response.text)
        assert response.json()["error"]["code"] == "service_unavailable"
