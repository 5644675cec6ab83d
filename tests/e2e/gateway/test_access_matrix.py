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


def test_the_authorization_scheme_is_case_insensitive(stack, people):
    """RFC 7235: ``bearer`` and ``BEARER`` are ``Bearer`` (issue 19 found it accepted: keep it so)."""
    token = people["prosecutor"].token
    for scheme in ("bearer", "BEARER", "Bearer"):
        response = Api(stack.base_url).get("/v1/me", headers={"Authorization": f"{scheme} {token}"})
        assert response.status_code == 200, (scheme, response.text)
    assert Api(stack.base_url).get("/v1/me", headers={"Authorization": f"Basic {token}"}).status_code == 401


# Issue 19: who assigns a case (the department head of its department, case management, admin), and
# that nobody else — the second prosecutor of the issue included — takes one.
ASSIGNERS = {"department_head", "case_manager", "admin"}


def test_assignment_by_role_only_head_case_management_and_admin_and_refusals_write_nothing(stack, admin, people):
    ids = {role: api.get("/v1/me").json()["id"] for role, api in people.items()}
    candidate, _ = admin.create_user("prosecutor", "criminal")
    case = admin.post("/v1/cases", json={"case_no": f"矩阵{time.time_ns()}", "title": "分配矩阵", "category": "criminal",
                                         "department": "criminal", "handler_id": ids["prosecutor"]}).json()
    path = f"/v1/cases/{case['id']}/assign"
    history = lambda: len(admin.get(f"/v1/cases/{case['id']}/history", params={"limit": 100}).json()["items"])  # noqa
    for role in sorted(enums.ROLES):
        handler = admin.get(f"/v1/cases/{case['id']}").json()["handler_id"]
        before = history()
        target = candidate["id"] if handler != candidate["id"] else ids["prosecutor"]
        for body in ({"handler_id": target}, {"handler_id": ids[role]}):
            response = people[role].post(path, json=body)
            if role in ASSIGNERS and body["handler_id"] == target:
                assert response.status_code == 200, (role, response.text)
                assert admin.get(f"/v1/cases/{case['id']}").json()["handler_id"] == target
                break
            if role in ASSIGNERS:
                continue
            assert response.status_code == 403, (role, body, response.text)
            assert admin.get(f"/v1/cases/{case['id']}").json()["handler_id"] == handler  # re-read: unchanged
            assert history() == before
    # The handler hands it back (and only that).
    admin.post(path, json={"handler_id": ids["prosecutor"]})
    assert people["prosecutor"].post(path, json={"handler_id": candidate["id"]}).status_code == 403
    back = people["prosecutor"].post(path, json={"handler_id": None})
    assert back.status_code == 200 and back.json()["handler_id"] is None


# Issue 19: exports. Anyone asks (within their scope), only the chief procurator decides, only the
# requester downloads; a department-scoped role asking for another department is refused.
def test_exports_by_role_scope_decision_and_download_and_refusals_write_nothing(stack, people):
    exports = stack.db("exports").exports
    body = {"dataset": "cases", "filters": {"department": "civil"}, "purpose": "矩阵测试", "fields": ["title"]}
    for role in sorted(enums.ROLES):
        before = exports.count_documents({})
        response = people[role].post("/v1/exports", json=body)
        if role in ("prosecutor", "department_head"):  # department-scoped, in the criminal department
            assert response.status_code == 403, (role, response.text)
            assert exports.count_documents({}) == before
        else:
            assert response.status_code == 201, (role, response.text)
    export = people["prosecutor"].post("/v1/exports", json={**body, "filters": {}}).json()
    assert export["scope"]["department"] == "criminal" and export["scope"]["all_departments"] is False
    for role in sorted(enums.ROLES):
        if role == "chief_procurator":
            continue
        assert people[role].post(f"/v1/exports/{export['id']}/approve", json={"comment": "同意"}).status_code == 403
        assert exports.find_one({"_id": export["id"]})["status"] == "pending_approval"
    approved = people["chief_procurator"].post(f"/v1/exports/{export['id']}/approve", json={"comment": "同意"})
    assert approved.status_code == 200
    for role in sorted(enums.ROLES):
        status = people[role].get(f"/v1/exports/{export['id']}/file").status_code
        assert status == (200 if role == "prosecutor" else 403), role
    assert exports.find_one({"_id": export["id"]})["downloads"] == 1
