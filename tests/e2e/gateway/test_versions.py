"""Edits that cannot overwrite each other (issue 22, acceptance 3): every versioned record answers
with an ETag; two clients changing it from the same version get one 200 and one 412 carrying the
current version, and the first client's change is what stays. Without If-Match a change applies as
before."""
from concurrent.futures import ThreadPoolExecutor

import pytest

from tests.support.api import unique_case_no


def _ok(response, status=200):
    assert response.status_code == status, response.text
    return response.json()


def _both(send_a, send_b):
    """Send two changes at once; (the one that was applied, the one refused with 412)."""
    with ThreadPoolExecutor(2) as pool:
        a, b = pool.submit(send_a), pool.submit(send_b)
        responses = [a.result(), b.result()]
    statuses = sorted(response.status_code for response in responses)
    assert statuses == [200, 412], [response.text for response in responses]
    won = next(response for response in responses if response.status_code == 200)
    lost = next(response for response in responses if response.status_code == 412)
    error = lost.json()["error"]
    assert error["code"] == "precondition_failed" and "If-Match" in error["fields"]
    assert error["current_version"] == won.json()["version"] and lost.headers["ETag"] == f'"{won.json()["version"]}"'
    return won, lost


@pytest.fixture(scope="module")
def pi_prosecutor(admin):
    return admin.create_user("prosecutor", "public_interest")[1]


def test_two_edits_of_one_recommendation_draft_from_one_version(pi_prosecutor):
    case = _ok(pi_prosecutor.post("/v1/cases", json={"case_no": unique_case_no(), "title": "并发修改", "category":
                                                     "public_interest", "department": "public_interest"}), 201)
    rec = pi_prosecutor.post("/v1/recommendations", json={
        "kind": "public_interest", "target_unit": "某区民政局", "title": "原标题", "problems": ["问题"],
        "proposals": ["建议"], "case_id": case["id"]})
    assert rec.status_code == 201 and rec.headers["ETag"] == f'"{rec.json()["version"]}"', rec.text
    read = pi_prosecutor.get(f"/v1/recommendations/{rec.json()['id']}")
    etag = read.headers["ETag"]
    path = f"/v1/recommendations/{rec.json()['id']}/draft"
    won, _ = _both(lambda: pi_prosecutor.patch(path, json={"title": "甲改的标题"}, headers={"If-Match": etag}),
                   lambda: pi_prosecutor.patch(path, json={"title": "乙改的标题"}, headers={"If-Match": etag}))
    kept = _ok(pi_prosecutor.get(f"/v1/recommendations/{rec.json()['id']}"))
    assert kept["title"] == won.json()["title"] and kept["version"] == won.json()["version"]
    # Without If-Match the change still applies (clients that never send it keep working).
    assert _ok(pi_prosecutor.patch(path, json={"title": "不带版本的修改"}))["title"] == "不带版本的修改"
    malformed = pi_prosecutor.patch(path, json={"title": "x"}, headers={"If-Match": "not-a-version"})
    assert malformed.status_code == 400 and "If-Match" in malformed.json()["error"]["fields"]
    assert _ok(pi_prosecutor.get(f"/v1/recommendations/{rec.json()['id']}"))["title"] == "不带版本的修改"


def test_two_edits_of_one_suspect_and_of_one_case_from_one_version(criminal_head, criminal_prosecutor):
    _, head = criminal_head
    handler, prosecutor = criminal_prosecutor
    case = _ok(head.post("/v1/cases", json={"case_no": unique_case_no(), "title": "并发修改", "category": "criminal",
                                            "department": "criminal", "handler_id": handler["id"]}), 201)
    suspect = prosecutor.post(f"/v1/cases/{case['id']}/suspects", json={
        "name": "孙某", "id_number": "110101199003072316", "layer": "peripheral", "charges": ["fraud"]})
    assert suspect.status_code == 201, suspect.text
    path = f"/v1/cases/{case['id']}/suspects/{suspect.json()['id']}"
    etag = prosecutor.get(path).headers["ETag"]
    won, _ = _both(lambda: prosecutor.patch(path, json={"name": "孙甲"}, headers={"If-Match": etag}),
                   lambda: prosecutor.patch(path, json={"name": "孙乙"}, headers={"If-Match": etag}))
    assert _ok(prosecutor.get(path))["name"] == won.json()["name"]

    case_etag = prosecutor.get(f"/v1/cases/{case['id']}").headers["ETag"]
    recovery = {"amount_involved_fen": 100000, "victims": 3, "frozen_seized_fen": 0, "recovered_fen": 0,
                "returned_to_victims_fen": 0}
    won, _ = _both(
        lambda: prosecutor.put(f"/v1/cases/{case['id']}/asset-recovery", json={**recovery, "recovered_fen": 1000},
                               headers={"If-Match": case_etag}),
        lambda: prosecutor.put(f"/v1/cases/{case['id']}/asset-recovery", json={**recovery, "recovered_fen": 2000},
                               headers={"If-Match": case_etag}))
    assert _ok(prosecutor.get(f"/v1/cases/{case['id']}"))["asset_recovery"]["recovered_fen"] == \
        won.json()["asset_recovery"]["recovered_fen"]


def test_a_budget_request_changed_since_it_was_read_is_not_reviewed(criminal_head, admin):
    _, head = criminal_head
    _, finance = admin.create_user("finance", "finance")
    year = 2041
    _ok(finance.post("/v1/budget/allocations", json={"year": year, "department": "criminal", "category": "equipment",
                                                     "amount_fen": 1000000}))
    request = _ok(head.post("/v1/budget/requests", json={"year": year, "department": "criminal", "category": "equipment",
                                                         "title": "同步录音录像设备", "amount_fen": 50000,
                                                         "justification": "办案需要"}), 201)
    etag = finance.get(f"/v1/budget/requests/{request['id']}").headers["ETag"]
    path = f"/v1/budget/requests/{request['id']}/review"
    won, _ = _both(lambda: finance.post(path, json={"approved_amount_fen": 40000}, headers={"If-Match": etag}),
                   lambda: finance.post(path, json={"approved_amount_fen": 30000}, headers={"If-Match": etag}))
    shown = _ok(finance.get(f"/v1/budget/requests/{request['id']}"))
    assert shown["approved_amount_fen"] == won.json()["approved_amount_fen"] and shown["version"] == won.json()["version"]
