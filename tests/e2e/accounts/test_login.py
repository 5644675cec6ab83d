"""Logging in (hardening issue §4, §5): throttling with Retry-After and an admin's unlock, normalised
usernames, the password policy, the access log, no starvation by a login flood, and revocation
without a cache window where it matters."""
import json
import os
import uuid

import eventlet
import requests

from tests.support.api import unique_case_no
from tests.support.waiting import wait_for

PASSWORD = "password-123"


def attempt(anonymous, username, password):
    return anonymous.post("/v1/auth/token", json={"username": username, "password": password})


def test_failed_logins_lock_the_account_until_an_admin_unlocks_it(admin, anonymous):
    user, _ = admin.create_user("prosecutor", "criminal", password=PASSWORD)
    for _ in range(5):
        assert attempt(anonymous, user["username"], "wrong-password").status_code == 401
    locked = attempt(anonymous, user["username"], PASSWORD)  # even the right password, while locked
    assert locked.status_code == 429, locked.text
    assert locked.json()["error"]["code"] == "too_many_requests"
    assert 1 <= int(locked.headers["Retry-After"]) <= 900
    assert attempt(anonymous, user["username"].upper(), PASSWORD).status_code == 429  # same account

    _, head = admin.create_user("department_head", "criminal")
    assert head.post(f"/v1/users/{user['id']}/unlock").status_code == 403  # admins only
    unlocked = admin.post(f"/v1/users/{user['id']}/unlock")
    assert unlocked.status_code == 200 and unlocked.json()["id"] == user["id"]
    assert attempt(anonymous, user["username"], PASSWORD).status_code == 200


def test_a_successful_login_resets_the_accounts_count(admin, anonymous):
    user, _ = admin.create_user("prosecutor", "civil", password=PASSWORD)
    for _ in range(4):
        assert attempt(anonymous, user["username"], "wrong-password").status_code == 401
    assert attempt(anonymous, user["username"], PASSWORD).status_code == 200
    for _ in range(4):
        assert attempt(anonymous, user["username"], "wrong-password").status_code == 401
    assert attempt(anonymous, user["username"], PASSWORD).status_code == 200


def test_unknown_accounts_are_throttled_alike_and_unlocking_nobody_is_404(admin, anonymous):
    ghost = f"ghost-{uuid.uuid4().hex[:8]}"
    statuses = [attempt(anonymous, ghost, "whatever-123").status_code for _ in range(6)]
    assert statuses == [401] * 5 + [429]  # nothing tells an unknown account from a known one
    assert admin.post(f"/v1/users/{uuid.uuid4().hex}/unlock").status_code == 404


def test_usernames_are_normalised_for_uniqueness_and_login(admin, anonymous):
    name = f"zhang{uuid.uuid4().hex[:6]}"
    created = admin.post("/v1/users", json={"username": name, "password": PASSWORD, "display_name": "张",
                                            "department": "civil", "roles": ["prosecutor"]})
    assert created.status_code == 201
    full_width = "".join(chr(ord(ch) + 0xFEE0) for ch in name)  # ｚｈａｎｇ…
    for clash in (name.upper(), full_width):
        response = admin.post("/v1/users", json={"username": clash, "password": PASSWORD, "display_name": "冒名",
                                                 "department": "civil", "roles": ["prosecutor"]})
        assert response.status_code == 409 and "username" in response.json()["error"]["fields"], clash
    assert attempt(anonymous, name.upper(), PASSWORD).status_code == 200
    assert attempt(anonymous, full_width, PASSWORD).status_code == 200


def test_the_password_policy_applies_to_new_users_and_new_passwords(admin):
    name = f"policy{uuid.uuid4().hex[:6]}"
    for password, reason in (("short-1", "too short"), (f"{name.upper()}-2026!", "contains the username")):
        response = admin.post("/v1/users", json={"username": name, "password": password, "display_name": "策略",
                                                 "department": "civil", "roles": ["prosecutor"]})
        assert response.status_code == 400 and "password" in response.json()["error"]["fields"], reason
    user, api = admin.create_user("prosecutor", "civil", password=PASSWORD)
    for new_password in ("short-2", f"x{user['username']}x"):
        response = api.post("/v1/me/password", json={"current_password": PASSWORD, "new_password": new_password})
        assert response.status_code == 400 and "new_password" in response.json()["error"]["fields"]
    assert api.get("/v1/me").status_code == 200  # nothing changed


def test_logins_are_in_the_access_log_with_the_account(stack, admin, anonymous):
    if not stack.log_dir:
        return  # the compose smoke test has no local log files
    user, _ = admin.create_user("prosecutor", "criminal", password=PASSWORD)
    failed = attempt(anonymous, user["username"], "wrong-password")
    ok = attempt(anonymous, user["username"], PASSWORD)

    def lines_for(response):
        request_id = response.headers["X-Request-ID"]
        with open(os.path.join(stack.log_dir, "gateway.log"), encoding="utf-8") as log:
            return [json.loads(line) for line in log if request_id in line and '"pingjian.access"' in line]
    failed_line = wait_for(lambda: lines_for(failed), message="the failed login's access line")[0]
    ok_line = wait_for(lambda: lines_for(ok), message="the login's access line")[0]
    assert (failed_line["login"], failed_line["user_id"], failed_line["status"]) == ("failed", user["id"], 401)
    assert (ok_line["login"], ok_line["user_id"], ok_line["status"]) == ("succeeded", user["id"], 200)


def test_a_login_flood_does_not_starve_other_requests(stack, criminal_head):
    _, head = criminal_head
    flood_statuses, reads = [], []

    def failed_login(i):
        response = requests.post(stack.base_url + "/v1/auth/token", timeout=30,
                                 json={"username": f"flood-{uuid.uuid4().hex[:8]}", "password": "wrong-password"})
        flood_statuses.append(response.status_code)

    def read():
        reads.append(head.get("/v1/cases", params={"limit": 1}).status_code)

    flood = [eventlet.spawn(failed_login, i) for i in range(40)]
    readers = []
    for _ in range(10):
        readers.append(eventlet.spawn(read))
        eventlet.sleep(0.05)
    for thread in flood + readers:
        thread.wait()
    assert reads == [200] * 10  # every authenticated read was served during the flood
    # Each flood request was answered: refused as a failed login, or told to come back (503, 429).
    assert set(flood_statuses) <= {401, 429, 503} and len(flood_statuses) == 40


def test_a_demoted_admins_old_token_cannot_create_an_admin(admin, anonymous):
    _, second_admin = admin.create_user("admin", "general", password=PASSWORD)
    me = second_admin.get("/v1/me").json()
    assert admin.patch(f"/v1/users/{me['id']}", json={"roles": ["prosecutor"]}).status_code == 200
    # No cache window: the next admin-only call with the old token is refused at once.
    response = second_admin.post("/v1/users", json={"username": f"rogue{uuid.uuid4().hex[:6]}", "password": PASSWORD,
                                                    "display_name": "越权管理员", "department": "general",
                                                    "roles": ["admin"]})
    assert response.status_code == 401, response.text
    # And this gateway process forgot the account at once: every route refuses the old token.
    assert second_admin.get("/v1/cases").status_code == 401


def test_a_department_change_ends_old_tokens_a_display_name_change_does_not(admin, criminal_head):
    user, api = admin.create_user("prosecutor", "criminal", password=PASSWORD)
    assert admin.patch(f"/v1/users/{user['id']}", json={"display_name": "新名字"}).status_code == 200
    assert api.get("/v1/me").status_code == 200 and api.get("/v1/me").json()["display_name"] == "新名字"
    assert admin.patch(f"/v1/users/{user['id']}", json={"department": "civil"}).status_code == 200
    assert api.get("/v1/me").status_code == 401
    body = {"case_no": unique_case_no(), "title": "旧令牌", "category": "criminal", "department": "criminal"}
    assert api.post("/v1/cases", json=body).status_code == 401
