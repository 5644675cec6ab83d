"""Issue 19: a lockout that cannot be turned against staff. Five wrong passwords locked crim_head for
15 minutes, the right password refused; 300 failed logins from 30 threads made login answer 503 for
everyone. Now (domain.LoginPolicy, gateway per-address bounds): growing pauses per username and per
client address; the right password from an address that has not been failing still logs in while the
attacker's address waits; a login flood from one address leaves the real user a worker; every pause
is in the access ledger and tells the account's owner and the admins.

Its own platform with the production defaults of the per-address bounds (the shared one switches
them off, every test there being 127.0.0.1). The attacker connects from 127.0.0.2, the user from
127.0.0.3 (Linux routes all of 127/8 to loopback)."""
import threading
import uuid
from concurrent.futures import ThreadPoolExecutor

import pytest

from tests.e2e.conftest import local_stack
from tests.support.api import Api
from tests.support.waiting import wait_for

PASSWORD = "zhuren-mima-2026"
ATTACKER, OWNER = "127.0.0.2", "127.0.0.3"


@pytest.fixture(scope="module")
def platform(request):
    # The production defaults of the login bounds (local_stack relaxes them for the shared platform).
    with local_stack(request, with_relay_proxy=False, LEDGER_LINGER_SECONDS="0.1",
                     LOGIN_MAX_FAILURES_PER_ADDRESS="50", LOGIN_IN_FLIGHT_PER_ADDRESS="2",
                     LOGIN_CLEAN_RESERVE="2") as started:
        yield started


@pytest.fixture(scope="module")
def admin(platform):
    return Api(platform.base_url).login(platform.admin_user, platform.admin_password)


def _notes(api, kind):
    return [n for n in api.get("/v1/me/notifications", params={"limit": 100}).json()["items"] if n["type"] == kind]


def test_the_attacker_waits_while_the_owner_logs_in_from_a_clean_address(platform, admin):
    user, _ = admin.create_user("department_head", "criminal", password=PASSWORD)
    attacker, owner = Api(platform.base_url, source_address=ATTACKER), Api(platform.base_url, source_address=OWNER)
    body = {"username": user["username"], "password": "wrong-password"}
    assert [attacker.post("/v1/auth/token", json=body).status_code for _ in range(5)] == [401] * 5
    paused = attacker.post("/v1/auth/token", json={**body, "password": PASSWORD})  # right password, failing address
    assert paused.status_code == 429 and 1 <= int(paused.headers["Retry-After"]) <= 30, paused.text
    # The owner, from an address that has not been failing: in, with the right password.
    me = owner.login(user["username"], PASSWORD)
    assert me.get("/v1/me").json()["id"] == user["id"]
    # The pause told the owner and the admins (critical notifications).
    [note] = wait_for(lambda: _notes(me, "account.login_throttled"), timeout=20, message="the owner's notice")
    assert ATTACKER in note["body"]
    wait_for(lambda: [n for n in _notes(admin, "account.login_throttled") if user["username"] in n["title"]],
             timeout=20, message="the admins' notice")
    # Every attempt is in the access ledger, the paused one with its 429 and the attacker's address.
    wait_for(lambda: [e for e in admin.get("/v1/audit/entries", params={"action": "login", "limit": 100}).json()["items"]
                      if e["status"] == 429 and e["remote_addr"] == ATTACKER], timeout=30, message="the ledger entry")
    # And the pause itself, by the account it is for (audit consumes account.login_throttled).
    [pause] = wait_for(lambda: [e for e in admin.get("/v1/audit/entries", params={
        "user_id": user["id"], "action": "login", "limit": 100}).json()["items"]
        if e["resource_ids"].get("throttle") == "account"], timeout=30, message="the pause in the ledger")
    assert pause["status"] == 429 and pause["remote_addr"] == ATTACKER


def test_login_answers_the_real_user_during_a_flood_of_300_failed_logins_from_30_threads(platform, admin):
    user, _ = admin.create_user("prosecutor", "civil", password=PASSWORD)
    attacker_statuses, owner_statuses = [], []
    lock = threading.Lock()

    def attack(i):
        api = Api(platform.base_url, source_address=ATTACKER)
        for j in range(10):
            name = user["username"] if j % 2 else f"flood-{uuid.uuid4().hex[:8]}"
            status = api.post("/v1/auth/token", json={"username": name, "password": "wrong-password"}).status_code
            with lock:
                attacker_statuses.append(status)

    def real_user():
        api = Api(platform.base_url, source_address=OWNER)
        for _ in range(8):
            owner_statuses.append(api.post("/v1/auth/token", json={"username": user["username"],
                                                                   "password": PASSWORD}).status_code)

    with ThreadPoolExecutor(31) as pool:
        flood = [pool.submit(attack, i) for i in range(30)]
        owner = pool.submit(real_user)
        for future in flood + [owner]:
            future.result()
    assert len(attacker_statuses) == 300 and set(attacker_statuses) <= {401, 429}, sorted(set(attacker_statuses))
    assert owner_statuses == [200] * 8  # never a 503, never a 429: the flood does not keep the user out
