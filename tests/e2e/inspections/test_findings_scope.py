"""Issue 19: users of any department added findings to an inspection they took no part in. Only the
inspection's own staff (who recorded it, its inspectors) and the inspection office add findings."""
from kit import clock


def test_only_the_inspections_own_staff_and_inspectors_add_findings(stack, admin):
    recorder_user, recorder = admin.create_user("prosecutor", "public_interest")
    member_user, member = admin.create_user("prosecutor", "criminal")
    _, stranger = admin.create_user("prosecutor", "criminal")
    _, other_head = admin.create_user("department_head", "civil")
    _, office = admin.create_user("inspector", "inspection")
    created = recorder.post("/v1/inspections", json={
        "target": {"name": "托辅班乙", "kind": "tutoring_class"}, "inspected_on": clock.today().isoformat(),
        "inspector_ids": [recorder_user["id"], member_user["id"]], "categories": ["fire_safety"]})
    assert created.status_code == 201, created.text
    inspection = created.json()
    path = f"/v1/inspections/{inspection['id']}/findings"
    finding = {"category": "fire_safety", "severity": "low", "description": "灭火器过期"}
    findings = stack.db("inspections").findings
    for api in (stranger, other_head):
        refused = api.post(path, json=finding)
        assert refused.status_code == 403, refused.text
    assert findings.count_documents({"inspection_id": inspection["id"]}) == 0
    for api in (recorder, member, office):
        assert api.post(path, json=finding).status_code == 201
    assert findings.count_documents({"inspection_id": inspection["id"]}) == 3
