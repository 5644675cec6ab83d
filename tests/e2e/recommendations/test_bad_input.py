"""Bad input on every recommendations endpoint (issue 9, acceptance 6): a 4xx naming the field, and
nothing written."""
from datetime import date, timedelta

import pytest

from tests.e2e.recommendations.test_story import BODY, draft, ok, to_served

TODAY = date.today().isoformat()  # the e2e platform runs on real time


@pytest.fixture
def served_rec(pi_prosecutor, chief, pi_case):
    return to_served(pi_prosecutor, chief, pi_case["id"], date.today() - timedelta(days=2))


def written(stack, rec_id=None):
    """What the service holds: the recommendation's version and its outbox records (or all of them)."""
    db = stack.db("recommendations")
    if rec_id is None:
        return db.recommendations.count_documents({}), db.outbox.count_documents({})
    return db.recommendations.find_one({"_id": rec_id})["version"], db.outbox.count_documents({"aggregate_id": rec_id})


@pytest.mark.parametrize("change,field", [
    ({"case_id": None}, "case_id"),
    ({"kind": "advice"}, "kind"),
    ({"target_unit": "   "}, "target_unit"),
    ({"title": "x" * 201}, "title"),
    ({"problems": []}, "problems"),
    ({"proposals": "清理"}, "proposals"),
    ({"urgent_reply_days": 0}, "urgent_reply_days"),
    ({"urgent_reply_days": "15"}, "urgent_reply_days"),
    ({"urgent": True, "kind": "retrial"}, "urgent_reply_days"),   # no urgent default for a retrial
    ({"case_id": "no-such-case"}, "case_id"),
    ({"extra": 1}, "extra"),
])
def test_drafting_with_bad_input_names_the_field_and_writes_nothing(pi_prosecutor, pi_case, stack, change, field):
    before = written(stack)
    body = {**BODY, "case_id": pi_case["id"], **change}
    response = pi_prosecutor.post("/v1/recommendations", json={k: v for k, v in body.items() if v is not None})
    assert response.status_code == 400, response.text
    assert field in response.json()["error"]["fields"]
    assert written(stack) == before


def test_a_case_the_caller_cannot_see_is_refused_naming_case_id(civil_prosecutor, pi_case, stack):
    _, civil = civil_prosecutor
    before = written(stack)
    response = civil.post("/v1/recommendations", json={**BODY, "kind": "correct_violation", "case_id": pi_case["id"]})
    assert response.status_code == 403 and "case_id" in response.json()["error"]["fields"]
    assert written(stack) == before


@pytest.mark.parametrize("action,body,field", [
    ("serve", {"served_on": "2026-02-30", "method": "written"}, "served_on"),
    ("serve", {"served_on": "2026-01-05", "method": "fax"}, "method"),
    ("objection", {"received_on": "yesterday", "content": "异议"}, "received_on"),
    ("objection", {"received_on": TODAY}, "content"),
    ("resolve-objection", {"outcome": "ignored"}, "outcome"),
    ("reply", {"received_on": TODAY, "adoption": "maybe", "content": "x"}, "adoption"),
    ("reply", {"received_on": "1999-01-01", "adoption": "adopted", "content": "x"}, "received_on"),
    ("reply", {"received_on": TODAY, "adoption": "adopted", "content": "x",
               "penalty_outcome": {"decision": "penalized", "decided_on": TODAY}}, "penalty_outcome"),
    ("follow-ups", {"visited_on": TODAY, "notes": "x", "rectified_items": -1}, "rectified_items"),
    ("follow-ups", {"visited_on": TODAY, "notes": "x", "rectified_items": 1.5}, "rectified_items"),
    ("escalate", {"to": "media", "reason": "x"}, "to"),
    ("escalate", {"to": "higher_procuratorate"}, "reason"),
    ("close", {"outcome": "done"}, "outcome"),
    ("reject", {}, "comment"),
    ("joint-meeting", {"held_on": TODAY, "participants": ["甲"], "conclusion": "x"}, "participants"),
    ("disagreement", {"note": ""}, "note"),
])
def test_each_action_with_bad_input_names_the_field_and_writes_nothing(pi_prosecutor, chief, served_rec, stack,
                                                                       action, body, field):
    rec_id = served_rec["id"]
    before = written(stack, rec_id)
    api = chief if action == "reject" else pi_prosecutor  # the gateway refuses others a rejection first (403)
    response = api.post(f"/v1/recommendations/{rec_id}/{action}", json=body)
    assert response.status_code == 400, response.text
    assert field in response.json()["error"]["fields"], response.text
    assert written(stack, rec_id) == before


def test_a_service_date_in_the_future_names_served_on(pi_prosecutor, chief, pi_case, stack):
    rec = draft(pi_prosecutor, pi_case["id"])
    pi_prosecutor.post(f"/v1/recommendations/{rec['id']}/submit", json={})
    ok(chief.post(f"/v1/recommendations/{rec['id']}/approve", json={}))
    before = written(stack, rec["id"])
    response = pi_prosecutor.post(f"/v1/recommendations/{rec['id']}/serve",
                                  json={"served_on": "2999-01-01", "method": "written"})
    assert response.status_code == 400 and "served_on" in response.json()["error"]["fields"]
    assert written(stack, rec["id"]) == before


def test_editing_a_draft_with_bad_input_names_the_field(pi_prosecutor, pi_case, stack):
    rec = draft(pi_prosecutor, pi_case["id"])
    before = written(stack, rec["id"])
    for body, field in [({}, "_schema"), ({"problems": [""]}, "problems"), ({"urgent": "yes"}, "urgent")]:
        response = pi_prosecutor.patch(f"/v1/recommendations/{rec['id']}/draft", json=body)
        assert response.status_code == 400 and field in response.json()["error"]["fields"], response.text
    assert written(stack, rec["id"]) == before


def test_a_body_that_is_not_an_object_is_refused(pi_prosecutor, served_rec, stack):
    before = written(stack, served_rec["id"])
    response = pi_prosecutor.post(f"/v1/recommendations/{served_rec['id']}/reply", json=["adopted"])
    assert response.status_code == 400
    assert written(stack, served_rec["id"]) == before


@pytest.mark.parametrize("path,params,field", [
    ("/v1/recommendations", {"status": "lost"}, "status"),
    ("/v1/recommendations", {"kind": "advice"}, "kind"),
    ("/v1/recommendations", {"overdue": "maybe"}, "overdue"),
    ("/v1/recommendations", {"limit": "0"}, "limit"),
    ("/v1/recommendations", {"cursor": "!!"}, "cursor"),
    ("/v1/recommendations/stats", {"from": "2026-13-01"}, "from"),
    ("/v1/recommendations/stats", {"from": "2026-05-01", "to": "2026-04-01"}, "from"),
    ("/v1/recommendations/stats", {"department": "nowhere"}, "department"),
])
def test_bad_queries_name_the_parameter(chief, path, params, field):
    response = chief.get(path, params=params)
    assert response.status_code == 400, response.text
    assert field in response.json()["error"]["fields"]


def test_an_unknown_recommendation_is_404(pi_prosecutor):
    assert pi_prosecutor.get("/v1/recommendations/nope").status_code == 404
    assert pi_prosecutor.get("/v1/recommendations/nope").json()["error"]["message"] == "检察建议不存在"
    assert pi_prosecutor.post("/v1/recommendations/nope/submit", json={}).status_code == 404
