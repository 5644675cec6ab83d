"""Evidence gates (400), wrong roles (403) and bad input on every inspections endpoint: a 4xx naming the
field, and nothing written."""
from datetime import timedelta

import pytest

from kit import clock


@pytest.fixture(scope="module")
def inspector(admin):
    return admin.create_user("inspector", "inspection")


@pytest.fixture(scope="module")
def owner(admin):
    return admin.create_user("prosecutor", "public_interest")


@pytest.fixture(scope="module")
def finance(admin):
    return admin.create_user("finance", "finance")


@pytest.fixture(scope="module")
def records(inspector, owner):
    """A task, an inspection and a finding to aim the requests at."""
    (_, insp), (owner_user, _) = inspector, owner
    task = insp.post("/v1/supervision-tasks", json={
        "title": "督办", "department": "public_interest", "owner_id": owner_user["id"],
        "due_on": (clock.today() + timedelta(days=9)).isoformat(), "description": "d"}).json()
    inspection = insp.post("/v1/inspections", json={
        "target": {"name": "托辅班甲", "kind": "tutoring_class"}, "inspected_on": clock.today().isoformat(),
        "inspector_ids": ["x"], "categories": ["fire_safety"]}).json()
    finding = insp.post(f"/v1/inspections/{inspection['id']}/findings", json={
        "category": "fire_safety", "severity": "low", "description": "灭火器过期"}).json()
    return {"task": task["id"], "inspection": inspection["id"], "finding": finding["id"]}


def snapshot(stack):
    db = stack.db("inspections")
    return {name: sorted((d["_id"], d.get("version")) for d in db[name].find({}, {"version": 1}))
            for name in ("supervision_tasks", "inspections", "findings", "outbox")}


def test_evidence_gated_transitions_refuse_without_evidence(stack, records, owner, inspector):
    (_, own), (_, insp) = owner, inspector
    before = snapshot(stack)
    for body in ({"summary": "完成"}, {"summary": "完成", "evidence": []}, {"summary": "完成", "evidence": [""]},
                 {"summary": "完成", "evidence": [{}]}):
        response = own.post(f"/v1/supervision-tasks/{records['task']}/complete", json=body)
        assert response.status_code == 400 and "evidence" in response.json()["error"]["fields"], (body, response.text)
    for body in ({"rectified_on": clock.today().isoformat()}, {"rectified_on": clock.today().isoformat(), "evidence": []}):
        response = insp.post(f"/v1/findings/{records['finding']}/rectify", json=body)
        assert response.status_code == 400 and "evidence" in response.json()["error"]["fields"], response.text
    assert snapshot(stack) == before
    assert own.get(f"/v1/supervision-tasks/{records['task']}").json()["status"] == "open"
    assert insp.get(f"/v1/findings/{records['finding']}").json()["status"] == "open"


def test_wrong_roles_are_refused_and_nothing_changes(stack, records, owner, inspector, finance, criminal_prosecutor):
    (_, own), (_, insp), (_, fin), (_, other) = owner, inspector, finance, criminal_prosecutor
    before = snapshot(stack)
    task, finding, inspection = records["task"], records["finding"], records["inspection"]
    today = clock.today().isoformat()
    refused = [
        (own, "/v1/supervision-tasks", {"title": "t", "department": "public_interest", "owner_id": "x",
                                        "due_on": today, "description": "d"}),
        (own, f"/v1/supervision-tasks/{task}/verify", {"outcome": "accepted"}),
        (insp, f"/v1/supervision-tasks/{task}/complete", {"summary": "s", "evidence": ["e"]}),  # not the owner
        (other, f"/v1/supervision-tasks/{task}/progress", {"note": "n", "percent": 5}),
        (fin, "/v1/inspections", {"target": {"name": "n", "kind": "other"}, "inspected_on": today,
                                  "inspector_ids": ["x"], "categories": ["other"]}),
        (fin, f"/v1/inspections/{inspection}/findings", {"category": "cctv", "severity": "low", "description": "d"}),
        (own, f"/v1/findings/{finding}/verify", {"outcome": "accepted"}),
        (other, f"/v1/findings/{finding}/rectify", {"rectified_on": today, "evidence": ["e"]}),
    ]
    for api, path, body in refused:
        response = api.post(path, json=body)
        assert response.status_code == 403, (path, response.text)
    # A task of another department is not shown to a department-scoped prosecutor.
    assert other.get(f"/v1/supervision-tasks/{task}").status_code == 403
    assert snapshot(stack) == before


def bad_requests(records, owner_id):
    task, finding, inspection = records["task"], records["finding"], records["inspection"]
    today = clock.today()
    new_task = {"title": "t", "department": "public_interest", "owner_id": owner_id, "due_on": today.isoformat(),
                "description": "d"}
    new_inspection = {"target": {"name": "n", "kind": "other"}, "inspected_on": today.isoformat(),
                      "inspector_ids": ["x"], "categories": ["other"]}
    new_finding = {"category": "cctv", "severity": "low", "description": "d"}
    return [
        ("POST", "/v1/supervision-tasks", {**new_task, "title": ""}, "title"),
        ("POST", "/v1/supervision-tasks", {**new_task, "department": "nowhere"}, "department"),
        ("POST", "/v1/supervision-tasks", {**new_task, "due_on": "2026-02-30"}, "due_on"),
        ("POST", "/v1/supervision-tasks", {**new_task, "due_on": (today - timedelta(days=1)).isoformat()}, "due_on"),
        ("POST", "/v1/supervision-tasks", {**new_task, "source": {"kind": "rumour", "id": "1"}}, "source"),
        ("POST", "/v1/supervision-tasks", {**new_task, "owner_id": "no-such-user"}, "owner_id"),
        ("POST", "/v1/supervision-tasks", {k: v for k, v in new_task.items() if k != "description"}, "description"),
        ("POST", f"/v1/supervision-tasks/{task}/progress", {"note": "n", "percent": 101}, "percent"),
        ("POST", f"/v1/supervision-tasks/{task}/progress", {"percent": 5}, "note"),
        ("POST", f"/v1/supervision-tasks/{task}/complete", {"evidence": ["e"]}, "summary"),
        ("POST", f"/v1/supervision-tasks/{task}/verify", {"outcome": "maybe"}, "outcome"),
        ("POST", f"/v1/supervision-tasks/{task}/verify", {"outcome": "returned"}, "comment"),
        ("GET", "/v1/supervision-tasks?status=lost", None, "status"),
        ("GET", "/v1/supervision-tasks?overdue=perhaps", None, "overdue"),
        ("GET", "/v1/supervision-tasks?department=nowhere", None, "department"),
        ("POST", "/v1/inspections", {**new_inspection, "target": {"name": "n", "kind": "zoo"}}, "target"),
        ("POST", "/v1/inspections", {k: v for k, v in new_inspection.items() if k != "target"}, "target"),
        ("POST", "/v1/inspections", {**new_inspection, "inspected_on": (today + timedelta(days=1)).isoformat()},
         "inspected_on"),
        ("POST", "/v1/inspections", {**new_inspection, "inspector_ids": []}, "inspector_ids"),
        ("POST", "/v1/inspections", {**new_inspection, "categories": ["gossip"]}, "categories"),
        ("POST", "/v1/inspections", {**new_inspection, "reinspection_of": "no-such-inspection"}, "reinspection_of"),
        ("POST", "/v1/inspections", {**new_inspection, "reinspection_of": inspection,
                                     "earlier_findings": [{"finding_id": "other", "result": "fixed"}]},
         "earlier_findings"),
        ("POST", "/v1/inspections", {**new_inspection, "earlier_findings": [{"finding_id": finding, "result": "fixed"}]},
         "earlier_findings"),
        ("GET", "/v1/inspections?kind=zoo", None, "kind"),
        ("GET", "/v1/inspections/stats?from=2026-13-01", None, "from"),
        ("GET", "/v1/inspections/stats?from=2026-10-02&to=2026-10-01", None, "to"),
        ("POST", f"/v1/inspections/{inspection}/findings", {**new_finding, "severity": "apocalyptic"}, "severity"),
        ("POST", f"/v1/inspections/{inspection}/findings", {**new_finding, "category": "gossip"}, "category"),
        ("POST", f"/v1/inspections/{inspection}/findings", {**new_finding, "description": " "}, "description"),
        ("POST", f"/v1/inspections/{inspection}/findings",
         {**new_finding, "rectify_by": (today - timedelta(days=1)).isoformat()}, "rectify_by"),
        ("GET", "/v1/findings?status=lost", None, "status"),
        ("POST", f"/v1/findings/{finding}/rectify", {"evidence": ["e"]}, "rectified_on"),
        ("POST", f"/v1/findings/{finding}/rectify",
         {"rectified_on": (today + timedelta(days=1)).isoformat(), "evidence": ["e"]}, "rectified_on"),
        ("POST", f"/v1/findings/{finding}/verify", {"outcome": "maybe"}, "outcome"),
        ("POST", f"/v1/findings/{finding}/verify", {"outcome": "rejected"}, "comment"),
    ]


def test_bad_input_on_every_endpoint_names_the_field_and_writes_nothing(stack, records, inspector, owner):
    (_, insp), (owner_user, _) = inspector, owner
    before = snapshot(stack)
    for method, path, body, field in bad_requests(records, owner_user["id"]):
        response = insp.request(method, path, json=body) if body is not None else insp.request(method, path)
        assert 400 <= response.status_code < 500, (method, path, body, response.text)
        assert field in response.json()["error"].get("fields", {}), (method, path, body, response.text)
    assert snapshot(stack) == before


def test_unknown_records_are_404(records, inspector):
    _, insp = inspector
    for path in ("/v1/supervision-tasks/nope", "/v1/inspections/nope", "/v1/findings/nope"):
        assert insp.get(path).status_code == 404
    assert insp.post("/v1/findings/nope/verify", json={"outcome": "accepted"}).status_code == 404
