"""Budgeting through the gateway, as the staff would use it: the whole path, the ledger under
concurrent approvals, vehicle bookings, role rules, bad input, the execution report."""
from concurrent.futures import ThreadPoolExecutor

import pytest

from tests.e2e.budgeting.conftest import call

UNIT = 1_000_000  # 10,000 yuan in fen


def allocate(finance_api, year, amount, department="criminal", category="equipment", reason=None):
    body = {"year": year, "department": department, "category": category, "amount_fen": amount}
    if reason:
        body["reason"] = reason
    response = finance_api.post("/v1/budget/allocations", json=body)
    assert response.status_code == 200, response.text
    return response.json()


def submit(api, year, amount, title="同步录音录像设备", department="criminal", category="equipment"):
    response = api.post("/v1/budget/requests", json={"year": year, "department": department, "category": category,
                                                     "title": title, "amount_fen": amount, "justification": "办案需要"})
    assert response.status_code == 201, response.text
    return response.json()


def act(api, request_id, action, body):
    response = api.post(f"/v1/budget/requests/{request_id}/{action}", json=body)
    assert response.status_code == 200, response.text
    return response.json()


def balance(api, year, department="criminal", category="equipment"):
    response = call(lambda: api.get("/v1/budget/balances", params={"year": year, "department": department,
                                                                   "category": category}))
    assert response.status_code == 200, response.text
    [item] = response.json()["items"]
    return {k: item[k] for k in ("allocated_fen", "committed_fen", "spent_fen", "available_fen")}


def test_the_whole_path_a_rejection_and_a_cancelled_procurement(criminal_head, finance, party_group):
    (_, head), (_, fin), (_, party) = criminal_head, finance, party_group
    year = 2031
    allocate(fin, year, 10 * UNIT)
    # Submitted by the department, cut by finance, approved by the party group, bought under budget.
    request = submit(head, year, 3 * UNIT)
    assert request["status"] == "submitted" and request["exceeds_available"] is False
    reviewed = act(fin, request["id"], "review", {"approved_amount_fen": 2 * UNIT + 500_000, "comment": "按询价核减"})
    assert reviewed["status"] == "reviewed" and reviewed["approved_amount_fen"] == 2_500_000
    approved = act(party, request["id"], "decide", {"decision": "approved", "minutes_ref": "党组会〔2031〕5号"})
    assert approved["status"] == "approved" and approved["committed_fen"] == 2_500_000
    assert balance(fin, year) == {"allocated_fen": 10 * UNIT, "committed_fen": 2_500_000, "spent_fen": 0,
                                  "available_fen": 7_500_000}
    started = act(fin, request["id"], "procurement/start", {"method": "centralized", "vendor": "某科技有限公司"})
    assert started["status"] == "in_procurement" and started["procurement"]["method"] == "centralized"
    done = act(fin, request["id"], "procurement/complete", {"actual_amount_fen": 2_400_000, "accepted_on": "2031-04-01"})
    assert done["status"] == "completed" and done["procurement"]["actual_amount_fen"] == 2_400_000
    assert balance(fin, year) == {"allocated_fen": 10 * UNIT, "committed_fen": 0, "spent_fen": 2_400_000,
                                  "available_fen": 7_600_000}
    history = head.get(f"/v1/budget/requests/{request['id']}").json()["history"]
    assert [(h["action"], h["from"], h["to"]) for h in history] == [
        ("submitted", None, "submitted"), ("reviewed", "submitted", "reviewed"), ("decided", "reviewed", "approved"),
        ("procurement_started", "approved", "in_procurement"), ("procurement_completed", "in_procurement", "completed")]

    # A rejection commits nothing.
    rejected = submit(head, year, UNIT, title="会议室改造")
    act(fin, rejected["id"], "review", {"approved_amount_fen": UNIT})
    assert act(party, rejected["id"], "decide", {"decision": "rejected", "minutes_ref": "党组会〔2031〕6号"})["status"] == \
        "rejected"
    assert balance(fin, year)["committed_fen"] == 0
    assert fin.post(f"/v1/budget/requests/{rejected['id']}/procurement/start",
                    json={"method": "self"}).status_code == 409

    # A cancelled procurement releases its commitment.
    cancelled = submit(head, year, 2 * UNIT, title="执法记录仪")
    act(fin, cancelled["id"], "review", {"approved_amount_fen": 2 * UNIT})
    act(party, cancelled["id"], "decide", {"decision": "approved", "minutes_ref": "党组会〔2031〕7号"})
    act(fin, cancelled["id"], "procurement/start", {"method": "self"})
    assert balance(fin, year)["committed_fen"] == 2 * UNIT
    assert act(fin, cancelled["id"], "cancel", {"reason": "需求取消"})["status"] == "cancelled"
    assert balance(fin, year) == {"allocated_fen": 10 * UNIT, "committed_fen": 0, "spent_fen": 2_400_000,
                                  "available_fen": 7_600_000}
    statuses = {r["id"]: r["status"] for r in fin.get("/v1/budget/requests", params={"year": year}).json()["items"]}
    assert statuses == {request["id"]: "completed", rejected["id"]: "rejected", cancelled["id"]: "cancelled"}
    assert [r["id"] for r in head.get("/v1/budget/requests", params={"year": year, "status": "rejected"})
            .json()["items"]] == [rejected["id"]]


def test_twenty_concurrent_approvals_against_room_for_seven(criminal_head, finance, party_group):
    (_, head), (_, fin), (_, party) = criminal_head, finance, party_group
    year = 2032
    allocate(fin, year, 7 * UNIT)
    ids = []
    for i in range(20):
        request = submit(head, year, UNIT, title=f"设备{i}")
        act(fin, request["id"], "review", {"approved_amount_fen": UNIT})
        ids.append(request["id"])
    seen_available = []

    def approve(request_id):
        response = call(lambda: party.post(f"/v1/budget/requests/{request_id}/decide",
                                           json={"decision": "approved", "minutes_ref": "党组会〔2032〕1号"}))
        seen_available.append(balance(fin, year)["available_fen"])
        return response

    with ThreadPoolExecutor(20) as pool:
        responses = list(pool.map(approve, ids))
    statuses = sorted(r.status_code for r in responses)
    assert statuses == [200] * 7 + [409] * 13, [r.text for r in responses if r.status_code not in (200, 409)]
    assert all(r.json()["error"]["fields"]["decision"] for r in responses if r.status_code == 409)
    assert min(seen_available) >= 0
    approved = fin.get("/v1/budget/requests", params={"year": year, "status": "approved", "limit": 100}).json()["items"]
    reviewed = fin.get("/v1/budget/requests", params={"year": year, "status": "reviewed", "limit": 100}).json()["items"]
    assert len(approved) == 7 and len(reviewed) == 13
    assert balance(fin, year) == {"allocated_fen": 7 * UNIT, "committed_fen": sum(r["committed_fen"] for r in approved),
                                  "spent_fen": 0, "available_fen": 0}
    assert sum(r["committed_fen"] for r in reviewed) == 0


def test_ten_concurrent_bookings_of_one_slot_exactly_one_wins(admin, finance, criminal_prosecutor, civil_prosecutor):
    (_, fin), (_, prosecutor), (_, other) = finance, criminal_prosecutor, civil_prosecutor
    created = fin.post("/v1/vehicles", json={"plate": "京E2E001", "model": "大众帕萨特", "seats": 5})
    assert created.status_code == 201, created.text
    vehicle = created.json()
    slot = {"starts_at": "2031-05-06T01:00:00Z", "ends_at": "2031-05-06T04:00:00Z", "purpose": "赴看守所提讯"}

    def book(api):
        return call(lambda: api.post(f"/v1/vehicles/{vehicle['id']}/bookings", json=slot))

    with ThreadPoolExecutor(10) as pool:
        responses = list(pool.map(book, [prosecutor, other] * 5))
    assert sorted(r.status_code for r in responses) == [201] + [409] * 9, [r.text for r in responses]
    overlapping = {**slot, "starts_at": "2031-05-06T03:59:00Z", "ends_at": "2031-05-06T06:00:00Z"}
    refused = prosecutor.post(f"/v1/vehicles/{vehicle['id']}/bookings", json=overlapping)
    assert refused.status_code == 409 and "starts_at" in refused.json()["error"]["fields"]
    after = prosecutor.post(f"/v1/vehicles/{vehicle['id']}/bookings",
                            json={**slot, "starts_at": "2031-05-06T04:00:00Z", "ends_at": "2031-05-06T05:00:00Z"})
    assert after.status_code == 201, after.text
    listed = other.get(f"/v1/vehicles/{vehicle['id']}/bookings",
                       params={"from": "2031-05-06T00:00:00Z", "to": "2031-05-06T04:00:00Z"}).json()["items"]
    [winner] = listed
    assert winner["starts_at"].startswith("2031-05-06T01:00:00")
    # Only the booker, finance or admin cancel; once cancelled, the slot is free again.
    booker, bystander = (prosecutor, other) if winner["booked_by"] == after.json()["booked_by"] else (other, prosecutor)
    assert bystander.post(f"/v1/vehicles/{vehicle['id']}/bookings/{winner['id']}/cancel").status_code == 403
    cancelled = booker.post(f"/v1/vehicles/{vehicle['id']}/bookings/{winner['id']}/cancel")
    assert cancelled.status_code == 200 and cancelled.json()["status"] == "cancelled"
    assert fin.post(f"/v1/vehicles/{vehicle['id']}/bookings/{winner['id']}/cancel").status_code == 409
    assert bystander.post(f"/v1/vehicles/{vehicle['id']}/bookings", json=slot).status_code == 201


def test_role_rules_are_403_and_change_nothing(criminal_head, criminal_prosecutor, civil_prosecutor, finance,
                                               party_group):
    (_, head), (_, prosecutor), (_, civil), (_, fin), (_, party) = (criminal_head, criminal_prosecutor,
                                                                   civil_prosecutor, finance, party_group)
    year = 2033
    assert head.post("/v1/budget/allocations", json={"year": year, "department": "criminal",
                                                     "category": "equipment", "amount_fen": UNIT}).status_code == 403
    allocate(fin, year, 5 * UNIT)
    assert civil.post("/v1/budget/requests", json={"year": year, "department": "criminal", "category": "equipment",
                                                   "title": "x", "amount_fen": 1, "justification": "y"}).status_code == 403
    assert fin.post("/v1/budget/requests", json={"year": year, "department": "finance", "category": "equipment",
                                                 "title": "x", "amount_fen": 1, "justification": "y"}).status_code == 403
    request = submit(prosecutor, year, UNIT)
    refused = [(prosecutor, "review", {"approved_amount_fen": UNIT}), (head, "review", {"approved_amount_fen": UNIT}),
               (party, "review", {"approved_amount_fen": UNIT}),
               (fin, "decide", {"decision": "approved", "minutes_ref": "m"}),
               (head, "decide", {"decision": "approved", "minutes_ref": "m"})]
    for api, action, body in refused:
        response = api.post(f"/v1/budget/requests/{request['id']}/{action}", json=body)
        assert response.status_code == 403, (action, response.text)
    act(fin, request["id"], "review", {"approved_amount_fen": UNIT})
    act(party, request["id"], "decide", {"decision": "approved", "minutes_ref": "m"})
    for api in (party, head, prosecutor):
        response = api.post(f"/v1/budget/requests/{request['id']}/procurement/start", json={"method": "self"})
        assert response.status_code == 403, response.text
    assert prosecutor.post(f"/v1/budget/requests/{request['id']}/cancel", json={}).status_code == 403
    assert civil.get(f"/v1/budget/requests/{request['id']}").status_code == 403
    assert civil.get("/v1/budget/requests", params={"department": "criminal"}).status_code == 403
    assert head.get("/v1/budget/reports/execution", params={"year": year}).status_code == 403
    assert prosecutor.post("/v1/vehicles", json={"plate": "京X0001", "model": "m", "seats": 5}).status_code == 403
    now = fin.get(f"/v1/budget/requests/{request['id']}").json()
    assert now["status"] == "approved" and now["version"] == 3 and len(now["history"]) == 3
    assert balance(fin, year)["committed_fen"] == UNIT


@pytest.mark.parametrize("field, value", [("amount_fen", 1.5), ("amount_fen", 100.0), ("amount_fen", -1),
                                          ("amount_fen", 10 ** 13 + 1), ("amount_fen", "100"), ("category", "travel"),
                                          ("year", 1999), ("title", " ")])
def test_bad_request_input_is_400_naming_the_field_and_writes_nothing(criminal_head, finance, field, value):
    (_, head), (_, fin) = criminal_head, finance
    year = 2034
    body = {"year": year, "department": "criminal", "category": "equipment", "title": "设备", "amount_fen": UNIT,
            "justification": "需要", field: value}
    response = head.post("/v1/budget/requests", json=body)
    assert response.status_code == 400, response.text
    assert field in response.json()["error"]["fields"]
    allocation = fin.post("/v1/budget/allocations", json={"year": year, "department": "criminal",
                                                          "category": "equipment", **{"amount_fen": value}})
    if field == "amount_fen":
        assert allocation.status_code == 400 and "amount_fen" in allocation.json()["error"]["fields"]
        assert fin.get("/v1/budget/balances", params={"year": year}).json()["items"] == []
    assert fin.get("/v1/budget/requests", params={"year": year}).json()["items"] == []


def test_bad_transition_input_is_named_and_writes_nothing(criminal_head, finance, party_group):
    (_, head), (_, fin), (_, party) = criminal_head, finance, party_group
    year = 2035
    allocate(fin, year, 500_000_000)
    request = submit(head, year, 300_000_000)
    for body, field in (({"approved_amount_fen": 300_000_001}, "approved_amount_fen"),
                        ({"approved_amount_fen": 2.5}, "approved_amount_fen"),
                        ({"comment": "无金额"}, "approved_amount_fen")):
        response = fin.post(f"/v1/budget/requests/{request['id']}/review", json=body)
        assert response.status_code == 400 and field in response.json()["error"]["fields"], response.text
    act(fin, request["id"], "review", {"approved_amount_fen": 300_000_000})
    bad = party.post(f"/v1/budget/requests/{request['id']}/decide", json={"decision": "maybe", "minutes_ref": "m"})
    assert bad.status_code == 400 and "decision" in bad.json()["error"]["fields"]
    act(party, request["id"], "decide", {"decision": "approved", "minutes_ref": "m"})
    # 3,000,000 yuan is above the tender threshold (2,000,000 yuan): only a tender.
    guard = fin.post(f"/v1/budget/requests/{request['id']}/procurement/start", json={"method": "centralized"})
    assert guard.status_code == 400 and "method" in guard.json()["error"]["fields"]
    act(fin, request["id"], "procurement/start", {"method": "tender"})
    over = fin.post(f"/v1/budget/requests/{request['id']}/procurement/complete",
                    json={"actual_amount_fen": 300_000_001, "accepted_on": "2035-06-01"})
    assert over.status_code == 409 and "actual_amount_fen" in over.json()["error"]["fields"]
    now = fin.get(f"/v1/budget/requests/{request['id']}").json()
    assert now["status"] == "in_procurement" and len(now["history"]) == 4
    assert balance(fin, year) == {"allocated_fen": 500_000_000, "committed_fen": 300_000_000, "spent_fen": 0,
                                  "available_fen": 200_000_000}
    # Finance approves the overrun (review again), then the acceptance goes through.
    act(fin, request["id"], "review", {"approved_amount_fen": 300_000_001, "comment": "追加"})
    act(fin, request["id"], "procurement/complete", {"actual_amount_fen": 300_000_001, "accepted_on": "2035-06-01"})
    assert balance(fin, year) == {"allocated_fen": 500_000_000, "committed_fen": 0, "spent_fen": 300_000_001,
                                  "available_fen": 199_999_999}


def test_the_execution_report_of_a_scripted_year(criminal_head, admin, finance, party_group):
    (_, head), (_, fin), (_, party) = criminal_head, finance, party_group
    _, civil_head = admin.create_user("department_head", "civil")
    year = 2036
    allocate(fin, year, 10 * UNIT)
    allocate(fin, year, 4 * UNIT, category="vehicles")
    allocate(fin, year, 2 * UNIT, department="civil", category="operating")
    allocate(fin, year, 3 * UNIT, department="civil", category="operating", reason="年中追加")

    def approved(api, amount, department="criminal", category="equipment", cut=0):
        request = submit(api, year, amount, department=department, category=category)
        act(fin, request["id"], "review", {"approved_amount_fen": amount - cut})
        act(party, request["id"], "decide", {"decision": "approved", "minutes_ref": "党组会〔2036〕1号"})
        return request

    done = approved(head, 4 * UNIT, cut=UNIT)  # 3 units committed, 2.5 spent
    act(fin, done["id"], "procurement/start", {"method": "centralized"})
    act(fin, done["id"], "procurement/complete", {"actual_amount_fen": 2_500_000, "accepted_on": "2036-05-01"})
    buying = approved(head, 2 * UNIT)
    act(fin, buying["id"], "procurement/start", {"method": "self"})
    approved(head, UNIT, category="vehicles")
    rejected = submit(head, year, UNIT)
    act(fin, rejected["id"], "review", {"approved_amount_fen": UNIT})
    act(party, rejected["id"], "decide", {"decision": "rejected", "minutes_ref": "党组会〔2036〕2号"})
    submit(head, year, 9 * UNIT, category="vehicles")  # flagged, left submitted
    withdrawn = submit(civil_head, year, UNIT, department="civil", category="operating")
    act(civil_head, withdrawn["id"], "cancel", {"reason": "撤回"})
    submit(civil_head, year, UNIT, department="civil", category="case_handling")  # no allocation for it

    response = fin.get("/v1/budget/reports/execution", params={"year": year})
    assert response.status_code == 200, response.text
    none = {status: 0 for status in ("submitted", "reviewed", "approved", "rejected", "in_procurement", "completed",
                                     "cancelled")}
    assert response.json() == {
        "year": year,
        "rows": [
            {"department": "criminal", "category": "equipment", "allocated_fen": 10 * UNIT,
             "committed_fen": 2 * UNIT, "spent_fen": 2_500_000, "available_fen": 5_500_000, "execution_rate": 0.25,
             "requests_by_status": {**none, "completed": 1, "in_procurement": 1, "rejected": 1}},
            {"department": "criminal", "category": "vehicles", "allocated_fen": 4 * UNIT, "committed_fen": UNIT,
             "spent_fen": 0, "available_fen": 3 * UNIT, "execution_rate": 0.0,
             "requests_by_status": {**none, "approved": 1, "submitted": 1}},
            {"department": "civil", "category": "operating", "allocated_fen": 3 * UNIT, "committed_fen": 0,
             "spent_fen": 0, "available_fen": 3 * UNIT, "execution_rate": 0.0,
             "requests_by_status": {**none, "cancelled": 1}},
            {"department": "civil", "category": "case_handling", "allocated_fen": 0, "committed_fen": 0,
             "spent_fen": 0, "available_fen": 0, "execution_rate": None,
             "requests_by_status": {**none, "submitted": 1}},
        ],
        "totals": {"allocated_fen": 17 * UNIT, "committed_fen": 3 * UNIT, "spent_fen": 2_500_000,
                   "available_fen": 11_500_000, "execution_rate": round(2_500_000 / (17 * UNIT), 4),
                   "requests_by_status": {**none, "submitted": 2, "approved": 1, "rejected": 1, "in_procurement": 1,
                                          "completed": 1, "cancelled": 1}},
        "requests_by_status": {**none, "submitted": 2, "approved": 1, "rejected": 1, "in_procurement": 1,
                               "completed": 1, "cancelled": 1},
        # Every decision was taken the day it was submitted (the platform's clock is today's).
        "average_days_to_decision": 0.0,
        "decided_requests": 4,
    }
