"""Issue 19: a case cannot be taken over silently. Only the department head, case management and
admin assign or reassign; a handler hands a case back but does not take or pass one on; every
reassignment tells the previous handler, the new one and the head, and is in the history."""
from tests.e2e.cases.test_content import ID_NUMBER, a_case, suspect_body
from tests.support.waiting import wait_for


def _notes(api, case_id, kind):
    return [n for n in api.get("/v1/me/notifications", params={"limit": 100}).json()["items"]
            if n["ref"]["id"] == case_id and n["type"] == kind]


def test_a_second_prosecutor_cannot_take_the_case_and_the_head_reassigns_it_loudly(admin):
    head_user, head = admin.create_user("department_head", "criminal")
    first_user, first = admin.create_user("prosecutor", "criminal")
    second_user, second = admin.create_user("prosecutor", "criminal")
    case = a_case(head, handler_id=first_user["id"])
    suspect = first.post(f"/v1/cases/{case['id']}/suspects", json=suspect_body()).json()
    path = f"/v1/cases/{case['id']}/assign"

    # The takeover of the issue: refused, nothing written, the id number stays masked to them.
    refused = second.post(path, json={"handler_id": second_user["id"]})
    assert refused.status_code == 403, refused.text
    assert second.post(path, json={"handler_id": None}).status_code == 403  # not theirs to hand back
    assert first.post(path, json={"handler_id": second_user["id"]}).status_code == 403  # nor to pass on
    assert head.get(f"/v1/cases/{case['id']}").json()["handler_id"] == first_user["id"]
    shown = second.get(f"/v1/cases/{case['id']}/suspects/{suspect['id']}").json()
    assert shown["id_number_masked"] is True and ID_NUMBER not in shown["id_number"]
    assert [e["action"] for e in head.get(f"/v1/cases/{case['id']}/history").json()["items"]] == [
        "created", "case.registered,case.assigned"]  # the suspect, the registration: nothing refused is there

    # The head reassigns: the new handler, the previous one and the head are told.
    moved = head.post(path, json={"handler_id": second_user["id"]})
    assert moved.status_code == 200 and moved.json()["handler_id"] == second_user["id"]
    wait_for(lambda: _notes(second, case["id"], "case.assigned"), timeout=15, message="the new handler's notice")
    [to_previous] = wait_for(lambda: _notes(first, case["id"], "case.reassigned"), timeout=15,
                             message="the previous handler's notice")
    assert second_user["id"] in to_previous["body"]
    wait_for(lambda: _notes(head, case["id"], "case.reassigned"), timeout=15, message="the head's notice")
    history = head.get(f"/v1/cases/{case['id']}/history", params={"limit": 100}).json()["items"]
    change = [e for e in history if e["changes"].get("handler_id") ==
              {"from": first_user["id"], "to": second_user["id"]}]
    assert change and change[0]["actor"]["user_id"] == head_user["id"]
    assert change[0]["action"] == "case.assigned,case.reassigned"

    # The new handler hands it back: no handler, the head is told, the history says so.
    back = second.post(path, json={"handler_id": None})
    assert back.status_code == 200 and back.json()["handler_id"] is None
    wait_for(lambda: len(_notes(head, case["id"], "case.reassigned")) == 2, timeout=15,
             message="the head hears of the hand-back")
    history = head.get(f"/v1/cases/{case['id']}/history", params={"limit": 100}).json()["items"]
    assert history[0]["action"] == "case.reassigned"
    assert history[0]["changes"]["handler_id"] == {"from": second_user["id"], "to": None}


def test_a_prosecutor_registers_with_themselves_as_handler_but_names_nobody_else(admin):
    me_user, me = admin.create_user("prosecutor", "criminal")
    colleague, _ = admin.create_user("prosecutor", "criminal")
    own = a_case(me, handler_id=me_user["id"])
    assert own["handler_id"] == me_user["id"]
    from tests.support.api import unique_case_no
    case_no = unique_case_no()
    refused = me.post("/v1/cases", json={"case_no": case_no, "title": "指定他人", "category": "criminal",
                                         "department": "criminal", "handler_id": colleague["id"]})
    assert refused.status_code == 403 and "handler_id" in refused.json()["error"]["fields"]
    assert me.get("/v1/cases", params={"q": case_no}).json()["items"] == []
