"""Bad input gets a clear 4xx JSON error naming the field, and nothing is written."""
import base64
import json

import pytest

from tests.support.api import unique_case_no


def assert_case_absent(api, case_no):
    assert api.get("/v1/cases", params={"q": case_no}).json()["items"] == []


def test_malformed_json_is_400_not_500(criminal_head):
    _, head = criminal_head
    case_no = unique_case_no()
    response = head.post("/v1/cases", data=f'{{"case_no": "{case_no}", "title": ',
                         headers={"Content-Type": "application/json"})
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "validation_error"
    assert_case_absent(head, case_no)


@pytest.mark.parametrize("patch,field", [
    ({"case_no": 123}, "case_no"),                      # wrong type
    ({"title": None}, "title"),                         # null
    ({"category": "murder"}, "category"),               # unknown enum
    ({"department": "kitchen"}, "department"),          # unknown enum
    ({"title": "x" * 201}, "title"),                    # too long
    ({"surprise": 1}, "surprise"),                      # unknown field
    ({"title": " \t\n "}, "title"),                     # blank once trimmed
])
def test_invalid_case_fields_are_named(criminal_head, patch, field):
    _, head = criminal_head
    case_no = unique_case_no()
    body = {"case_no": case_no, "title": "测试", "category": "criminal", "department": "criminal", **patch}
    response = head.post("/v1/cases", json=body)
    assert response.status_code == 400, response.text
    error = response.json()["error"]
    assert error["code"] == "validation_error" and field in error["fields"]
    assert_case_absent(head, case_no)


def test_a_blank_case_number_is_refused(criminal_head):
    _, head = criminal_head
    response = head.post("/v1/cases", json={"case_no": "   ", "title": "测试", "category": "criminal",
                                            "department": "criminal"})
    assert response.status_code == 400 and "case_no" in response.json()["error"]["fields"]


def test_missing_fields_are_each_named(criminal_head):
    _, head = criminal_head
    response = head.post("/v1/cases", json={})
    assert response.status_code == 400
    assert set(response.json()["error"]["fields"]) == {"case_no", "title", "category", "department"}


def test_non_object_body_and_unknown_handler_are_400(criminal_head):
    _, head = criminal_head
    assert head.post("/v1/cases", json=[1, 2]).status_code == 400
    case_no = unique_case_no()
    response = head.post("/v1/cases", json={"case_no": case_no, "title": "测试", "category": "criminal",
                                            "department": "criminal", "handler_id": "nobody"})
    assert response.status_code == 400 and "handler_id" in response.json()["error"]["fields"]
    assert_case_absent(head, case_no)


def test_oversized_body_is_413(criminal_head):
    _, head = criminal_head
    case_no = unique_case_no()
    response = head.post("/v1/cases", json={"case_no": case_no, "title": "x" * (1024 * 1024 + 10),
                                            "category": "criminal", "department": "criminal"})
    assert response.status_code == 413
    assert response.json()["error"]["code"] == "payload_too_large"
    assert_case_absent(head, case_no)


def test_bad_query_parameters_are_named(criminal_head):
    _, head = criminal_head
    assert head.get("/v1/cases", params={"limit": 1000}).status_code == 200  # capped, not refused
    for params, field in [({"limit": "lots"}, "limit"), ({"limit": 0}, "limit"), ({"status": "lost"}, "status"),
                          ({"cursor": "garbage"}, "cursor"), ({"colour": "red"}, "colour")]:
        response = head.get("/v1/cases", params=params)
        assert response.status_code == 400, (params, response.text)
        assert field in response.json()["error"]["fields"]


def test_bad_assign_and_transition_bodies(criminal_head):
    _, head = criminal_head
    case = head.post("/v1/cases", json={"case_no": unique_case_no(), "title": "测试", "category": "criminal",
                                        "department": "criminal"}).json()
    assert "handler_id" in head.post(f"/v1/cases/{case['id']}/assign", json={}).json()["error"]["fields"]
    assert "to" in head.post(f"/v1/cases/{case['id']}/transition", json={"to": "x"}).json()["error"]["fields"]
    assert head.get(f"/v1/cases/{case['id']}").json()["version"] == 1


def test_invalid_user_is_refused_and_not_created(admin):
    for body, field in [({"username": "has space", "password": "password-1", "display_name": "甲", "department": "civil",
                          "roles": ["prosecutor"]}, "username"),
                        ({"username": "valid_name", "password": "short", "display_name": "甲",
                          "department": "civil", "roles": ["prosecutor"]}, "password"),
                        ({"username": "valid_name", "password": "password-1", "display_name": "甲",
                          "department": "civil", "roles": ["emperor"]}, "roles"),
                        ({"username": "valid_name", "password": "password-1", "display_name": "甲",
                          "department": "civil", "roles": []}, "roles")]:
        response = admin.post("/v1/users", json=body)
        assert response.status_code == 400 and field in response.json()["error"]["fields"], response.text
    names = [u["username"] for u in admin.get("/v1/users", params={"limit": 100}).json()["items"]]
    assert "valid_name" not in names


def test_unknown_route_and_wrong_method_are_json(anonymous):
    missing = anonymous.get("/v1/nowhere")
    assert missing.status_code == 404 and missing.json()["error"]["code"] == "not_found"
    wrong = anonymous.request("DELETE", "/v1/auth/token")
    assert wrong.status_code == 405 and wrong.json()["error"]["code"] == "method_not_allowed"


def test_absurdly_nested_json_is_400(criminal_head):
    _, head = criminal_head
    response = head.post("/v1/cases", data="[" * 100000 + "]" * 100000, headers={"Content-Type": "application/json"})
    assert response.status_code == 400


def raw_json(api, path, text):
    """POST a JSON text as written (json.dumps would refuse nothing, but we want exact bytes)."""
    return api.post(path, data=text.encode("utf-8"), headers={"Content-Type": "application/json"})


def test_a_lone_surrogate_is_a_400_naming_the_field_even_before_login(anonymous):
    response = raw_json(anonymous, "/v1/auth/token", '{"username": "\\ud800", "password": "x"}')
    assert response.status_code == 400, response.text
    assert "username" in response.json()["error"]["fields"]


@pytest.mark.parametrize("field", ["case_no", "title", "handler_id"])
def test_lone_surrogates_in_case_fields_are_named(criminal_head, field):
    _, head = criminal_head
    case_no = unique_case_no()
    body = {"case_no": case_no, "title": "代理字符", "category": "criminal", "department": "criminal"}
    text = json.dumps({**body, field: "x"}).replace('"x"', '"a\\udc80b"')
    response = raw_json(head, "/v1/cases", text)
    assert response.status_code == 400, response.text
    assert field in response.json()["error"]["fields"]
    assert_case_absent(head, case_no)


def test_surrogates_in_nested_values_and_keys_are_named(admin):
    response = raw_json(admin, "/v1/users", '{"username": "ok_name", "roles": ["\\ud800"], "\\udfff": 1}')
    assert response.status_code == 400
    fields = response.json()["error"]["fields"]
    assert "roles" in fields and any(key.startswith("\\udfff") for key in fields), fields


def test_a_lone_surrogate_in_display_name_is_named(admin):
    user, _ = admin.create_user("prosecutor", "civil")
    response = admin.request("PATCH", f"/v1/users/{user['id']}", data='{"display_name": "\\ud83d"}'.encode(),
                             headers={"Content-Type": "application/json"})
    assert response.status_code == 400 and "display_name" in response.json()["error"]["fields"]


def _cursor(parts):
    return base64.urlsafe_b64encode(json.dumps(parts).encode()).decode().rstrip("=")


@pytest.mark.parametrize("cursor", [
    _cursor(["0001-01-01T00:00:00+14:00", "x"]),
    _cursor(["9999-12-31T23:59:59-14:00", "x"]),
    _cursor(["2026-01-01T00:00:00+00:00", "\ud800"]),
    _cursor(["2026-01-01T00:00:00", "x"]),            # no zone
    _cursor(["2026-01-01T00:00:00+00:00", 5]),        # not a string
    _cursor(["2026-01-01T00:00:00+00:00", "x", "y"]),  # too many parts
    _cursor({"a": 1}),
    _cursor("just a string"),
    base64.urlsafe_b64encode(b"\xff\xfe\x00").decode(),  # not UTF-8
    "%%%",
    "é",
])
def test_a_tampered_cursor_is_400(criminal_head, admin, cursor):
    _, head = criminal_head
    for api, path in ((head, "/v1/cases"), (admin, "/v1/users"), (head, "/v1/me/notifications")):
        response = api.get(path, params={"cursor": cursor})
        assert response.status_code == 400, (path, response.text)
        assert response.json()["error"]["fields"]["cursor"] == ["无效的分页游标"]


@pytest.mark.parametrize("username", ["holdout_admin\n", "bell\x07user", "esc\x1b[31m", "tab\tname", "a/b"])
def test_usernames_with_control_characters_or_odd_symbols_are_refused(admin, username):
    response = admin.post("/v1/users", json={"username": username, "password": "password-123",
                                             "display_name": "甲", "department": "civil", "roles": ["prosecutor"]})
    assert response.status_code == 400 and "username" in response.json()["error"]["fields"], response.text


@pytest.mark.parametrize("case_no", ["平检\x00刑诉", "平检\x1b刑诉", "平检\n刑诉", "平检\u202e刑诉"])
def test_case_numbers_with_control_characters_are_refused(criminal_head, case_no):
    _, head = criminal_head
    response = head.post("/v1/cases", json={"case_no": case_no, "title": "控制字符", "category": "criminal",
                                            "department": "criminal"})
    assert response.status_code == 400 and "case_no" in response.json()["error"]["fields"]
