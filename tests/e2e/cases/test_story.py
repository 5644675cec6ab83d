"""The walking-skeleton story, through the gateway only: log in, register a case,
assign it to a prosecutor, and the prosecutor finds the notification."""
import uuid

from tests.support.api import unique_case_no
from tests.support.waiting import wait_for


def notifications_for_case(api, case_id):
    items = api.get("/v1/me/notifications", params={"limit": 100}).json()["items"]
    return [n for n in items if n["ref"] == {"kind": "case", "id": case_id}]


def test_register_assign_and_the_prosecutor_is_notified(criminal_head, criminal_prosecutor):
    _, head = criminal_head
    prosecutor_user, prosecutor = criminal_prosecutor
    case_no = unique_case_no()

    created = head.post("/v1/cases", json={"case_no": case_no, "title": "张某等电信网络诈骗案",
                                           "category": "criminal", "department": "criminal"})
    assert created.status_code == 201, created.text
    case = created.json()
    assert case["status"] == "registered" and case["id"] and case["created_at"]

    assigned = head.post(f"/v1/cases/{case['id']}/assign", json={"handler_id": prosecutor_user["id"]})
    assert assigned.status_code == 200, assigned.text
    assert assigned.json()["handler_id"] == prosecutor_user["id"]

    [note] = wait_for(lambda: notifications_for_case(prosecutor, case["id"]), timeout=15,
                      message="the assignment notification")
    assert case_no in note["title"] and "张某等电信网络诈骗案" in note["body"]
    assert note["type"] == "case.assigned" and note["read_at"] is None
    assert set(note) >= {"id", "type", "title", "body", "created_at", "read_at", "ref"}

    read = prosecutor.post(f"/v1/me/notifications/{note['id']}/read")
    assert read.status_code == 200 and read.json()["read_at"]
    assert notifications_for_case(prosecutor, case["id"])[0]["read_at"] == read.json()["read_at"]

    # The head was not the assignee: nothing for them.
    assert notifications_for_case(head, case["id"]) == []


def test_case_lifecycle_and_illegal_transition(criminal_head):
    _, head = criminal_head
    case = head.post("/v1/cases", json={"case_no": unique_case_no(), "title": "李某帮信案",
                                        "category": "criminal", "department": "criminal"}).json()
    assert head.post(f"/v1/cases/{case['id']}/transition", json={"to": "decided"}).status_code == 409
    for status in ("under_review", "decided", "closed"):
        response = head.post(f"/v1/cases/{case['id']}/transition", json={"to": status})
        assert response.status_code == 200, response.text
        assert response.json()["status"] == status
    again = head.post(f"/v1/cases/{case['id']}/transition", json={"to": "closed"})
    assert again.status_code == 409
    assert set(again.json()["error"]) <= {"code", "message", "fields"}
    assert again.json()["error"]["code"] == "conflict" and isinstance(again.json()["error"].get("fields", {}), dict)
    assert head.get(f"/v1/cases/{case['id']}").json()["status"] == "closed"


def test_duplicate_case_no_is_409_and_unknown_case_404(criminal_head):
    _, head = criminal_head
    body = {"case_no": unique_case_no(), "title": "王某洗钱案", "category": "criminal", "department": "criminal"}
    assert head.post("/v1/cases", json=body).status_code == 201
    duplicate = head.post("/v1/cases", json=body)
    assert duplicate.status_code == 409
    assert "case_no" in duplicate.json()["error"]["fields"]
    missing = head.get(f"/v1/cases/{uuid.uuid4().hex}")
    assert missing.status_code == 404
    # The whole body, exactly: an error raised in a service keeps its shape across RPC.
    assert missing.json() == {"error": {"code": "not_found", "message": "案件不存在"}}


def test_list_filters_search_and_cursor_pagination(criminal_head):
    _, head = criminal_head
    marker = uuid.uuid4().hex[:6]
    ids = [head.post("/v1/cases", json={"case_no": f"{marker}-{i}", "title": f"分页测试{marker}",
                                        "category": "civil_execution_supervision" if i % 2 else "criminal",
                                        "department": "criminal"}).json()["id"] for i in range(5)]
    seen, cursor = [], None
    while True:
        params = {"q": marker, "limit": 2, **({"cursor": cursor} if cursor else {})}
        page = head.get("/v1/cases", params=params).json()
        seen += [item["id"] for item in page["items"]]
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert seen == list(reversed(ids))  # newest first, each exactly once
    odd = head.get("/v1/cases", params={"q": marker, "category": "civil_execution_supervision"}).json()["items"]
    assert sorted(c["id"] for c in odd) == sorted([ids[1], ids[3]])
    assert head.get("/v1/cases", params={"q": f"{marker}-3"}).json()["items"][0]["case_no"] == f"{marker}-3"
    assert head.get("/v1/cases", params={"q": marker, "status": "closed"}).json()["items"] == []


def test_request_id_is_echoed_and_becomes_the_event_correlation_id(stack, criminal_head):
    _, head = criminal_head
    request_id = f"req-{uuid.uuid4().hex}"
    response = head.post("/v1/cases", headers={"X-Request-ID": request_id},
                         json={"case_no": unique_case_no(), "title": "关联编号测试", "category": "other",
                               "department": "criminal"})
    assert response.headers["X-Request-ID"] == request_id
    assert len(head.get("/v1/me").headers["X-Request-ID"]) >= 16  # generated when not given
    record = stack.db("cases").outbox.find_one({"aggregate_id": response.json()["id"]})
    assert record["envelope"]["correlation_id"] == request_id


def test_me_users_and_enums(admin, criminal_head, civil_prosecutor):
    head_user, head = criminal_head
    assert head.get("/v1/me").json()["id"] == head_user["id"]
    listed = head.get("/v1/users", params={"limit": 100}).json()["items"]
    assert listed and {u["department"] for u in listed} == {"criminal"}  # department-scoped
    assert all("password_hash" not in u for u in listed)
    everyone = admin.get("/v1/users", params={"limit": 100}).json()["items"]
    assert {"criminal", "civil"} <= {u["department"] for u in everyone}
    enums = head.get("/v1/meta/enums").json()
    assert enums["case_statuses"]["registered"] == "已登记" and enums["roles"]["prosecutor"] == "检察官"


def test_a_redelivered_assignment_event_does_not_notify_twice(stack, criminal_head, admin):
    from pathlib import Path

    from kit.parked import queue_depth
    from tests.support.duplicates import wait_until_ignored_in_log
    from tests.support.amqp import ASSIGNED_QUEUE, publish_event
    _, head = criminal_head
    prosecutor_user, prosecutor = admin.create_user("prosecutor", "criminal")
    case = head.post("/v1/cases", json={"case_no": unique_case_no(), "title": "重复投递", "category": "criminal",
                                        "department": "criminal", "handler_id": prosecutor_user["id"]}).json()
    wait_for(lambda: notifications_for_case(prosecutor, case["id"]), timeout=15, message="first notification")
    # The very event the platform published, delivered again (as after a relay retry or a broker redelivery).
    envelope = stack.db("cases").outbox.find_one({"aggregate_id": case["id"], "type": "case.assigned"})["envelope"]
    for _ in range(2):
        publish_event(stack.amqp_uri, "cases", envelope)
    wait_for(lambda: queue_depth(stack.amqp_uri, ASSIGNED_QUEUE) == 0, message="redeliveries consumed")
    # Delivered is not yet handled: both were consumed and ignored (the service says so per delivery).
    wait_until_ignored_in_log(Path(stack.log_dir, "notifications.log"), envelope["event_id"], 2)
    assert len(notifications_for_case(prosecutor, case["id"])) == 1
    processed = stack.db("notifications").inbox_processed.count_documents({"event_id": envelope["event_id"]})
    assert processed == 1


def test_a_prosecutor_of_another_department_opens_the_case_they_were_notified_of(admin, civil_prosecutor):
    # Only a cross-department role (here the case-management office) assigns across departments.
    _, case_manager = admin.create_user("case_manager", "case_management")
    handler_user, handler = civil_prosecutor
    case = case_manager.post("/v1/cases", json={"case_no": unique_case_no(), "title": "跨部门交办案",
                                                "category": "criminal", "department": "criminal",
                                                "handler_id": handler_user["id"]}).json()
    [note] = wait_for(lambda: notifications_for_case(handler, case["id"]), timeout=15,
                      message="the assignment notification")
    opened = handler.get(f"/v1/cases/{note['ref']['id']}")
    assert opened.status_code == 200 and opened.json()["case_no"] == case["case_no"]
    assert case["id"] in [item["id"] for item in handler.get("/v1/cases", params={"limit": 100}).json()["items"]]
