"""Deadlines extended by an authorised role with a reason (issue 22): a court's execution-supervision
recommendation is due in three months and may be extended by one month once; any kind to a named
later day; the history keeps it, the reminders move, the drafter is told; others are refused."""
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from kit import calendar
from tests.e2e.recommendations.conftest import new_case
from tests.support.waiting import wait_for


def _ok(response, status=200):
    assert response.status_code == status, response.text
    return response.json()


def _today():
    return datetime.now(ZoneInfo("Asia/Shanghai")).date()


@pytest.fixture(scope="module")
def civil(admin):
    """The administrative department (行政非诉执行监督 also goes to the courts): the civil department's
    figures belong to the scripted statistics test of this package."""
    return {"drafter": admin.create_user("prosecutor", "administrative"),
            "head": admin.create_user("department_head", "administrative"),
            "other_head": admin.create_user("department_head", "criminal")}


def _served_to_court(drafter, chief):
    case = new_case(drafter, department="administrative", category="administrative")
    rec = _ok(drafter.post("/v1/recommendations", json={
        "kind": "court_execution", "target_unit": "某区人民法院", "title": "关于纠正执行程序违法的检察建议",
        "problems": ["终本程序不合法"], "proposals": ["恢复执行"], "case_id": case["id"]}), 201)
    _ok(drafter.post(f"/v1/recommendations/{rec['id']}/submit", json={}))
    _ok(chief.post(f"/v1/recommendations/{rec['id']}/approve", json={}))
    return _ok(drafter.post(f"/v1/recommendations/{rec['id']}/serve",
                            json={"served_on": _today().isoformat(), "method": "written"}))


def test_a_court_gets_three_months_and_one_more_once(stack, civil, chief):
    drafter_user, drafter = civil["drafter"]
    _, head = civil["head"]
    served = _served_to_court(drafter, chief)
    due = calendar.add_months(_today(), 3)
    assert served["reply_due_on"] == due.isoformat()
    # Neither the drafter nor another department's head extends it.
    assert drafter.post(f"/v1/recommendations/{served['id']}/extend", json={"reason": "x"}).status_code == 403
    assert civil["other_head"][1].post(f"/v1/recommendations/{served['id']}/extend",
                                       json={"reason": "x"}).status_code == 403
    missing = head.post(f"/v1/recommendations/{served['id']}/extend", json={})
    assert missing.status_code == 400 and "reason" in missing.json()["error"]["fields"]
    extended = _ok(head.post(f"/v1/recommendations/{served['id']}/extend", json={"reason": "法院申请延期一个月"}))
    later = calendar.add_months(due, 1)
    assert extended["reply_due_on"] == later.isoformat()
    assert extended["extensions"][0]["from"] == due.isoformat() and extended["extensions"][0]["reason"] == "法院申请延期一个月"
    again = head.post(f"/v1/recommendations/{served['id']}/extend", json={"reason": "再次"})
    assert again.status_code == 409 and _ok(drafter.get(f"/v1/recommendations/{served['id']}"))["reply_due_on"] == \
        later.isoformat()
    if stack.mongo_uri:
        pending = stack.db("recommendations").deadlines.find({"aggregate_id": served["id"], "status": "pending"})
        assert {d["due_on"] for d in pending} == {later.isoformat()}  # the reminders moved
    told = wait_for(lambda: [n for n in _ok(drafter.get("/v1/me/notifications"))["items"]
                             if n["type"] == "recommendation.deadline_extended" and n["ref"]["id"] == served["id"]],
                    timeout=20, message="the drafter told")
    assert later.isoformat() in told[0]["body"]


def test_any_kind_extends_only_to_a_named_later_day(civil, chief, pi_prosecutor):
    case = new_case(pi_prosecutor)
    rec = _ok(pi_prosecutor.post("/v1/recommendations", json={
        "kind": "public_interest", "target_unit": "某区民政局", "title": "延期测试", "problems": ["问题"],
        "proposals": ["建议"], "case_id": case["id"]}), 201)
    _ok(pi_prosecutor.post(f"/v1/recommendations/{rec['id']}/submit", json={}))
    _ok(chief.post(f"/v1/recommendations/{rec['id']}/approve", json={}))
    served = _ok(pi_prosecutor.post(f"/v1/recommendations/{rec['id']}/serve",
                                    json={"served_on": _today().isoformat(), "method": "written"}))
    unnamed = chief.post(f"/v1/recommendations/{rec['id']}/extend", json={"reason": "理由"})
    assert unnamed.status_code == 400 and "until" in unnamed.json()["error"]["fields"]
    earlier = chief.post(f"/v1/recommendations/{rec['id']}/extend",
                         json={"reason": "理由", "until": _today().isoformat()})
    assert earlier.status_code == 400 and "until" in earlier.json()["error"]["fields"]
    until = date.fromisoformat(served["reply_due_on"]) + timedelta(days=20)
    extended = _ok(chief.post(f"/v1/recommendations/{rec['id']}/extend",
                              json={"reason": "整改工程量大", "until": until.isoformat()}))
    assert extended["reply_due_on"] == until.isoformat()
