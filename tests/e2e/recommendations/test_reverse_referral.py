"""The reverse referral (行刑反向衔接) across the platform: a non-prosecution with an administrative
penalty in the cases service drafts one procuratorial opinion for the administrative department; a
disagreement needs the joint meeting before submission; the administrative organ's reply with the
penalty outcome is carried back to the suspect's case card, closing the referral."""
from datetime import date

from tests.e2e.recommendations.conftest import new_case
from tests.e2e.recommendations.test_story import act, ok
from tests.support.waiting import wait_for


def opinions(api, case_id):
    return ok(api.get("/v1/recommendations", params={"case_id": case_id, "kind": "procuratorial_opinion"}))["items"]


def test_a_non_prosecution_drafts_one_opinion_whose_reply_reaches_the_case_card(
        criminal_head, criminal_prosecutor, admin_prosecutor, chief, stack):
    _, head = criminal_head
    handler, prosecutor = criminal_prosecutor
    case = new_case(head, department="criminal", category="criminal", handler_id=handler["id"])
    today = date.today()
    suspect = ok(prosecutor.post(f"/v1/cases/{case['id']}/suspects", json={
        "name": "王某", "id_number": "110101199003072316", "layer": "peripheral", "charges": ["helping_network_crime"],
        "decision": {"decision": "non_prosecution", "decided_on": today.isoformat(), "reason": "犯罪情节轻微",
                     "administrative_penalty_warranted": True, "administrative_organ": "某区公安分局"}}), 201)

    [opinion] = wait_for(lambda: opinions(admin_prosecutor, case["id"]), timeout=20, message="the drafted opinion")
    assert opinion["status"] == "draft" and opinion["department"] == "administrative"
    assert opinion["suspect_id"] == suspect["id"] and opinion["target_unit"] == "某区公安分局"
    # The criminal department's prosecutor does not see the administrative department's opinion.
    assert prosecutor.get(f"/v1/recommendations/{opinion['id']}").status_code == 403

    # The departments disagree: no submission before the joint meeting is recorded.
    act(admin_prosecutor, opinion["id"], "disagreement", {"note": "刑事检察部门认为情节显著轻微，无需处罚"})
    refused = admin_prosecutor.post(f"/v1/recommendations/{opinion['id']}/submit", json={})
    assert refused.status_code == 409 and "joint_meeting" in refused.json()["error"]["fields"]
    act(admin_prosecutor, opinion["id"], "joint-meeting", {
        "held_on": today.isoformat(), "participants": ["刑事检察部检察官甲", "行政检察部检察官乙", "分管副检察长丙"],
        "conclusion": "依法制发检察意见"})
    act(admin_prosecutor, opinion["id"], "submit")
    act(chief, opinion["id"], "approve")
    served = act(admin_prosecutor, opinion["id"], "serve", {"served_on": today.isoformat(), "method": "written"})
    assert served["joint_meeting"]["conclusion"] == "依法制发检察意见"
    act(admin_prosecutor, opinion["id"], "reply", {
        "received_on": today.isoformat(), "adoption": "adopted", "content": "已对王某作出罚款处罚",
        "penalty_outcome": {"decision": "penalized", "decided_on": today.isoformat(), "penalty": "罚款五百元"}})

    def written_back():
        shown = ok(prosecutor.get(f"/v1/cases/{case['id']}/suspects/{suspect['id']}"))
        return shown if shown.get("administrative_penalty") else None
    shown = wait_for(written_back, timeout=20, message="the penalty outcome on the case card")
    assert shown["administrative_penalty"]["decision"] == "penalized"
    assert shown["administrative_penalty"]["recommendation_id"] == opinion["id"]
    assert shown["referral"]["closed_on"] == today.isoformat() and shown["referral"]["overdue"] is False
    if stack.mongo_uri:
        assert stack.db("cases").deadlines.find_one({"aggregate_id": suspect["id"]})["status"] == "cancelled"
        assert stack.db("recommendations").recommendations.count_documents({"case_id": case["id"]}) == 1
