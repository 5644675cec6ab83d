"""A supervision task's due date extended with a reason by whoever may assign it (issue 22): the
reminders move, the owner is told; the owner, another department's head and an earlier day are
refused, nothing written."""
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from tests.support.waiting import wait_for


def _ok(response, status=200):
    assert response.status_code == status, response.text
    return response.json()


def test_an_assigner_extends_a_task_and_its_reminders_move(stack, admin):
    today = datetime.now(ZoneInfo("Asia/Shanghai")).date()
    _, inspector = admin.create_user("inspector", "inspection")
    owner_user, owner = admin.create_user("prosecutor", "civil")
    _, other_head = admin.create_user("department_head", "criminal")
    task = _ok(inspector.post("/v1/supervision-tasks", json={
        "title": "延期督办", "department": "civil", "owner_id": owner_user["id"],
        "due_on": (today + timedelta(days=20)).isoformat(), "description": "跟进整改"}), 201)
    later = (today + timedelta(days=50)).isoformat()
    for api in (owner, other_head):
        refused = api.post(f"/v1/supervision-tasks/{task['id']}/extend", json={"due_on": later, "reason": "x"})
        assert refused.status_code == 403, refused.text
    earlier = inspector.post(f"/v1/supervision-tasks/{task['id']}/extend", json={"due_on": task["due_on"], "reason": "x"})
    assert earlier.status_code == 400 and "due_on" in earlier.json()["error"]["fields"]
    assert _ok(owner.get(f"/v1/supervision-tasks/{task['id']}"))["due_on"] == task["due_on"]
    extended = _ok(inspector.post(f"/v1/supervision-tasks/{task['id']}/extend",
                                  json={"due_on": later, "reason": "整改工程需要一个月"}))
    assert extended["due_on"] == later and extended["extensions"][0]["from"] == task["due_on"]
    if stack.mongo_uri:
        pending = stack.db("inspections").deadlines.find({"aggregate_id": task["id"], "status": "pending"})
        assert {d["due_on"] for d in pending} == {later}
    told = wait_for(lambda: [n for n in _ok(owner.get("/v1/me/notifications"))["items"]
                             if n["type"] == "supervision_task.deadline_extended" and n["ref"]["id"] == task["id"]],
                    timeout=20, message="the owner told")
    assert later in told[0]["body"]
