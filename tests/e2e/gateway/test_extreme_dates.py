"""Dates the code cannot compute with are refused at the boundary, naming the field (issue 18):
the requests that answered 500 before, each named, and a sweep of every date field of the OpenAPI
document with values at and beyond the platform's window (1950-01-01 to 2099-12-31): never a 5xx;
outside the window a 400 naming the field."""
import re
import uuid

import pytest

from tests.support.api import unique_case_no
from tests.support.openapi_dates import EXTREMES, date_fields, with_value

OUTSIDE = {"0001-01-01", "1900-01-01", "1949-12-31", "2100-01-01", "9999-12-31", "0001-01-01T00:00:00+14:00",
           "9999-12-31T23:00:00+00:00", "9999-12-31T23:59:59-12:00"}
ROLES = (("prosecutor", "criminal"), ("department_head", "criminal"), ("chief_procurator", "leadership"),
         ("inspector", "inspection"), ("finance", "finance"), ("case_manager", "case_management"),
         ("party_group", "leadership"))


@pytest.fixture(scope="module")
def people(admin):
    users = {role: admin.create_user(role, department) for role, department in ROLES}
    users["admin"] = (None, admin)
    return users


@pytest.fixture(scope="module")
def records(people):
    """Records for the path parameters, so a date in range reaches the service behind the gateway."""
    handler, prosecutor = people["prosecutor"]
    _, head = people["department_head"]
    case = head.post("/v1/cases", json={"case_no": unique_case_no(), "title": "日期边界", "category": "criminal",
                                        "department": "criminal", "handler_id": handler["id"]})
    assert case.status_code == 201, case.text
    suspect = prosecutor.post(f"/v1/cases/{case.json()['id']}/suspects", json={
        "name": "边某", "id_number": "110101199003072316", "layer": "peripheral", "charges": ["fraud"]})
    assert suspect.status_code == 201, suspect.text
    vehicle = people["finance"][1].post("/v1/vehicles", json={"plate": f"京D{uuid.uuid4().hex[:5]}", "model": "帕萨特",
                                                               "seats": 5})
    assert vehicle.status_code == 201, vehicle.text
    return {"case_id": case.json()["id"], "suspect_id": suspect.json()["id"], "vehicle_id": vehicle.json()["id"],
            "user_id": handler["id"], "year": "2030"}


def _error_fields(response):
    return (response.json().get("error") or {}).get("fields") or {}


def test_the_audit_queries_refuse_a_day_past_the_window(people):
    _, admin = people["admin"]
    for path, params, field in (("/v1/audit/entries", {"to": "9999-12-31"}, "to"),
                                ("/v1/audit/entries", {"from": "0001-01-01"}, "from"),
                                ("/v1/audit/verify", {"date": "9999-12-31"}, "date")):
        response = admin.get(path, params=params)
        assert response.status_code == 400 and field in _error_fields(response), response.text


def test_a_supervision_task_due_past_the_window_is_refused_and_not_stored(people):
    _, inspector = people["inspector"]
    owner, _ = people["prosecutor"]
    title = f"超界督办{uuid.uuid4().hex[:6]}"
    response = inspector.post("/v1/supervision-tasks", json={
        "title": title, "department": "criminal", "owner_id": owner["id"], "due_on": "9999-12-31", "description": "测"})
    assert response.status_code == 400 and "due_on" in _error_fields(response), response.text
    listed = inspector.get("/v1/supervision-tasks", params={"owner_id": owner["id"]}).json()["items"]
    assert title not in [task["title"] for task in listed]


@pytest.mark.parametrize("starts_at", ["9999-12-31T23:00:00+00:00", "0001-01-01T00:00:00+14:00"])
def test_a_booking_at_the_ends_of_time_is_refused_naming_starts_at(people, records, starts_at):
    _, prosecutor = people["prosecutor"]
    response = prosecutor.post(f"/v1/vehicles/{records['vehicle_id']}/bookings", json={
        "starts_at": starts_at, "ends_at": "2031-05-06T04:00:00+00:00", "purpose": "提讯"})
    assert response.status_code == 400 and "starts_at" in _error_fields(response), response.text
    bookings = prosecutor.get(f"/v1/vehicles/{records['vehicle_id']}/bookings").json()["items"]
    assert bookings == []


@pytest.mark.parametrize("decided_on", ["2003-12-30", "1900-01-01", "0001-01-01"])
def test_a_referring_decision_long_ago_is_provisional_or_refused_never_500(people, records, decided_on):
    _, prosecutor = people["prosecutor"]
    response = prosecutor.post(f"/v1/cases/{records['case_id']}/suspects", json={
        "name": "远某", "id_number": "110101199003072316", "layer": "peripheral", "charges": ["fraud"],
        "decision": {"decision": "non_prosecution", "decided_on": decided_on, "reason": "情节轻微",
                     "administrative_penalty_warranted": True}})
    if decided_on == "2003-12-30" and response.status_code == 201:
        # Inside the window, in a year no schedule covers: counted with weekends only, and said so.
        assert response.json()["referral"] == {**response.json()["referral"], "due_on": "2004-01-05",
                                               "provisional": True}
    else:
        assert response.status_code == 400, response.text
        assert "decided_on" in _error_fields(response).get("decision", {}), response.text


def test_every_date_field_of_the_api_takes_extreme_dates_without_a_5xx(stack, people, records):
    spec = people["admin"][1].get("/openapi.json").json()
    fields = list(date_fields(spec))
    assert len(fields) >= 30  # the sweep found the API's date fields (35 when written)
    failures = []
    for field in fields:
        role = next((role for role in field.roles if role in people), "prosecutor")
        api = people[role][1]
        path = field.path
        for name in records:
            path = path.replace("{" + name + "}", records[name])
        path = re.sub(r"\{[^}]+\}", uuid.uuid4().hex, path)  # no record for it: a 404 behind the checks
        operation = spec["paths"][field.path][field.method.lower()]
        for value in EXTREMES[field.format]:
            if field.where == "query":
                response = api.request(field.method, path, params={field.pointer[0]: value})
            else:
                schema = operation["requestBody"]["content"]["application/json"]["schema"]
                response = api.request(field.method, path, json=with_value(spec, schema, field.pointer, value))
            said = f"{field.method} {field.path} {'.'.join(map(str, field.pointer))}={value}: {response.status_code}"
            if response.status_code >= 500:
                failures.append(f"{said} {response.text[:200]}")
            elif value in OUTSIDE and response.status_code != 403:
                if response.status_code != 400 or str(field.pointer[0]) not in _error_fields(response):
                    failures.append(f"{said} should be a 400 naming {field.pointer[0]}: {response.text[:200]}")
    assert failures == []
