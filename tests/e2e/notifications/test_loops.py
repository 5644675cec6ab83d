"""Loops the workflows left open (issue 22): whoever must act next is told, driven through the
gateway for real — the chief procurator of a submitted recommendation and of an export request,
finance of a filed budget request (and the inspection office of its request, review and decision),
case managers of a key case, the inspection office of an interference record, and the criminal
handler of the penalty outcome a procuratorial opinion brought back."""
from datetime import datetime

import pytest

from kit.clock import SHANGHAI
from tests.e2e.notifications.conftest import inbox, make_user, register
from tests.support.api import unique_case_no
from tests.support.waiting import wait_for

WAIT = 20


def _ok(response, status=200):
    assert response.status_code == status, response.text
    return response.json()


def told(api, ref_id, event_type):
    return wait_for(lambda: inbox(api, ref_id, event_type), timeout=WAIT, message=f"{event_type} about {ref_id}")


@pytest.fixture(scope="module")
def people(boss):
    return {name: make_user(boss, role, department) for name, role, department in (
        ("chief", "chief_procurator", "leadership"), ("finance", "finance", "finance"),
        ("party", "party_group", "leadership"), ("inspector", "inspector", "inspection"),
        ("case_manager", "case_manager", "case_management"), ("head", "department_head", "criminal"),
        ("handler", "prosecutor", "criminal"), ("pi", "prosecutor", "public_interest"),
        ("civil", "prosecutor", "civil"), ("admin_prosecutor", "prosecutor", "administrative"),
        ("admin_head", "department_head", "administrative"))}


def test_the_chief_procurator_is_told_of_a_recommendation_submitted_for_approval(people):
    _, pi = people["pi"]
    case = register(pi, department="public_interest")
    rec = _ok(pi.post("/v1/recommendations", json={
        "kind": "public_interest", "target_unit": "某区民政局", "title": "待审批的检察建议", "problems": ["问题"],
        "proposals": ["建议"], "case_id": case["id"]}), 201)
    _ok(pi.post(f"/v1/recommendations/{rec['id']}/submit", json={}))
    [note] = told(people["chief"][1], rec["id"], "recommendation.submitted")
    assert "待审批的检察建议" in note["title"]
    assert inbox(people["civil"][1], rec["id"]) == []


def test_finance_and_the_inspection_office_follow_a_budget_request_from_its_filing(people):
    (_, head), (_, finance), (_, party), (_, inspector) = (people["head"], people["finance"], people["party"],
                                                          people["inspector"])
    year = 2043
    _ok(finance.post("/v1/budget/allocations", json={"year": year, "department": "criminal", "category": "equipment",
                                                     "amount_fen": 10000000}))
    request = _ok(head.post("/v1/budget/requests", json={
        "year": year, "department": "criminal", "category": "equipment", "title": "讯问室同步录音录像设备",
        "amount_fen": 500000, "justification": "办案需要"}), 201)
    told(finance, request["id"], "budget.request_submitted")
    told(inspector, request["id"], "budget.request_submitted")
    _ok(finance.post(f"/v1/budget/requests/{request['id']}/review", json={"approved_amount_fen": 400000}))
    told(inspector, request["id"], "budget.request_reviewed")
    told(head, request["id"], "budget.request_reviewed")
    _ok(party.post(f"/v1/budget/requests/{request['id']}/decide",
                   json={"decision": "approved", "minutes_ref": "党组会〔2043〕1号"}))
    [note] = told(inspector, request["id"], "budget.request_decided")
    assert "刑事检察部" in note["body"]
    assert inbox(people["civil"][1], request["id"]) == []


def test_the_chief_procurator_is_told_of_an_export_request(people):
    _, head = people["head"]
    export = _ok(head.post("/v1/exports", json={
        "dataset": "cases", "filters": {"department": "criminal"}, "purpose": "办案质量分析",
        "fields": ["case_no", "title"]}), 201)
    [note] = told(people["chief"][1], export["id"], "export.requested")
    assert "办案质量分析" in note["body"]


def test_case_managers_are_told_of_a_key_case(people):
    _, head = people["head"]
    case = _ok(head.post("/v1/cases", json={"case_no": unique_case_no(), "title": "重点评查", "category": "criminal",
                                            "department": "criminal", "accepted_on": "2026-05-20"}), 201)
    suspect = _ok(head.post(f"/v1/cases/{case['id']}/suspects", json={
        "name": "钱某", "id_number": "110101199003072316", "layer": "ordinary_member", "charges": ["fraud"],
        "arrested_on": "2026-06-01"}), 201)
    _ok(head.patch(f"/v1/cases/{case['id']}/suspects/{suspect['id']}", json={
        "decision": {"decision": "non_prosecution", "decided_on": "2026-09-01", "reason": "证据不足"}}))
    [note] = told(people["case_manager"][1], case["id"], "case.key_evaluation_flagged")
    assert case["case_no"] in note["title"]


def test_the_inspection_office_is_told_of_an_interference_record(people):
    handler_user, handler = people["handler"]
    _, head = people["head"]
    case = register(head, handler_id=handler_user["id"])
    today = datetime.now(SHANGHAI).date().isoformat()
    record = _ok(handler.post("/v1/interference-records", json={
        "case_id": case["id"], "occurred_on": today, "person": "某单位负责人", "content": "电话询问案件进展"}), 201)
    [note] = told(people["inspector"][1], record["id"], "interference_record.filed")
    assert "电话询问" not in note["body"]  # the content stays in the record, for those who may read it
    assert inbox(handler, record["id"]) == []


def test_the_criminal_handler_hears_of_the_penalty_outcome(people):
    handler_user, handler = people["handler"]
    (_, head), (_, admin_prosecutor), (_, chief) = people["head"], people["admin_prosecutor"], people["chief"]
    case = register(head, handler_id=handler_user["id"])
    today = datetime.now(SHANGHAI).date().isoformat()
    suspect = _ok(handler.post(f"/v1/cases/{case['id']}/suspects", json={
        "name": "吴某", "id_number": "110101199003072316", "layer": "peripheral", "charges": ["helping_network_crime"],
        "decision": {"decision": "non_prosecution", "decided_on": today, "reason": "犯罪情节轻微",
                     "administrative_penalty_warranted": True, "administrative_organ": "某区公安分局"}}), 201)

    def opinion():
        items = _ok(admin_prosecutor.get("/v1/recommendations", params={"case_id": case["id"],
                                                                         "kind": "procuratorial_opinion"}))["items"]
        return next((item for item in items if item["suspect_id"] == suspect["id"]), None)
    rec = wait_for(opinion, timeout=WAIT, message="the drafted opinion")
    _ok(admin_prosecutor.post(f"/v1/recommendations/{rec['id']}/submit", json={}))
    _ok(chief.post(f"/v1/recommendations/{rec['id']}/approve", json={}))
    _ok(admin_prosecutor.post(f"/v1/recommendations/{rec['id']}/serve", json={"served_on": today, "method": "written"}))
    _ok(admin_prosecutor.post(f"/v1/recommendations/{rec['id']}/reply", json={
        "received_on": today, "adoption": "adopted", "content": "已对吴某作出罚款处罚",
        "penalty_outcome": {"decision": "penalized", "decided_on": today, "penalty": "罚款五百元"}}))
    [note] = told(handler, rec["id"], "recommendation.replied")
    assert "罚款五百元" in note["body"]


def test_the_administrative_department_hears_of_a_proposed_non_prosecution_before_the_decision(people):
    handler_user, handler = people["handler"]
    _, head = people["head"]
    case = register(head, handler_id=handler_user["id"])
    today = datetime.now(SHANGHAI).date().isoformat()
    suspect = _ok(handler.post(f"/v1/cases/{case['id']}/suspects", json={
        "name": "郑某", "id_number": "110101199003072316", "layer": "peripheral", "charges": ["fraud"]}), 201)
    path = f"/v1/cases/{case['id']}/suspects/{suspect['id']}/proposed-non-prosecution"
    bad = handler.post(path, json={"proposed_on": today, "reason": "情节轻微"})
    assert bad.status_code == 400 and "administrative_penalty_warranted" in bad.json()["error"]["fields"]
    proposed = _ok(handler.post(path, json={"proposed_on": today, "reason": "犯罪情节轻微",
                                            "administrative_penalty_warranted": True,
                                            "administrative_organ": "某区公安分局"}))
    assert proposed["proposed_non_prosecution"]["reason"] == "犯罪情节轻微" and proposed["decision"] is None
    [note] = told(people["admin_head"][1], case["id"], "case.non_prosecution_proposed")
    assert "郑某" in note["body"]
    assert inbox(people["civil"][1], case["id"], "case.non_prosecution_proposed") == []
    # Once decided, too late to propose.
    _ok(handler.patch(f"/v1/cases/{case['id']}/suspects/{suspect['id']}", json={
        "decision": {"decision": "prosecute", "decided_on": today, "reason": "证据充分"}}))
    late = handler.post(path, json={"proposed_on": today, "reason": "x", "administrative_penalty_warranted": False})
    assert late.status_code == 409
