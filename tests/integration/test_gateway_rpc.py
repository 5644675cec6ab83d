"""The gateway against services that are down: bounded waits, and no late execution."""
import time

import requests

from gateway.auth import TokenIssuer
from gateway.service import GatewayService
from ops.launcher import free_port
from services.cases.service import CasesService

HEAD = {"_id": "u-head", "username": "wang", "roles": ["department_head"], "department": "criminal"}


def test_a_call_the_gateway_gave_up_on_is_never_executed_later(container_factory, service_config, service_db):
    config = {**service_config, "RPC_TIMEOUT_SECONDS": 1, "WEB_SERVER_ADDRESS": f"127.0.0.1:{free_port()}"}
    cases = container_factory(CasesService, config)
    cases.start()
    cases.stop()  # its durable request queue stays behind, as when the process dies
    container_factory(GatewayService, config).start()
    token = TokenIssuer(config["JWT_SECRET"], 60).issue(HEAD)

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
