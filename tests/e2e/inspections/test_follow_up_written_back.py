"""A loop closed (issue 22): the 回头看 task an adopted recommendation starts, once completed in
inspections, writes its result onto the recommendation's follow-ups, through the platform."""
from datetime import datetime
from zoneinfo import ZoneInfo

from tests.support.api import unique_case_no
from tests.support.waiting import wait_for


def _ok(response, status=200):
    assert response.status_code == status, response.text
    return response.json()


def test_a_completed_follow_up_task_is_on_the_recommendation(admin):
    today = datetime.now(ZoneInfo("Asia/Shanghai")).date().isoformat()
    _, drafter = admin.create_user("prosecutor", "public_interest")
    _, head = admin.create_user("department_head", "public_interest")
    _, chief = admin.create_user("chief_procurator", "leadership")
    case = _ok(drafter.post("/v1/cases", json={"case_no": unique_case_no(), "title": "回头看写回", "category":
                                               "public_interest", "department": "public_interest"}), 201)
    rec = _ok(drafter.post("/v1/recommendations", json={
        "kind": "public_interest", "target_unit": "某区民政局", "title": "回头看写回测试", "problems": ["问题"],
        "proposals": ["建议"], "case_id": case["id"]}), 201)
    _ok(drafter.post(f"/v1/recommendations/{rec['id']}/submit", json={}))
    _ok(chief.post(f"/v1/recommendations/{rec['id']}/approve", json={}))
    _ok(drafter.post(f"/v1/recommendations/{rec['id']}/serve", json={"served_on": today, "method": "written"}))
    _ok(drafter.post(f"/v1/recommendations/{rec['id']}/reply", json={
        "received_on": today, "adoption": "adopted", "content": "已整改"}))

    def task():
        items = _ok(head.get("/v1/supervision-tasks", params={"department": "public_interest", "limit": 100}))["items"]
        return next((t for t in items if (t["source"] or {}).get("id") == rec["id"]), None)
    follow_up = wait_for(task, timeout=20, message="the follow-up task")
    _ok(head.post(f"/v1/supervision-tasks/{follow_up['id']}/complete",
                  json={"summary": "实地回访，5 家养老机构均已整改", "evidence": ["回访记录.pdf"]}))

    def written_back():
        shown = _ok(drafter.get(f"/v1/recommendations/{rec['id']}"))
        return [entry for entry in shown["follow_ups"] if entry.get("task_id") == follow_up["id"]]
    [entry] = wait_for(written_back, timeout=20, message="the result on the recommendation")
    assert entry["notes"] == "实地回访，5 家养老机构均已整改" and entry["visited_on"] == today
