"""Recommendations through the gateway (issue 9, acceptance 1 and 2): the full happy path, rejection
and resubmission, an objection amended or withdrawn, not adopted → escalated → closed not
implemented, wrong roles and illegal transitions refused with nothing changed, and a recommendation
served three months ago overdue at once."""
from datetime import date, datetime, timedelta, timezone

import pytest

from kit import calendar
from tests.e2e.recommendations.conftest import new_case
from tests.support.waiting import wait_for

BODY = {"kind": "public_interest", "target_unit": "某区民政局", "title": "关于加强养老机构消防安全管理的检察建议",
        "problems": ["消防通道堵塞", "灭火器过期"], "proposals": ["限期清理消防通道", "更换灭火器"]}


def today():
    return date.today()  # the e2e platform's clock is real time


def ok(response, status=200):
    assert response.status_code == status, response.text
    return response.json()


def draft(api, case_id, **body):
    return ok(api.post("/v1/recommendations", json={**BODY, "case_id": case_id, **body}), 201)


def act(api, rec_id, action, body=None, status=200):
    return ok(api.post(f"/v1/recommendations/{rec_id}/{action}", json=body if body is not None else {}), status)


def to_served(api, chief, case_id, served_on, **body):
    rec = draft(api, case_id, **body)
    act(api, rec["id"], "submit")
    act(chief, rec["id"], "approve")
    return act(api, rec["id"], "serve", {"served_on": served_on.isoformat(), "method": "written"})


def test_the_full_happy_path_on_a_case_registered_a_moment_ago(pi_prosecutor, chief, stack):
    case = new_case(pi_prosecutor)  # drafted at once: the service may not have seen case.registered yet
    rec = draft(pi_prosecutor, case["id"])
    assert rec["status"] == "draft" and rec["case_id"] == case["id"] and rec["department"] == "public_interest"
    assert act(pi_prosecutor, rec["id"], "submit")["status"] == "pending_approval"
    assert act(chief, rec["id"], "approve")["status"] == "approved"
    served_on = today() - timedelta(days=3)
    served = act(pi_prosecutor, rec["id"], "serve", {"served_on": served_on.isoformat(), "method": "announced"})
    assert served["status"] == "served" and served["service_method"] == "announced"
    assert served["reply_due_on"] == calendar.add_months(served_on, 2).isoformat()
    assert served["overdue"] is False and served["days_overdue"] == 0
    replied = act(pi_prosecutor, rec["id"], "reply", {"received_on": today().isoformat(), "adoption": "adopted",
                                                       "content": "已对46家养老机构完成整改"})
    assert replied["status"] == "replied" and replied["reply"]["on_time"] is True
    act(pi_prosecutor, rec["id"], "follow-ups", {"visited_on": today().isoformat(), "notes": "实地回访",
                                                  "rectified_items": 46})
    followed = act(pi_prosecutor, rec["id"], "follow-ups", {"visited_on": today().isoformat(), "notes": "回头看",
                                                             "rectified_items": 1})
    assert followed["rectified_items_total"] == 47 and len(followed["follow_ups"]) == 2
    closed = act(pi_prosecutor, rec["id"], "close", {"outcome": "implemented"})
    assert closed["status"] == "closed" and closed["closing"]["outcome"] == "implemented"
    assert ok(pi_prosecutor.get(f"/v1/recommendations/{rec['id']}"))["status"] == "closed"
    if stack.mongo_uri:
        outbox = stack.db("recommendations").outbox
        types = {r["type"] for r in outbox.find({"aggregate_id": rec["id"]})}
        assert types == {"recommendation.drafted", "recommendation.submitted", "recommendation.approved",
                         "recommendation.served", "recommendation.replied", "recommendation.followed_up",
                         "recommendation.closed"}
        deadlines = stack.db("recommendations").deadlines.find({"aggregate_id": rec["id"]})
        assert {d["status"] for d in deadlines} == {"cancelled"}  # the reply cancelled every reminder


def test_rejection_keeps_the_comment_and_the_draft_is_resubmitted(pi_prosecutor, chief, pi_case):
    rec = draft(pi_prosecutor, pi_case["id"])
    act(pi_prosecutor, rec["id"], "submit")
    rejected = act(chief, rec["id"], "reject", {"comment": "请补充整改期限"})
    assert rejected["status"] == "draft" and rejected["rejections"][0]["comment"] == "请补充整改期限"
    edited = ok(pi_prosecutor.patch(f"/v1/recommendations/{rec['id']}/draft",
                                    json={"proposals": ["限期三十日内清理消防通道"]}))
    assert edited["proposals"] == ["限期三十日内清理消防通道"]
    assert act(pi_prosecutor, rec["id"], "submit")["status"] == "pending_approval"
    approved = act(chief, rec["id"], "approve")
    assert approved["status"] == "approved" and approved["rejections"][0]["comment"] == "请补充整改期限"


@pytest.mark.parametrize("outcome,status", [("amended", "pending_approval"), ("withdrawn", "withdrawn")])
def test_an_objection_amended_or_withdrawn(pi_prosecutor, chief, pi_case, outcome, status):
    rec = to_served(pi_prosecutor, chief, pi_case["id"], today() - timedelta(days=5))
    objected = act(pi_prosecutor, rec["id"], "objection", {"received_on": today().isoformat(),
                                                            "content": "部分问题已于送达前整改"})
    assert objected["status"] == "objected"
    if outcome == "amended":
        missing = pi_prosecutor.post(f"/v1/recommendations/{rec['id']}/resolve-objection", json={"outcome": outcome})
        assert missing.status_code == 400 and "amended" in missing.json()["error"]["fields"]
    body = {"outcome": outcome, **({"amended": {"proposals": ["删除已整改的第一项建议"]}} if outcome == "amended" else {})}
    resolved = act(pi_prosecutor, rec["id"], "resolve-objection", body)
    assert resolved["status"] == status and resolved["objections"][0]["outcome"] == outcome
    if outcome == "amended":  # approved again, served again, with a reply deadline of its own
        assert resolved["proposals"] == ["删除已整改的第一项建议"] and resolved["reply_due_on"] is None
        assert resolved["amendments"][0]["reply_due_on"] == rec["reply_due_on"]
        act(chief, rec["id"], "approve")
        again = act(pi_prosecutor, rec["id"], "serve", {"served_on": today().isoformat(), "method": "written"})
        assert again["reply_due_on"] == calendar.add_months(today(), 2).isoformat()
        assert act(pi_prosecutor, rec["id"], "reply", {"received_on": today().isoformat(), "adoption": "adopted",
                                                        "content": "按修改后的建议整改"})["status"] == "replied"
    else:
        act(pi_prosecutor, rec["id"], "reply", {"received_on": today().isoformat(), "adoption": "adopted",
                                                 "content": "x"}, status=409)


def test_not_adopted_then_escalated_then_closed_not_implemented(pi_prosecutor, chief, pi_case):
    rec = to_served(pi_prosecutor, chief, pi_case["id"], today() - timedelta(days=20))
    act(pi_prosecutor, rec["id"], "reply", {"received_on": today().isoformat(), "adoption": "not_adopted",
                                             "content": "不予采纳"})
    escalated = act(pi_prosecutor, rec["id"], "escalate", {"to": "public_interest_litigation",
                                                            "reason": "拒不整改，公共利益持续受损"})
    assert escalated["status"] == "escalated" and escalated["escalations"][0]["to"] == "public_interest_litigation"
    closed = act(pi_prosecutor, rec["id"], "close", {"outcome": "not_implemented"})
    assert closed["status"] == "closed" and closed["closing"]["outcome"] == "not_implemented"


def test_wrong_roles_and_illegal_transitions_are_refused_with_nothing_changed(pi_prosecutor, chief, inspector,
                                                                              civil_prosecutor, pi_case, stack):
    _, civil = civil_prosecutor
    rec = draft(pi_prosecutor, pi_case["id"])

    def unchanged():
        now = ok(pi_prosecutor.get(f"/v1/recommendations/{rec['id']}"))
        assert (now["status"], now["version"]) == ("draft", rec["version"])
        if stack.mongo_uri:
            assert stack.db("recommendations").outbox.count_documents({"aggregate_id": rec["id"]}) == 1

    refused = [
        (pi_prosecutor, "approve", None, 403),                      # approval is the chief's alone
        (inspector, "submit", None, 403),                           # sees, does not act
        (civil, "submit", None, 403),                               # another department
        (chief, "approve", None, 409),                              # not submitted yet
        (pi_prosecutor, "serve", {"served_on": today().isoformat(), "method": "written"}, 409),
        (pi_prosecutor, "close", {"outcome": "implemented"}, 409),
        (pi_prosecutor, "reply", {"received_on": today().isoformat(), "adoption": "adopted", "content": "x"}, 409),
    ]
    for api, action, body, status in refused:
        response = api.post(f"/v1/recommendations/{rec['id']}/{action}", json=body or {})
        assert response.status_code == status, (action, response.text)
        if status == 409:
            assert response.json()["error"]["fields"] == {"status": ["draft"]}
            assert "草稿" in response.json()["error"]["message"]
        unchanged()
    assert inspector.get(f"/v1/recommendations/{rec['id']}").status_code == 200
    assert civil.get(f"/v1/recommendations/{rec['id']}").status_code == 403
    assert pi_prosecutor.post("/v1/recommendations", json={**BODY, "case_id": pi_case["id"]},
                              headers={"Authorization": "Bearer nope"}).status_code == 401


def test_served_three_months_ago_is_overdue_at_once(pi_prosecutor, chief, pi_case, stack):
    served_on = calendar.add_months(today(), -3)
    rec = to_served(pi_prosecutor, chief, pi_case["id"], served_on, kind="social_governance")
    due = date.fromisoformat(rec["reply_due_on"])
    assert due == calendar.add_months(served_on, 2)
    shown = ok(pi_prosecutor.get(f"/v1/recommendations/{rec['id']}"))
    assert shown["overdue"] is True and shown["days_overdue"] == (today() - due).days
    overdue = ok(pi_prosecutor.get("/v1/recommendations", params={"overdue": "true", "case_id": pi_case["id"]}))
    assert [item["id"] for item in overdue["items"]] == [rec["id"]]
    assert ok(pi_prosecutor.get("/v1/recommendations", params={"overdue": "false", "case_id": pi_case["id"]}))[
        "items"] == []
    # The platform's deadline timer announces it once each: overdue and very overdue ("due soon" is past).
    if stack.mongo_uri:
        assert deadline_events(stack, [rec["id"]]) == [["recommendation.overdue", "recommendation.very_overdue"]]


def deadline_events(stack, rec_ids, timeout=30):
    """The deadline events announced for each recommendation, once the platform's timer has handled
    every threshold already due (so a test leaves nothing firing behind it); [] per id on a remote stack."""
    if not stack.mongo_uri:
        return [[] for _ in rec_ids]
    db = stack.db("recommendations")
    wait_for(lambda: db.deadlines.count_documents({"aggregate_id": {"$in": rec_ids}, "status": "pending",
                                                   "due_at": {"$lte": datetime.now(timezone.utc)}}) == 0 and
             db.outbox.count_documents({"aggregate_id": {"$in": rec_ids}, "status": {"$ne": "sent"}}) == 0,
             timeout=timeout, message="the deadline timer and the relay")
    kinds = ["recommendation.due_soon", "recommendation.overdue", "recommendation.very_overdue"]
    return [sorted(r["type"] for r in db.outbox.find({"aggregate_id": rec_id, "type": {"$in": kinds}}))
            for rec_id in rec_ids]


def test_an_urgent_public_interest_recommendation_is_due_in_15_days(pi_prosecutor, chief, pi_case):
    served_on = today() - timedelta(days=1)
    rec = to_served(pi_prosecutor, chief, pi_case["id"], served_on, urgent=True)
    assert rec["reply_due_on"] == (served_on + timedelta(days=15)).isoformat()
    rec = to_served(pi_prosecutor, chief, pi_case["id"], served_on, urgent_reply_days=10)
    assert rec["reply_due_on"] == (served_on + timedelta(days=10)).isoformat()
