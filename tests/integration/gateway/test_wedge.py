"""The gateway cannot be wedged (hardening issue §1), over real RabbitMQ and SecantusDB.

The scenario that wedged it: the cases process is paused (SIGSTOP) while another RPC client
holds its prefetch with ten calls; ten GETs through the gateway time out, their requests expire
in the queue and no reply ever comes. The gateway's ten workers used to wait for those replies
forever, so it answered nothing again, /health included. Here the gateway and the cases service
are real processes (``kit.run``), as ``make run`` starts them.
"""
import json
import os
import secrets
import signal
import tempfile
import time
import uuid

import eventlet
import pytest
import requests
from cryptography.fernet import Fernet
from nameko.standalone.rpc import ClusterRpcProxy

from ops.launcher import ROOT, Process, free_port, service_command, stop_together, wait_until
from tests.support.accounts import seed_account, token_for
from tests.support.amqp import ready_count
from tests.support.waiting import wait_for

pytestmark = pytest.mark.processes  # starts processes of its own: not in make test-fast

RPC_TIMEOUT = 2


@pytest.fixture
def processes(rabbit_config, mongo_uri, db_prefix, service_db):
    port = free_port()
    env = {**os.environ, "PYTHONPATH": str(ROOT), "AMQP_URI": rabbit_config["AMQP_URI"], "MONGO_URI": mongo_uri,
           "MONGO_DB_PREFIX": db_prefix, "JWT_SECRET": secrets.token_urlsafe(40),
           "PINGJIAN_DATA_KEYS": f"w1:{Fernet.generate_key().decode()}",
           "RPC_TIMEOUT_SECONDS": str(RPC_TIMEOUT), "GATEWAY_ADDRESS": f"127.0.0.1:{port}",
           "HTTP_WORKER_WAIT_SECONDS": "0.5",  # the bound under test: a full pool refuses within it
           "SHUTDOWN_SECONDS": "15", "LOG_LEVEL": "INFO"}
    log_dir = tempfile.mkdtemp(prefix="pingjian-wedge-")
    started = {}

    def start(name, target):
        started[name] = Process(name, service_command(target), env, log_dir).start()
        return started[name]

    start("accounts", "services.accounts.service:AccountsService")
    cases = start("cases", "services.cases.service:CasesService")
    gateway = start("gateway", "gateway.service:GatewayService")
    base = f"http://127.0.0.1:{port}"
    seed_account(service_db)
    token = token_for(env["JWT_SECRET"])
    try:
        wait_until(lambda: requests.get(base + "/health", timeout=2).status_code == 200, 60, "gateway")
        # The gateway's health says nothing of the cases service, still doing its start-up work (its
        # indexes, statistics, search grams): the first registration timed out at RPC_TIMEOUT in a CI run.
        wait_until(lambda: requests.get(base + "/v1/cases", params={"limit": 1}, headers={
            "Authorization": f"Bearer {token}"}, timeout=RPC_TIMEOUT + 3).status_code == 200, 60, "the cases service")
        yield {"base": base, "headers": {"Authorization": f"Bearer {token}"}, "cases": cases, "gateway": gateway,
               "amqp_uri": rabbit_config["AMQP_URI"], "log_dir": log_dir}
    finally:
        for proc in started.values():
            if proc.alive():
                os.kill(proc.popen.pid, signal.SIGCONT)
        stop_together(list(started.values()))  # at once: one after the other, each took its own seconds


def register_case(p):
    body = {"case_no": f"卡死-{uuid.uuid4().hex[:8]}", "title": "卡死测试", "category": "criminal",
            "department": "criminal"}
    response = requests.post(p["base"] + "/v1/cases", json=body, headers=p["headers"], timeout=10)
    assert response.status_code == 201, response.text
    return response.json()["id"]


def hold_the_prefetch(amqp_uri, case_id, calls=10):
    """Another RPC client's calls: delivered to the paused process (its prefetch), never answered."""
    with ClusterRpcProxy({"AMQP_URI": amqp_uri}, context_data={"actor": {"user_id": "u-head",
                                                                         "roles": ["department_head"],
                                                                         "department": "criminal"}}) as rpc:
        for _ in range(calls):
            rpc.cases.get_case.call_async(case_id)
        time.sleep(0.5)  # let the broker push them into the paused consumer's window


def gateway_gets(p, case_id, count, request_id_prefix="wedge"):
    def one(i):
        started = time.monotonic()
        response = requests.get(f"{p['base']}/v1/cases/{case_id}", headers={
            **p["headers"], "X-Request-ID": f"{request_id_prefix}-{i}"}, timeout=RPC_TIMEOUT + 10)
        return response.status_code, time.monotonic() - started, response
    return [thread.wait() for thread in [eventlet.spawn(one, i) for i in range(count)]]


def test_ten_expired_calls_do_not_wedge_the_gateway(processes):
    p = processes
    case_id = register_case(p)
    os.kill(p["cases"].popen.pid, signal.SIGSTOP)
    try:
        hold_the_prefetch(p["amqp_uri"], case_id)
        results = gateway_gets(p, case_id, 10)
        assert [status for status, _, _ in results] == [504] * 10
        assert all(response.json()["error"]["code"] == "upstream_timeout" for _, _, response in results)

        # While the cases process is still paused: the gateway answers at once, /health included.
        health = requests.get(p["base"] + "/health", timeout=3)
        assert health.status_code == 200, health.text
        assert requests.get(p["base"] + "/v1/me", headers=p["headers"], timeout=3).status_code == 200
        # And it can still give its full pool to new calls: ten more time out cleanly, none is refused.
        assert [status for status, _, _ in gateway_gets(p, case_id, 10, "again")] == [504] * 10
    finally:
        os.kill(p["cases"].popen.pid, signal.SIGCONT)
    # The service is back: the gateway serves normally.
    wait_for(lambda: requests.get(f"{p['base']}/v1/cases/{case_id}", headers=p["headers"],
                                  timeout=RPC_TIMEOUT + 5).status_code == 200, timeout=30,
             message="the case served again")
    assert requests.get(p["base"] + "/health", timeout=3).status_code == 200


def test_every_log_line_of_a_timed_out_request_carries_its_request_id(processes):
    p = processes
    case_id = register_case(p)
    os.kill(p["cases"].popen.pid, signal.SIGSTOP)
    try:
        [(status, _, _)] = gateway_gets(p, case_id, 1, "corr-probe")
    finally:
        os.kill(p["cases"].popen.pid, signal.SIGCONT)
    assert status == 504
    time.sleep(0.5)
    lines = [json.loads(line) for line in open(os.path.join(p["log_dir"], "gateway.log"), encoding="utf-8")
             if line.startswith("{")]
    about_it = [line for line in lines if "corr-probe-0" in json.dumps(line, ensure_ascii=False)
                or f"/v1/cases/{case_id}" in line.get("message", "")]
    assert about_it, "the request left no log line"
    assert {line["correlation_id"] for line in about_it} == {"corr-probe-0"}, about_it
    assert any(line["logger"] == "pingjian.access" and line["status"] == 504 for line in about_it)


def test_a_full_pool_answers_503_fast_and_health_still_answers(processes):
    p = processes
    case_id = register_case(p)
    os.kill(p["cases"].popen.pid, signal.SIGSTOP)
    try:
        hold_the_prefetch(p["amqp_uri"], case_id)
        busy = [eventlet.spawn(gateway_gets, p, case_id, 1, f"busy{i}") for i in range(10)]  # MAX_WORKERS
        time.sleep(0.5)
        started = time.monotonic()
        refused = requests.get(f"{p['base']}/v1/cases/{case_id}", headers=p["headers"], timeout=5)
        # It waits HTTP_WORKER_WAIT_SECONDS (0.5 s) for a worker, not until one frees up.
        assert refused.status_code == 503 and time.monotonic() - started < 3, refused.text
        assert refused.json()["error"]["code"] == "overloaded" and int(refused.headers["Retry-After"]) >= 1
        assert requests.get(p["base"] + "/health", timeout=3).status_code == 200
        assert [thread.wait()[0][0] for thread in busy] == [504] * 10
    finally:
        os.kill(p["cases"].popen.pid, signal.SIGCONT)


def test_a_graceful_stop_completes_while_calls_are_outstanding(processes):
    p = processes
    case_id = register_case(p)
    os.kill(p["cases"].popen.pid, signal.SIGSTOP)
    try:
        hold_the_prefetch(p["amqp_uri"], case_id)
        outstanding = eventlet.spawn(gateway_gets, p, case_id, 5, "stopping")
        # The calls are in flight before the stop begins: their RPC requests reach the paused service's
        # queue (the ten held calls fill its prefetch window, so nothing else waits there). Not all five
        # need be seen there at once (on a loaded machine the first may expire before the last is sent):
        # a call that came too late would be refused by the stopping gateway and fail the check below.
        wait_for(lambda: ready_count(p["amqp_uri"], "rpc-cases") >= 1, timeout=10, message="calls in flight")
        time.sleep(0.3)
        started = time.monotonic()
        p["gateway"].popen.send_signal(signal.SIGTERM)
        returncode = p["gateway"].popen.wait(timeout=RPC_TIMEOUT + 15)
        took = time.monotonic() - started
        # Stopped by itself (exit status 0), within a bound below SHUTDOWN_SECONDS (15 s), past which
        # kit.run would have killed it: the stop was the graceful one, which it also did not log as failed.
        assert returncode == 0, p["gateway"].tail()
        assert took < RPC_TIMEOUT + 10, f"stop took {took:.1f}s"
        assert "graceful stop did not finish" not in gateway_log(p)
        # Each call in flight was answered before the gateway went: a 504 (the service is paused),
        # not a connection cut off by the stop.
        assert [status for status, _, _ in outstanding.wait()] == [504] * 5
    finally:
        os.kill(p["cases"].popen.pid, signal.SIGCONT)


def gateway_log(p):
    return open(os.path.join(p["log_dir"], "gateway.log"), encoding="utf-8", errors="replace").read()
