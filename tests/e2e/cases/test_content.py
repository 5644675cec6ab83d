"""What a case holds, through the gateway: suspects with charges and decisions (id numbers masked for
most readers), the reverse referral, asset recovery, wage supervision, and the append-only history."""
import uuid

import pytest

from tests.support.api import unique_case_no

ID_NUMBER = "11010119900307231X"


def a_case(api, category="criminal", department="criminal", **extra):
    # Accepted early in the year: the decisions these tests record (autumn 2026) are not before it.
    response = api.post("/v1/cases", json={"case_no": unique_case_no(), "title": "张某等电信网络诈骗案",
                                           "category": category, "department": department,
                                           "accepted_on": "2026-01-05", **extra})
    assert response.status_code == 201, response.text
    return response.json()


def suspect_body(**overrides):
    return {"name": "王某", "id_number": ID_NUMBER, "layer": "core_member", "charges": ["fraud"], **overrides}


@pytest.fixture(scope="module")
def handled_case(criminal_head, criminal_prosecutor):
    """A criminal case of the criminal department, handled by the criminal prosecutor."""
    _, head = criminal_head
    prosecutor_user, _ = criminal_prosecutor
    return a_case(head, handler_id=prosecutor_user["id"])


def test_the_handler_and_the_head_add_suspects_others_may_not(handled_case, criminal_head, criminal_prosecutor,
                                                             civil_prosecutor, admin):
    _, head = criminal_head
    _, handler = criminal_prosecutor
    _, stranger = civil_prosecutor
    _, colleague = admin.create_user("prosecutor", "criminal")
    path = f"/v1/cases/{handled_case['id']}/suspects"
    for api in (handler, head):
        assert api.post(path, json=suspect_body()).status_code == 201
    for api in (colleague, stranger, admin):
        assert api.post(path, json=suspect_body(name="不该添加")).status_code == 403
    names = [s["name"] for s in head.get(path, params={"limit": 100}).json()["items"]]
    assert "不该添加" not in names and names.count("王某") == 2


def test_id_numbers_are_whole_only_for_the_handler_the_head_and_admin(handled_case, criminal_head,
                                                                      criminal_prosecutor, admin):
    _, head = criminal_head
    _, handler = criminal_prosecutor
    _, colleague = admin.create_user("prosecutor", "criminal")
    _, inspector = admin.create_user("inspector", "inspection")
    created = handler.post(f"/v1/cases/{handled_case['id']}/suspects", json=suspect_body(name="李某")).json()
    path = f"/v1/cases/{handled_case['id']}/suspects/{created['id']}"
    for api in (handler, head, admin):
        shown = api.get(path).json()
        assert shown["id_number"] == ID_NUMBER and shown["id_number_masked"] is False
    for api in (colleague, inspector):
        shown = api.get(path).json()
        assert shown["id_number"] == "110101********231X" and shown["id_number_masked"] is True
        listed = api.get(f"/v1/cases/{handled_case['id']}/suspects", params={"limit": 100}).json()["items"]
        assert all(ID_NUMBER not in s["id_number"] for s in listed)


@pytest.mark.parametrize("body,field", [
    (suspect_body(id_number="12345"), "id_number"),
    (suspect_body(id_number="11010119900307231Y"), "id_number"),
    (suspect_body(layer="boss"), "layer"),
    (suspect_body(charges=["murder"]), "charges"),
    (suspect_body(name=""), "name"),
    (suspect_body(decision={"decision": "prosecute", "decided_on": "2999-01-01", "reason": "x"}), "decision"),
    (suspect_body(decision={"decision": "prosecute", "decided_on": "2026-09-30", "reason": "x",
                            "administrative_penalty_warranted": True}), "decision"),
    (suspect_body(decision={"decision": "acquit", "decided_on": "2026-09-30", "reason": "x"}), "decision"),
])
def test_bad_suspects_are_refused_naming_the_field_and_write_nothing(criminal_head, body, field):
    _, head = criminal_head
    case = a_case(head)
    response = head.post(f"/v1/cases/{case['id']}/suspects", json=body)
    assert response.status_code == 400, response.text
    assert field in response.json()["error"]["fields"]
    assert head.get(f"/v1/cases/{case['id']}/suspects").json()["items"] == []
    assert head.get(f"/v1/cases/{case['id']}").json()["suspect_count"] == 0


def test_a_telecom_fraud_case_with_300_suspects_is_listed_page_by_page(criminal_head):
    _, head = criminal_head
    case = a_case(head)
    layers = ("organizer", "core_member", "ordinary_member", "peripheral")
    for i in range(300):
        response = head.post(f"/v1/cases/{case['id']}/suspects", json=suspect_body(
            name=f"嫌疑人{i:03d}", layer=layers[i % 4], charges=["fraud", "helping_network_crime"][: 1 + i % 2]))
        assert response.status_code == 201, response.text
    seen, cursor, pages = [], None, 0
    while True:
        page = head.get(f"/v1/cases/{case['id']}/suspects",
                        params={"limit": 100, **({"cursor": cursor} if cursor else {})}).json()
        seen += page["items"]
        pages += 1
        cursor = page["next_cursor"]
        if not cursor:
            break
    assert pages == 3 and len({s["id"] for s in seen}) == 300
    assert [s["name"] for s in seen] == [f"嫌疑人{i:03d}" for i in reversed(range(300))]  # newest first
    assert {layer: sum(s["layer"] == layer for s in seen) for layer in layers} == dict.fromkeys(layers, 75)
    assert head.get(f"/v1/cases/{case['id']}").json()["suspect_count"] == 300


def test_a_non_prosecution_warranting_a_penalty_starts_the_referral_once_across_the_national_day_break(
        stack, criminal_head, criminal_prosecutor):
    _, head = criminal_head
    prosecutor_user, handler = criminal_prosecutor
    case = a_case(head, handler_id=prosecutor_user["id"])
    suspect = handler.post(f"/v1/cases/{case['id']}/suspects", json=suspect_body(layer="peripheral")).json()
    decision = {"decision": "non_prosecution", "decided_on": "2026-09-30", "reason": "情节轻微，不需要判处刑罚",
                "administrative_penalty_warranted": True, "administrative_organ": "某区公安分局"}
    path = f"/v1/cases/{case['id']}/suspects/{suspect['id']}"
    first = handler.patch(path, json={"decision": decision})
    assert first.status_code == 200, first.text
    # 30 Sep is a Wednesday; 1-7 Oct are the break, 8 and 9 Oct working days, Saturday 10 Oct a working day.
    assert first.json()["referral"]["due_on"] == "2026-10-10"
    assert handler.patch(path, json={"decision": decision}).status_code == 200  # the same again: no new decision
    assert head.get(f"/v1/cases/{case['id']}").json()["referral_due_on"] == "2026-10-10"
    if stack.mongo_uri:
        outbox = stack.db("cases").outbox
        assert outbox.count_documents({"aggregate_id": suspect["id"], "type": "case.non_prosecution_decided"}) == 1
        [event] = outbox.find({"aggregate_id": suspect["id"], "type": "case.non_prosecution_decided"})
        assert event["envelope"]["payload"]["referral_due_on"] == "2026-10-10"
        assert ID_NUMBER not in str(event["envelope"])  # personal data stays in the case card
        # Its due day ("due today") and the day after it ("overdue").
        assert stack.db("cases").deadlines.count_documents({"aggregate_id": suspect["id"], "status": "pending"}) == 2

    assert head.post(f"{path}/referral", json={"transferred_on": "2026-10-08"}).status_code == 403  # the handler's
    recorded = handler.post(f"{path}/referral", json={"transferred_on": "2026-10-08"})
    assert recorded.status_code == 200 and recorded.json()["referral"]["transferred_on"] == "2026-10-08"
    assert recorded.json()["referral"]["overdue"] is False
    assert head.get(f"/v1/cases/{case['id']}").json()["referral_due_on"] is None
    if stack.mongo_uri:
        deadlines = stack.db("cases").deadlines
        assert deadlines.count_documents({"aggregate_id": suspect["id"], "status": "cancelled"}) == 2


def test_a_referral_needs_a_referring_decision_and_a_sensible_date(criminal_head, criminal_prosecutor):
    _, head = criminal_head
    prosecutor_user, handler = criminal_prosecutor
    case = a_case(head, handler_id=prosecutor_user["id"])
    suspect = handler.post(f"/v1/cases/{case['id']}/suspects", json=suspect_body()).json()
    path = f"/v1/cases/{case['id']}/suspects/{suspect['id']}/referral"
    assert "transferred_on" in handler.post(path, json={"transferred_on": "2026-10-08"}).json()["error"]["fields"]
    handler.patch(f"/v1/cases/{case['id']}/suspects/{suspect['id']}", json={"decision": {
        "decision": "non_prosecution", "decided_on": "2026-10-09", "reason": "x",
        "administrative_penalty_warranted": True}})
    early = handler.post(path, json={"transferred_on": "2026-10-01"})
    assert early.status_code == 400 and "transferred_on" in early.json()["error"]["fields"]
    assert handler.post(path, json={"transferred_on": "2026-10-13"}).json()["referral"]["transferred_on"] == "2026-10-13"


def test_asset_recovery_is_integer_fen_and_never_more_than_involved(criminal_head):
    _, head = criminal_head
    case = a_case(head)
    path = f"/v1/cases/{case['id']}/asset-recovery"
    good = {"amount_involved_fen": 1_280_000_00, "victims": 46, "frozen_seized_fen": 300_000_00,
            "recovered_fen": 250_000_00, "returned_to_victims_fen": 200_000_00}
    for patch, field in ((({"recovered_fen": 1_280_000_01}), "recovered_fen"),
                         ({"returned_to_victims_fen": 250_000_01}, "returned_to_victims_fen"),
                         ({"amount_involved_fen": 12.5}, "amount_involved_fen"),
                         ({"victims": -1}, "victims"), ({"frozen_seized_fen": 10 ** 13 + 1}, "frozen_seized_fen"),
                         ({"recovered_fen": "100"}, "recovered_fen")):
        response = head.put(path, json={**good, **patch})
        assert response.status_code == 400 and field in response.json()["error"]["fields"], (patch, response.text)
    assert head.get(f"/v1/cases/{case['id']}").json()["asset_recovery"] is None
    saved = head.put(path, json=good)
    assert saved.status_code == 200 and saved.json()["asset_recovery"] == good
    civil = a_case(head, category="civil_execution_supervision")
    refused = head.put(f"/v1/cases/{civil['id']}/asset-recovery", json=good)
    assert refused.status_code == 400 and "category" in refused.json()["error"]["fields"]


def test_wage_supervision_derives_what_is_outstanding_and_whether_the_termination_was_lawful(criminal_head):
    _, head = criminal_head
    case = a_case(head, category="civil_execution_supervision")
    body = {"applicants": 37, "wages_owed_fen": 86_000_000, "recovered_fen": 52_000_000,
            "court_termination_on": "2026-06-30",
            "termination_checks_met": ["property_report_ordered", "consumption_restricted", "applicant_heard"],
            "outcome": "recommendation_issued"}
    saved = head.put(f"/v1/cases/{case['id']}/wage-supervision", json=body).json()["wage_supervision"]
    assert saved["outstanding_fen"] == 34_000_000 and saved["termination_lawful"] is False
    assert set(saved["termination_checks_missing"]) == {"property_investigated", "no_enforceable_property",
                                                        "dishonest_listing_considered"}
    over = head.put(f"/v1/cases/{case['id']}/wage-supervision", json={**body, "recovered_fen": 86_000_001})
    assert over.status_code == 400 and "recovered_fen" in over.json()["error"]["fields"]


def test_every_change_is_in_the_append_only_history_with_id_numbers_masked(criminal_head, criminal_prosecutor):
    head_user, head = criminal_head
    prosecutor_user, handler = criminal_prosecutor
    case = a_case(head)
    head.post(f"/v1/cases/{case['id']}/assign", json={"handler_id": prosecutor_user["id"]})
    suspect = handler.post(f"/v1/cases/{case['id']}/suspects", json=suspect_body()).json()
    handler.patch(f"/v1/cases/{case['id']}/suspects/{suspect['id']}", json={"charges": ["fraud", "money_laundering"]})
    history = head.get(f"/v1/cases/{case['id']}/history", params={"limit": 100}).json()["items"]
    assert [entry["action"] for entry in reversed(history)] == [
        "case.registered", "case.assigned", "created", "updated"]
    assert history[-1]["actor"]["user_id"] == head_user["id"] and history[0]["actor"]["user_id"] == prosecutor_user["id"]
    assert history[0]["changes"]["charges"] == {"from": ["fraud"], "to": ["fraud", "money_laundering"]}
    assert ID_NUMBER not in str(history)
    assert head.get(f"/v1/cases/{uuid.uuid4().hex}/history").status_code == 404
