"""The seed's elder-care story at small scale, through the gateway: five institutions inspected, six
hazards across categories rectified with evidence and verified (one rejected and redone), a
re-inspection that finds one still present, and statistics that match exactly."""
from datetime import timedelta

import pytest

from kit import clock


@pytest.fixture(scope="module")
def inspector(admin):
    return admin.create_user("inspector", "inspection")


@pytest.fixture(scope="module")
def pi_prosecutor(admin):
    return admin.create_user("prosecutor", "public_interest")


HOMES = ["福寿养老院", "康乐养老院", "夕阳红敬老院", "颐和养老中心", "安康护理院"]
# (home, category, severity) — six hazards across categories, two of them at the first home.
HAZARDS = [(0, "fire_safety", "critical"), (0, "food_safety", "high"), (1, "cctv", "medium"),
           (2, "living_environment", "low"), (3, "daily_care", "high"), (4, "staff_management", "medium")]


def ok(response, status=200):
    assert response.status_code == status, response.text
    return response.json()


def test_the_elder_care_story_with_exact_statistics(stack, inspector, pi_prosecutor):
    (inspector_user, insp), (prosecutor_user, pros) = inspector, pi_prosecutor
    today = clock.today()
    # Dated in a window of their own, so the statistics of this story are not mixed with other tests'.
    first_day, reinspected_on = today - timedelta(days=120), today - timedelta(days=1)
    inspections = [ok(pros.post("/v1/inspections", json={
        "target": {"name": name, "kind": "elder_care_institution", "address": f"某区{i + 1}号"},
        "inspected_on": (first_day + timedelta(days=i)).isoformat(),
        "inspector_ids": [prosecutor_user["id"], inspector_user["id"]],
        "categories": ["staff_management", "food_safety", "fire_safety", "cctv", "living_environment", "daily_care"],
        "notes": "养老机构安全隐患专项检查"}), 201) for i, name in enumerate(HOMES)]
    due = (today + timedelta(days=30)).isoformat()
    findings = [ok(pros.post(f"/v1/inspections/{inspections[home]['id']}/findings", json={
        "category": category, "severity": severity, "description": f"{HOMES[home]}：{category} 隐患",
        "rectify_by": due}), 201) for home, category, severity in HAZARDS]

    for finding in findings:
        rectified = ok(pros.post(f"/v1/findings/{finding['id']}/rectify", json={
            "rectified_on": today.isoformat(), "evidence": [{"name": "整改照片", "url": f"https://files/{finding['id']}"}]}))
        assert rectified["status"] == "rectified"
    redo = findings[4]
    rejected = ok(insp.post(f"/v1/findings/{redo['id']}/verify", json={"outcome": "rejected", "comment": "照护记录不全"}))
    assert rejected["status"] == "open"
    ok(pros.post(f"/v1/findings/{redo['id']}/rectify", json={"rectified_on": today.isoformat(),
                                                               "evidence": ["补充的照护记录.pdf"]}))
    for finding in findings:
        assert ok(insp.post(f"/v1/findings/{finding['id']}/verify", json={"outcome": "accepted",
                                                                          "comment": "现场复核"}))["status"] == "verified"
    assert len(ok(insp.get(f"/v1/findings/{redo['id']}"))["rectifications"]) == 2

    # 回头看 at the first home: the fire exit is blocked again; the kitchen is fine.
    fire, food = findings[0], findings[1]
    again = ok(insp.post("/v1/inspections", json={
        "reinspection_of": inspections[0]["id"], "inspected_on": reinspected_on.isoformat(),
        "inspector_ids": [inspector_user["id"]], "categories": ["fire_safety", "food_safety"],
        "earlier_findings": [{"finding_id": fire["id"], "result": "still_present"}]}), 201)
    assert again["target"]["name"] == HOMES[0]
    assert {e["finding_id"]: e["result"] for e in again["earlier_findings"]} == {fire["id"]: "still_present",
                                                                                 food["id"]: "fixed"}
    reopened = ok(insp.get(f"/v1/findings/{fire['id']}"))
    assert reopened["status"] == "open" and reopened["rectify_by"] == (reinspected_on + timedelta(days=7)).isoformat()
    assert ok(insp.get(f"/v1/inspections/{inspections[0]['id']}"))["findings"][0]["status"] == "open"

    stats = ok(insp.get("/v1/inspections/stats", params={"from": first_day.isoformat(), "to": reinspected_on.isoformat(),
                                                         "kind": "elder_care_institution"}))
    assert stats == {
        "inspections": 6, "institutions_inspected": 5, "reinspections": 1, "findings": 6,
        "findings_by_category": {"fire_safety": 1, "food_safety": 1, "cctv": 1, "living_environment": 1,
                                 "daily_care": 1, "staff_management": 1},
        "findings_by_severity": {"critical": 1, "high": 2, "medium": 2, "low": 1},
        "rectified": 5, "verified": 5, "open": 1, "overdue": 0, "still_present": 1, "fixed_on_reinspection": 1}
    # Another kind in the same window: nothing.
    assert ok(insp.get("/v1/inspections/stats", params={"from": first_day.isoformat(), "to": reinspected_on.isoformat(),
                                                        "kind": "tutoring_class"}))["inspections"] == 0

    if stack.mongo_uri:
        ids = {f["id"] for f in findings}
        events = [r["type"] for r in stack.db("inspections").outbox.find({"aggregate_id": {"$in": list(ids)}})]
        assert events.count("finding.recorded") == 6 and events.count("finding.rectified") == 7
        assert events.count("finding.verified") == 7 and "finding.overdue" not in events


def test_a_supervision_task_through_the_gateway(stack, admin, inspector, pi_prosecutor):
    (_, insp), (owner_user, owner) = inspector, pi_prosecutor
    task = ok(insp.post("/v1/supervision-tasks", json={
        "title": "督促落实养老机构消防整改", "department": "public_interest", "owner_id": owner_user["id"],
        "due_on": (clock.today() + timedelta(days=20)).isoformat(), "description": "逐家跟进整改",
        "source": {"kind": "inspection", "id": "insp-1"}}), 201)
    assert task["status"] == "open" and task["overdue"] is False and task["days_overdue"] == 0
    assert ok(owner.post(f"/v1/supervision-tasks/{task['id']}/progress", json={"note": "已走访 3 家", "percent": 60}))[
        "status"] == "in_progress"
    ok(owner.post(f"/v1/supervision-tasks/{task['id']}/complete", json={"summary": "5 家均已整改", "evidence": ["报告.pdf"]}))
    back = ok(insp.post(f"/v1/supervision-tasks/{task['id']}/verify", json={"outcome": "returned", "comment": "缺照片"}))
    assert back["status"] == "in_progress"
    ok(owner.post(f"/v1/supervision-tasks/{task['id']}/complete", json={"summary": "补充照片", "evidence": ["照片.zip"]}))
    assert ok(insp.post(f"/v1/supervision-tasks/{task['id']}/verify", json={"outcome": "accepted"}))["status"] == "verified"
    mine = ok(owner.get("/v1/supervision-tasks", params={"owner_id": owner_user["id"], "status": "verified"}))
    assert task["id"] in [t["id"] for t in mine["items"]]
    assert ok(insp.get("/v1/supervision-tasks", params={"overdue": "true", "owner_id": owner_user["id"]}))["items"] == []
