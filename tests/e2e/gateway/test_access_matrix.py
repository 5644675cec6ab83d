"""The role × route matrix, generated from the gateway's route table (a new route is in it at once):
every protected route refuses a missing, expired or logged-out token with 401, and every role a route
does not admit with 403 — and no refusal writes anything."""
import re
import time

import jwt
import pytest

from contracts import enums
from gateway.auth import ALGORITHM, ISSUER
from gateway.openapi import routes_of
from gateway.service import GatewayService
from tests.support.api import Api
from tests.support.waiting import wait_for

# Bookkeeping that moves on its own (timers, leases, retention, counters folded in the background),
# not business data.
BOOKKEEPING = {"job_runs", "deadlines", "meta", "login_failures", "migrations", "outbox_lease", "relay_lease",
               "stats_deltas", "stats_daily", "stats_monthly"}
QUIET_SECONDS = 1.5


def _table():
    for _, route in routes_of(GatewayService):
        for method in route.method.split(","):
            yield method, re.sub(r"<(?:[^:>]+:)?[^>]+>", "x", route.url), route


PROTECTED = sorted((method, path) for method, path, route in _table() if route.auth)
ROLE_BOUND = sorted((method, path, role) for method, path, route in _table() if route.auth and route.roles
                    for role in enums.ROLES if role not in route.roles)


def snapshot(stack):
    """Documents per collection of every database of this platform (bookkeeping left out, and the
    access ledger, which records every refusal by design)."""
    counts = {}
    for client in stack.clients():  # one database server per service, as make run
        for name in client.list_database_names():
            if name.startswith(f"{stack.db_prefix}_") and name != f"{stack.db_prefix}_audit":
                for collection in client[name].list_collection_names():
                    if collection not in BOOKKEEPING:
                        counts[f"{name}.{collection}"] = client[name][collection].count_documents({})
    return counts


def settled_snapshot(stack, timeout=30):
    """A snapshot once the platform has been still for QUIET_SECONDS: events of earlier tests may
    still be arriving at their consumers, and those writes are not the refusals'."""
    last, since = snapshot(stack), time.monotonic()
    deadline = since + timeout
    while time.monotonic() - since < QUIET_SECONDS and time.monotonic() < deadline:
        time.sleep(0.3)
        now = snapshot(stack)
        if now != last:
            last, since = now, time.monotonic()
    return last


@pytest.fixture(scope="module")
def people(admin):
    """One user per role, each of a department of its own kind."""
    return {role: admin.create_user(role, "general" if role == "admin" else "criminal")[1] for role in enums.ROLES}


@pytest.fixture(scope="module")
def dead_tokens(stack, admin):
    """An expired token and a logged-out one, both of a real, active account."""
    if not stack.jwt_secret:
        pytest.skip("signs a token with the platform's secret (local platform only)")
    user, api = admin.create_user("department_head", "criminal")
    now = int(time.time())
    expired = jwt.encode({"iss": ISSUER, "sub": user["id"], "iat": now - 7200, "exp": now - 3600,
                          "username": user["username"], "roles": ["department_head"], "department": "criminal",
                          "ver": 0, "sid": "0" * 32}, stack.jwt_secret, algorithm=ALGORITHM)
    assert api.post("/v1/auth/logout").status_code == 200
    return {"expired": Api(stack.base_url, token=expired), "logged_out": api, "none": Api(stack.base_url)}


def test_every_protected_route_refuses_a_missing_expired_or_logged_out_token_and_writes_nothing(stack,
                                                                                                dead_tokens):
    before = settled_snapshot(stack)
    wrong = [(kind, method, path, response.status_code)
             for method, path in PROTECTED for kind, api in dead_tokens.items()
             for response in [api.request(method, path, json={})]
             if response.status_code != 401 or response.json()["error"]["code"] != "unauthorized"]
    assert not wrong
    assert snapshot(stack) == before


def test_refusals_are_in_the_access_ledger(stack, admin, dead_tokens):
    """Refused, yet recorded: the ledger is where an attempt with a dead token shows."""
    response = dead_tokens["expired"].get("/v1/cases", headers={"User-Agent": "matrix-expired-probe"})
    assert response.status_code == 401
    found = wait_for(lambda: [e for e in admin.get("/v1/audit/entries", params={"action": "read", "limit": 100})
                              .json()["items"] if e["user_agent"] == "matrix-expired-probe"],
                     timeout=15, message="the refused request in the ledger")
    assert found[0]["status"] == 401 and found[0]["route"] == "/v1/cases"


def test_every_role_a_route_does_not_admit_gets_403_and_writes_nothing(stack, people):
    before = settled_snapshot(stack)
    wrong = [(role, method, path, response.status_code) for method, path, role in ROLE_BOUND
             for response in [people[role].request(method, path, json={})]
             if response.status_code != 403 or response.json()["error"]["code"] != "forbidden"]
    assert not wrong
    assert snapshot(stack) == before
