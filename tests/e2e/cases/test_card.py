"""The case card in full (issue 22, acceptance 2): 案由, source, the reviewing prosecutor, assistant and
notes at registration and by PATCH (in the history), the handling time limit with days left, the
worklists (unassigned, mine, department) within the caller's scope; bad input named and nothing
written; another department refused."""
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from tests.support.api import unique_case_no


def _ok(response, status=200):
    assert response.status_code == status, response.text
    return response.json()


def _today():
    return datetime.now(ZoneInfo("Asia/Shanghai")).date()


def _register(api, **body):
    return _ok(api.post("/v1/cases", json={"case_no": unique_case_no(), "title": "案卡测试", "category": "criminal",
                                           "department": "criminal", **body}), 201)


def test_the_card_is_filed_changed_by_patch_and_the_change_is_in_the_history(criminal_head, criminal_prosecutor):
    _, head = criminal_head
    handler, prosecutor = criminal_prosecutor
    accepted = _today() - timedelta(days=10)
    case = _register(head, handler_id=handler["id"], accepted_on=accepted.isoformat(), cause="fraud",
                     source="某区公安分局", reviewing_prosecutor="李检察官")
    assert case["cause"] == "fraud" and case["source"] == "某区公安分局" and case["reviewing_prosecutor"] == "李检察官"
    assert case["days_waiting"] == 10
    limit = case["time_limit"]
    assert limit["rule"] == "1 个月" and limit["overdue"] is False
    assert limit["days_left"] == (datetime.fromisoformat(limit["due_on"]).date() - _today()).days

    changed = _ok(prosecutor.patch(f"/v1/cases/{case['id']}", json={"assistant": "王助理", "notes": "需补充证据",
                                                                     "cause": "money_laundering"}))
    assert changed["assistant"] == "王助理" and changed["cause"] == "money_laundering"
    assert changed["version"] == case["version"] + 1
    history = _ok(prosecutor.get(f"/v1/cases/{case['id']}/history"))["items"]
    entry = next(item for item in history if item["action"] == "case.updated")
    assert entry["changes"]["cause"] == {"from": "fraud", "to": "money_laundering"}
    assert entry["changes"]["assistant"] == {"from": None, "to": "王助理"}


@pytest.mark.parametrize("body,field", [
    ({}, "_schema"),                                        # nothing to change
    ({"cause": "murder"}, "cause"),                         # not in the code table
    ({"title": ""}, "title"),
    ({"accepted_on": "2999-01-01"}, "accepted_on"),         # outside the window
    ({"notes": "x" * 4001}, "notes"),
    ({"department": "civil"}, "department"),                # not changed by PATCH
    ({"status": "closed"}, "status"),
])
def test_bad_card_input_is_named_and_writes_nothing(criminal_head, body, field):
    _, head = criminal_head
    case = _register(head)
    refused = head.patch(f"/v1/cases/{case['id']}", json=body)
    assert refused.status_code == 400 and field in refused.json()["error"]["fields"], refused.text
    assert _ok(head.get(f"/v1/cases/{case['id']}"))["version"] == case["version"]


def test_an_acceptance_date_tomorrow_is_refused(criminal_head):
    _, head = criminal_head
    case = _register(head)
    tomorrow = (_today() + timedelta(days=1)).isoformat()
    refused = head.patch(f"/v1/cases/{case['id']}", json={"accepted_on": tomorrow})
    assert refused.status_code == 400 and "accepted_on" in refused.json()["error"]["fields"]
    assert _ok(head.get(f"/v1/cases/{case['id']}"))["accepted_on"] == case["accepted_on"]


def test_another_department_cannot_change_the_card(criminal_head, civil_prosecutor):
    _, head = criminal_head
    _, civil = civil_prosecutor
    case = _register(head)
    assert civil.patch(f"/v1/cases/{case['id']}", json={"notes": "越权"}).status_code == 403
    assert _ok(head.get(f"/v1/cases/{case['id']}"))["notes"] is None


def test_the_worklists_within_the_callers_scope(admin, criminal_head, criminal_prosecutor, civil_prosecutor):
    _, head = criminal_head
    handler, prosecutor = criminal_prosecutor
    _, civil = civil_prosecutor
    unassigned = _register(head, title="待分配案件")
    mine = _register(head, title="我承办的案件", handler_id=handler["id"])

    def ids(api, queue):
        return [item["id"] for item in _ok(api.get("/v1/cases", params={"queue": queue, "limit": 100}))["items"]]
    assert unassigned["id"] in ids(head, "unassigned") and mine["id"] not in ids(head, "unassigned")
    assert mine["id"] in ids(prosecutor, "mine") and unassigned["id"] not in ids(prosecutor, "mine")
    assert {unassigned["id"], mine["id"]} <= set(ids(head, "department"))
    # Another department's worklists never show these.
    assert not {unassigned["id"], mine["id"]} & set(ids(civil, "unassigned") + ids(civil, "department"))
    listed = _ok(head.get("/v1/cases", params={"queue": "unassigned", "limit": 100}))["items"]
    assert all(item["handler_id"] is None and item["department"] == "criminal" for item in listed)
    assert all("days_waiting" in item for item in listed)
    bad = head.get("/v1/cases", params={"queue": "everything"})
    assert bad.status_code == 400 and "queue" in bad.json()["error"]["fields"]
