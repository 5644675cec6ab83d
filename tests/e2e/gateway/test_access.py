"""Unauthenticated calls get 401, unauthorized ones 403, and neither touches anything."""
import re

import pytest

from gateway.openapi import routes_of
from gateway.service import GatewayService

from tests.support.api import Api, unique_case_no
from tests.support.waiting import wait_for

def _table():
    """(method, path with every parameter filled, route) for each route of the gateway."""
    for _, route in routes_of(GatewayService):
        for method in route.method.split(","):
            yield method, re.sub(r"<(?:[^:>]+:)?[^>]+>", "x", route.url), route


# Every route of the gateway needs a token, except these: a new public route must be added here
# on purpose (tests/unit/gateway/test_access_rules.py fails otherwise).
PROTECTED = sorted((method, path) for method, path, route in _table() if route.auth)


@pytest.mark.parametrize("method,path", PROTECTED)
def test_every_v1_route_needs_a_token(anonymous, method, path):
    response = anonymous.request(method, path, json={})
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "unauthorized"


def test_forged_token_is_401_and_writes_nothing(stack, criminal_head):
    _, head = criminal_head
    case_no = unique_case_no()
    forged = Api(stack.base_url, token=head.token[:-4] + "AAAA")
    response = forged.post("/v1/cases", json={"case_no": case_no, "title": "伪造", "category": "criminal",
                                              "department": "criminal"})
    assert response.status_code == 401
    assert head.get("/v1/cases", params={"q": case_no}).json()["items"] == []


def test_wrong_password_is_401(stack, anonymous):
    response = anonymous.post("/v1/auth/token", json={"username": stack.admin_user, "password": "wrong-password"})
    assert response.status_code == 401
    unknown = anonymous.post("/v1/auth/token", json={"username": "no-such-user", "password": "whatever-123"})
    assert unknown.status_code == 401


def test_only_admin_creates_users(admin, criminal_head):
    _, head = criminal_head
    response = head.post("/v1/users", json={"username": "sneaky_user", "password": "password-1",
                                            "display_name": "越权", "department": "criminal", "roles": ["admin"]})
    assert response.status_code == 403
    assert "sneaky_user" not in [u["username"] for u in admin.get("/v1/users", params={"limit": 100}).json()["items"]]


def test_prosecutor_sees_and_changes_only_own_department(criminal_head, criminal_prosecutor, civil_prosecutor):
    _, head = criminal_head
    _, own = criminal_prosecutor
    _, other = civil_prosecutor
    case = head.post("/v1/cases", json={"case_no": unique_case_no(), "title": "部门隔离", "category": "criminal",
                                        "department": "criminal"}).json()
    assert own.get(f"/v1/cases/{case['id']}").status_code == 200
    assert other.get(f"/v1/cases/{case['id']}").status_code == 403
    assert other.post(f"/v1/cases/{case['id']}/transition", json={"to": "under_review"}).status_code == 403
    assert other.get("/v1/cases", params={"department": "criminal"}).status_code == 403
    assert case["id"] not in [c["id"] for c in other.get("/v1/cases", params={"limit": 100}).json()["items"]]
    assert other.post("/v1/cases", json={"case_no": unique_case_no(), "title": "跨部门登记",
                                         "category": "criminal", "department": "criminal"}).status_code == 403
    assert head.get(f"/v1/cases/{case['id']}").json()["status"] == "registered"

    assert own.post(f"/v1/cases/{case['id']}/transition", json={"to": "under_review"}).status_code == 200


def test_prosecutor_assigns_own_department_cases_only(criminal_head, criminal_prosecutor, civil_prosecutor):
    _, head = criminal_head
    prosecutor_user, prosecutor = criminal_prosecutor
    _, other = civil_prosecutor
    case = head.post("/v1/cases", json={"case_no": unique_case_no(), "title": "分案权限", "category": "criminal",
                                        "department": "criminal"}).json()
    assert other.post(f"/v1/cases/{case['id']}/assign", json={"handler_id": prosecutor_user["id"]}).status_code == 403
    assert head.get(f"/v1/cases/{case['id']}").json()["handler_id"] is None
    # Issue 19: a prosecutor of the department does not take a case either; the head assigns it.
    response = prosecutor.post(f"/v1/cases/{case['id']}/assign", json={"handler_id": prosecutor_user["id"]})
    assert response.status_code == 403
    assert head.get(f"/v1/cases/{case['id']}").json()["handler_id"] is None


def test_see_only_role_cannot_change_a_case(admin, criminal_head):
    _, head = criminal_head
    _, inspector = admin.create_user("inspector", "inspection")
    case = head.post("/v1/cases", json={"case_no": unique_case_no(), "title": "督察只读", "category": "criminal",
                                        "department": "criminal"}).json()
    assert inspector.get(f"/v1/cases/{case['id']}").status_code == 200  # cross-department: sees it
    assert inspector.post(f"/v1/cases/{case['id']}/transition", json={"to": "under_review"}).status_code == 403
    assert head.get(f"/v1/cases/{case['id']}").json()["status"] == "registered"


def test_a_user_cannot_read_someone_elses_notification(criminal_head, criminal_prosecutor, civil_prosecutor):
    _, head = criminal_head
    prosecutor_user, prosecutor = criminal_prosecutor
    _, other = civil_prosecutor
    case = head.post("/v1/cases", json={"case_no": unique_case_no(), "title": "通知隔离", "category": "criminal",
                                        "department": "criminal", "handler_id": prosecutor_user["id"]}).json()
    assert case["handler_id"] == prosecutor_user["id"]
    # The prosecutor's real notification: another user cannot mark it read, and it stays unread.
    [note] = wait_for(lambda: [n for n in prosecutor.get("/v1/me/notifications").json()["items"]
                               if n["ref"]["id"] == case["id"]], timeout=15, message="the notification")
    refused = other.post(f"/v1/me/notifications/{note['id']}/read")
    assert refused.status_code == 404
    mine = [n for n in prosecutor.get("/v1/me/notifications").json()["items"] if n["id"] == note["id"]]
    assert mine[0]["read_at"] is None
    assert prosecutor.post(f"/v1/me/notifications/{note['id']}/read").json()["read_at"] is not None


@pytest.mark.parametrize("role,department", [("inspector", "inspection"), ("finance", "finance"),
                                             ("case_manager", "case_management")])
def test_only_a_case_handling_role_can_be_made_handler(admin, criminal_head, role, department):
    _, head = criminal_head
    candidate, _ = admin.create_user(role, department)
    case = head.post("/v1/cases", json={"case_no": unique_case_no(), "title": "承办资格", "category": "criminal",
                                        "department": "criminal"}).json()
    response = head.post(f"/v1/cases/{case['id']}/assign", json={"handler_id": candidate["id"]})
    assert response.status_code == 400 and "handler_id" in response.json()["error"]["fields"]
    assert head.get(f"/v1/cases/{case['id']}").json()["handler_id"] is None


def test_a_department_scoped_assigner_picks_a_handler_of_the_cases_department(admin, criminal_head,
                                                                              criminal_prosecutor, civil_prosecutor):
    _, head = criminal_head
    _, prosecutor = criminal_prosecutor
    stranger, _ = civil_prosecutor
    case_no = unique_case_no()
    body = {"case_no": case_no, "title": "跨部门承办", "category": "criminal", "department": "criminal"}
    registered = head.post("/v1/cases", json={**body, "handler_id": stranger["id"]})
    assert registered.status_code == 400 and "handler_id" in registered.json()["error"]["fields"]
    assert head.get("/v1/cases", params={"q": case_no}).json()["items"] == []
    case = head.post("/v1/cases", json=body).json()
    response = head.post(f"/v1/cases/{case['id']}/assign", json={"handler_id": stranger["id"]})
    assert response.status_code == 400 and "handler_id" in response.json()["error"]["fields"]
    # A prosecutor assigns nothing at all (issue 19).
    assert prosecutor.post(f"/v1/cases/{case['id']}/assign", json={"handler_id": stranger["id"]}).status_code == 403
    # Case management may assign across departments: it hands the case to the civil prosecutor.
    _, manager = admin.create_user("case_manager", "case_management")
    assert manager.post(f"/v1/cases/{case['id']}/assign", json={"handler_id": stranger["id"]}).status_code == 200
