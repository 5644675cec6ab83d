"""Account lifecycle: an admin deactivates or changes a user, a user changes their password; tokens
issued before such a change stop working (within ACCOUNT_CACHE_SECONDS), without waiting for exp."""
import uuid

from tests.support.api import unique_case_no
from tests.support.waiting import wait_for

GONE = 401


def test_a_deactivated_user_is_locked_out_and_can_be_reactivated(admin, anonymous):
    user, api = admin.create_user("prosecutor", "criminal", password="password-123")
    assert api.get("/v1/me").status_code == 200

    changed = admin.patch(f"/v1/users/{user['id']}", json={"active": False})
    assert changed.status_code == 200 and changed.json()["active"] is False
    wait_for(lambda: api.get("/v1/me").status_code == GONE, timeout=15, message="the old token refused")
    assert api.get("/v1/me").json()["error"]["code"] == "unauthorized"
    refused = anonymous.post("/v1/auth/token", json={"username": user["username"], "password": "password-123"})
    assert refused.status_code == 401

    assert admin.patch(f"/v1/users/{user['id']}", json={"active": True}).status_code == 200
    again = anonymous.login(user["username"], "password-123")
    assert again.get("/v1/me").json()["active"] is True
    assert api.get("/v1/me").status_code == GONE  # a token from before the deactivation stays dead


def test_a_role_change_applies_to_the_next_login_and_ends_the_old_token(admin, anonymous, criminal_head):
    _, head = criminal_head
    user, api = admin.create_user("inspector", "inspection", password="password-123")
    body = {"case_no": unique_case_no(), "title": "改派角色", "category": "criminal", "department": "criminal"}
    assert api.post("/v1/cases", json=body).status_code == 403  # an inspector registers nothing

    changed = admin.patch(f"/v1/users/{user['id']}", json={"roles": ["prosecutor"], "department": "criminal"})
    assert changed.status_code == 200 and changed.json()["roles"] == ["prosecutor"]
    wait_for(lambda: api.get("/v1/me").status_code == GONE, timeout=15, message="the old token refused")
    now_prosecutor = anonymous.login(user["username"], "password-123")
    assert now_prosecutor.post("/v1/cases", json=body).status_code == 201
    assert head.get("/v1/cases", params={"q": body["case_no"]}).json()["items"][0]["created_by"] == user["id"]


def test_changing_ones_password_returns_a_new_token_and_ends_the_old_ones(admin, anonymous):
    user, api = admin.create_user("prosecutor", "civil", password="password-123")
    wrong = api.post("/v1/me/password", json={"current_password": "nope", "new_password": "password-456"})
    assert wrong.status_code == 400 and "current_password" in wrong.json()["error"]["fields"]
    same = api.post("/v1/me/password", json={"current_password": "password-123", "new_password": "password-123"})
    assert same.status_code == 400 and "new_password" in same.json()["error"]["fields"]

    changed = api.post("/v1/me/password", json={"current_password": "password-123", "new_password": "password-456"})
    assert changed.status_code == 200 and changed.json()["token_type"] == "bearer"
    fresh = anonymous.as_user(changed.json()["access_token"])
    assert fresh.get("/v1/me").status_code == 200  # usable at once, on every replica
    wait_for(lambda: api.get("/v1/me").status_code == GONE, timeout=15, message="the old token refused")
    assert anonymous.post("/v1/auth/token", json={"username": user["username"],
                                                  "password": "password-123"}).status_code == 401
    assert anonymous.login(user["username"], "password-456").get("/v1/me").status_code == 200


def test_only_admin_changes_accounts_and_not_to_lock_themselves_out(admin, criminal_head, civil_prosecutor):
    head_user, head = criminal_head
    other_user, _ = civil_prosecutor
    assert head.patch(f"/v1/users/{other_user['id']}", json={"active": False}).status_code == 403
    assert admin.get(f"/v1/users/{other_user['id']}").json()["active"] is True  # touched nothing

    me = admin.get("/v1/me").json()
    for body, field in (({"active": False}, "active"), ({"roles": ["prosecutor"]}, "roles")):
        response = admin.patch(f"/v1/users/{me['id']}", json=body)
        assert response.status_code == 409 and field in response.json()["error"]["fields"]
    assert admin.get("/v1/me").status_code == 200

    for body, field in (({}, "_schema"), ({"roles": ["king"]}, "roles"), ({"active": "maybe"}, "active"),
                        ({"password": "x"}, "password")):
        response = admin.patch(f"/v1/users/{other_user['id']}", json=body)
        assert response.status_code == 400 and field in response.json()["error"]["fields"], response.text
    assert admin.patch(f"/v1/users/{uuid.uuid4().hex}", json={"active": False}).status_code == 404


def test_a_user_is_readable_within_the_readers_scope(admin, criminal_head, criminal_prosecutor, civil_prosecutor):
    _, head = criminal_head
    colleague, _ = criminal_prosecutor
    stranger, _ = civil_prosecutor
    assert head.get(f"/v1/users/{colleague['id']}").json()["username"] == colleague["username"]
    assert head.get(f"/v1/users/{stranger['id']}").status_code == 403
    assert admin.get(f"/v1/users/{stranger['id']}").status_code == 200


def test_logout_ends_that_token_at_once_and_no_other(admin, anonymous):
    user, first = admin.create_user("prosecutor", "criminal", password="password-123")
    second = anonymous.login(user["username"], "password-123")  # another session of the same user
    assert first.get("/v1/me").status_code == 200  # the account check is cached for this session now

    out = first.post("/v1/auth/logout")
    assert out.status_code == 200 and out.json() == {"logged_out": True}
    refused = first.get("/v1/me")  # at once: not after ACCOUNT_CACHE_SECONDS
    assert refused.status_code == GONE and refused.json()["error"]["code"] == "unauthorized"
    assert first.post("/v1/auth/logout").status_code == GONE  # nor can it log out again
    assert second.get("/v1/me").status_code == 200  # the user's other session goes on
    assert anonymous.login(user["username"], "password-123").get("/v1/me").status_code == 200


def test_logout_needs_a_token(anonymous):
    assert anonymous.post("/v1/auth/logout").status_code == 401
