"""The access ledger (台账) through the gateway: every request on business data recorded with who,
what, when and from where; readable by admin and inspectors only; tampering found and named."""
from datetime import datetime, timezone
from zoneinfo import ZoneInfo

from tests.support.api import unique_case_no
from tests.support.waiting import wait_for


def today():
    return datetime.now(timezone.utc).astimezone(ZoneInfo("Asia/Shanghai")).date().isoformat()


def entries(api, **params):
    response = api.get("/v1/audit/entries", params={"limit": 100, **params})
    assert response.status_code == 200, response.text
    return response.json()["items"]


def test_reads_changes_and_refusals_are_recorded_with_who_what_and_where(admin, criminal_head, civil_prosecutor):
    head_user, head = criminal_head
    civil_user, civil = civil_prosecutor
    case = head.post("/v1/cases", json={"case_no": unique_case_no(), "title": "台账记录", "category": "criminal",
                                        "department": "criminal"}).json()
    suspect = head.post(f"/v1/cases/{case['id']}/suspects", json={
        "name": "台账甲", "id_number": "11010519491231002X", "layer": "organizer", "charges": ["fraud"]}).json()
    assert head.get(f"/v1/cases/{case['id']}/suspects").status_code == 200
    assert civil.get(f"/v1/cases/{case['id']}", headers={"User-Agent": "ledger-test/1.0"}).status_code == 403

    mine = wait_for(lambda: (lambda found: found if len(found) >= 2 else None)(
        entries(admin, user_id=head_user["id"], resource=case["id"])), timeout=15, message="the head's entries")
    created = next(e for e in mine if e["route"] == "/v1/cases/<case_id>/suspects" and e["method"] == "POST")
    assert created["action"] == "update" and created["status"] == 201 and created["personal_data"] is True
    assert created["roles"] == ["department_head"] and created["department"] == "criminal"
    assert created["resource_ids"] == {"case_id": case["id"]} and created["remote_addr"] == "127.0.0.1"
    listed = next(e for e in mine if e["method"] == "GET")
    assert listed["action"] == "read" and listed["personal_data"] is True  # the head sees id numbers whole
    assert suspect["id_number"] == "11010519491231002X"

    refused = wait_for(lambda: entries(admin, user_id=civil_user["id"], resource=case["id"]), timeout=15,
                       message="the refused read")
    assert refused[0]["status"] == 403 and refused[0]["user_agent"] == "ledger-test/1.0"
    assert refused[0]["personal_data"] is False
    # The action filter keeps the reads and only them: the refused read is among them, the head's change is not.
    reads = entries(admin, user_id=civil_user["id"], action="read")
    assert refused[0]["id"] in [e["id"] for e in reads] and all(e["action"] == "read" for e in reads)
    head_reads = entries(admin, user_id=head_user["id"], resource=case["id"], action="read")
    assert listed["id"] in [e["id"] for e in head_reads] and created["id"] not in [e["id"] for e in head_reads]
    assert all(e["action"] == "read" for e in head_reads)


def test_only_admin_and_inspectors_read_the_ledger(admin, criminal_head):
    _, head = criminal_head
    assert head.get("/v1/audit/entries").status_code == 403
    assert head.get("/v1/audit/verify", params={"date": today()}).status_code == 403
    _, inspector = admin.create_user("inspector", "inspection")
    assert inspector.get("/v1/audit/entries").status_code == 200


def test_bad_queries_name_the_field(admin):
    assert "date" in admin.get("/v1/audit/verify").json()["error"]["fields"]
    assert "date" in admin.get("/v1/audit/verify", params={"date": "2026-13-01"}).json()["error"]["fields"]
    bad = admin.get("/v1/audit/entries", params={"action": "steal"})
    assert bad.status_code == 400 and "action" in bad.json()["error"]["fields"]
    reversed_range = admin.get("/v1/audit/entries", params={"from": "2026-11-02", "to": "2026-11-01"})
    assert reversed_range.status_code == 400 and "from" in reversed_range.json()["error"]["fields"]


def test_tampering_with_one_entry_in_the_database_is_found_and_named(stack, admin, criminal_head):
    head_user, head = criminal_head
    marker = unique_case_no()
    assert head.get("/v1/cases", params={"q": marker}).status_code == 200
    target = wait_for(lambda: next((e for e in entries(admin, user_id=head_user["id"], action="read")
                                    if e["route"] == "/v1/cases"), None), timeout=15, message="the list entry")
    wait_for(lambda: admin.get("/v1/audit/verify", params={"date": today()}).json()["valid"], timeout=15,
             message="today's ledger intact before the tampering")

    stack.db("audit").entries.update_one({"_id": target["id"]}, {"$set": {"user_id": "someone-else"}})
    verdict = admin.get("/v1/audit/verify", params={"date": today()}).json()
    assert verdict["valid"] is False
    assert verdict["first_broken"]["entry_id"] == target["id"] and verdict["first_broken"]["seq"] == target["seq"]
    stack.db("audit").entries.update_one({"_id": target["id"]}, {"$set": {"user_id": head_user["id"]}})
    assert admin.get("/v1/audit/verify", params={"date": today()}).json()["valid"] is True
