"""Notifications through the gateway: each event reaches the right people on the right channels
(inbox read over HTTP, mail read from the local SMTP server, webhook read by a receiver on 127.0.0.1
with its signature verified), duplicates add nothing anywhere, preferences are honoured (critical
types not), and bad input is a 4xx naming the field with nothing written."""
import json
import time
import uuid
from pathlib import Path

import pytest

import contracts.events  # noqa: F401  (registers the payload schemas build_event checks)
from contracts.envelope import build_event
from tests.e2e.notifications.conftest import SECRET, hooks, inbox, mails, make_user, register
from tests.support.amqp import publish_event
from tests.support.duplicates import wait_until_ignored_in_log
from tests.support.waiting import wait_for
from tests.support.webhook_receiver import WebhookReceiver


@pytest.fixture(scope="module")
def criminal(boss):
    head_user, head = make_user(boss, "department_head", "criminal")
    pros_user, pros = make_user(boss, "prosecutor", "criminal")
    return head_user, head, pros_user, pros


def test_an_assignment_reaches_the_handler_in_the_inbox_by_mail_and_by_signed_webhook(
        boss, criminal, smtp, receiver):
    _, head, pros_user, pros = criminal
    before = pros.get("/v1/me/notifications/unread-count").json()["count"]
    case = register(head, handler_id=pros_user["id"])
    [note] = wait_for(lambda: inbox(pros, case["id"], "case.assigned"), timeout=15, message="inbox")
    assert note["title"] == f"新案件分配：{case['case_no']}" and "承办人" in note["body"]
    assert pros.get("/v1/me/notifications/unread-count").json() == {"count": before + 1}
    [mail] = wait_for(lambda: mails(smtp, pros_user["email"], case["case_no"]), timeout=15, message="mail")
    assert mail["Subject"] == note["title"] and "张某等电信网络诈骗案" in mail.get_content()
    [hook] = wait_for(lambda: hooks(receiver, "case.assigned", case["id"]), timeout=15, message="webhook")
    assert hook["payload"]["handler_id"] == pros_user["id"] and hook["title"] == note["title"]
    # The head registered it: nothing for them.
    assert inbox(head, case["id"]) == []
    marked = pros.post("/v1/me/notifications/read-all")
    assert marked.status_code == 200 and marked.json()["marked"] >= 1
    assert pros.get("/v1/me/notifications/unread-count").json() == {"count": 0}
    assert inbox(pros, case["id"])[0]["read_at"] is not None


def test_an_evaluation_reaches_the_handler_with_grade_and_comments(boss, criminal, smtp, receiver):
    _, head, pros_user, pros = criminal
    _, manager = make_user(boss, "case_manager", "case_management")
    case = register(head, handler_id=pros_user["id"])
    response = manager.post(f"/v1/cases/{case['id']}/evaluations", json={
        "period": "2026-Q3", "mode": "routine", "grade": "qualified", "comments": "文书说理尚可加强",
        "scores": {"fact_finding": 85, "application_of_law": 80, "procedure": 88, "documents": 75}})
    assert response.status_code == 201, response.text
    [note] = wait_for(lambda: inbox(pros, case["id"], "case.evaluated"), timeout=15, message="evaluation notice")
    assert "合格" in note["title"] and "文书说理尚可加强" in note["body"] and "法律文书 75" in note["body"]
    [mail] = wait_for(lambda: mails(smtp, pros_user["email"], "案件评查结果"), timeout=15, message="mail")
    assert "文书说理尚可加强" in mail.get_content()
    assert wait_for(lambda: hooks(receiver, "case.evaluated", case["id"]), timeout=15, message="webhook")


def test_a_data_check_finding_reaches_its_owner(boss, smtp, receiver):
    _, head = make_user(boss, "department_head", "public_interest")
    owner_user, owner = make_user(boss, "prosecutor", "public_interest")
    _, manager = make_user(boss, "case_manager", "case_management")
    case = register(head, handler_id=owner_user["id"], department="public_interest")
    head.post(f"/v1/cases/{case['id']}/suspects", json={"name": "孙某", "id_number": "110101199003072316",
                                                         "layer": "peripheral", "charges": []})
    run = manager.post("/v1/data-checks/runs", json={"department": "public_interest"})
    assert run.status_code == 202, run.text
    [note] = wait_for(lambda: inbox(owner, case["id"], "data_check.finding_opened"), timeout=30, message="finding")
    assert "数据核查发现问题" in note["title"] and "孙某" in note["body"]
    assert wait_for(lambda: mails(smtp, owner_user["email"], "数据核查发现问题"), timeout=15, message="mail")
    assert wait_for(lambda: hooks(receiver, "data_check.finding_opened", case["id"]), timeout=15, message="webhook")


def overdue_event(case, handler_id):
    return build_event("case.referral_overdue", {
        "case_id": case["id"], "case_no": case["case_no"], "title": case["title"], "department": case["department"],
        "handler_id": handler_id, "suspect_id": uuid.uuid4().hex, "suspect_name": "王某",
        "referral_due_on": "2026-10-09"}, source="cases", aggregate_id=case["id"], correlation_id=uuid.uuid4().hex,
        actor=None)


def test_an_overdue_referral_escalates_to_the_handler_and_the_department_head_even_if_switched_off(
        platform, boss, smtp, receiver):
    head_user, head = make_user(boss, "department_head", "administrative")
    pros_user, pros = make_user(boss, "prosecutor", "administrative")
    other_head_user, other_head = make_user(boss, "department_head", "civil")
    case = register(head, handler_id=pros_user["id"], department="administrative")
    # Switching a critical type off is refused, naming it, and changes nothing.
    before = pros.get("/v1/me/preferences").json()
    refused = pros.put("/v1/me/preferences", json={"types": {"case.referral_overdue": {"email": False}}})
    assert refused.status_code == 400
    assert "case.referral_overdue" in refused.json()["error"]["fields"]["types"]
    assert "case.referral_overdue" in refused.json()["error"]["message"]
    assert pros.get("/v1/me/preferences").json() == before
    publish_event(platform.amqp_uri, "cases", overdue_event(case, pros_user["id"]))
    for user, api in ((pros_user, pros), (head_user, head)):
        [note] = wait_for(lambda: inbox(api, case["id"], "case.referral_overdue"), timeout=15, message="escalation")
        assert "逾期" in note["title"] and "王某" in note["body"]
        assert wait_for(lambda: mails(smtp, user["email"], "移送行政处罚逾期"), timeout=15, message="mail")
    assert inbox(other_head, case["id"]) == []


def test_duplicate_event_deliveries_add_no_notification_on_any_channel(platform, boss, criminal, smtp, receiver):
    _, head, pros_user, pros = criminal
    case = register(head, handler_id=pros_user["id"])
    wait_for(lambda: hooks(receiver, "case.assigned", case["id"]), timeout=15, message="first webhook")
    wait_for(lambda: mails(smtp, pros_user["email"], case["case_no"]), timeout=15, message="first mail")
    [record] = platform.db("cases").outbox.find({"aggregate_id": case["id"], "type": "case.assigned"})
    for _ in range(3):
        publish_event(platform.amqp_uri, "cases", record["envelope"])
    event_id = record["envelope"]["event_id"]
    processed = platform.db("notifications").inbox_processed
    wait_for(lambda: processed.count_documents({"event_id": event_id}) == 1, message="processed once")
    # Each of the three was consumed and ignored (the service says so per delivery), not merely given time.
    wait_until_ignored_in_log(Path(platform.log_dir, "notifications.log"), event_id, 3)
    assert len(inbox(pros, case["id"], "case.assigned")) == 1
    assert len(mails(smtp, pros_user["email"], case["case_no"])) == 1
    assert len(hooks(receiver, "case.assigned", case["id"])) == 1
    deliveries = platform.db("notifications").deliveries
    assert deliveries.count_documents({"event_id": event_id}) == 2  # one e-mail, one webhook


def test_preferences_switch_email_off_for_a_type_and_the_inbox_still_gets_it(platform, boss, smtp):
    head_user, head = make_user(boss, "department_head", "civil")
    pros_user, pros = make_user(boss, "prosecutor", "civil")
    prefs = pros.get("/v1/me/preferences").json()
    assert prefs["types"]["case.assigned"] == {"in_app": True, "email": True}
    assert "case.referral_overdue" in prefs["critical_types"] and prefs["digest_hour"] is None
    saved = pros.put("/v1/me/preferences", json={"types": {"case.assigned": {"email": False}}})
    assert saved.status_code == 200 and saved.json()["types"]["case.assigned"] == {"in_app": True, "email": False}
    case = register(head, handler_id=pros_user["id"], department="civil")
    wait_for(lambda: inbox(pros, case["id"], "case.assigned"), timeout=15, message="inbox")
    skipped = wait_for(lambda: boss.get("/v1/notifications/deliveries", params={"status": "skipped", "limit": 100})
                       .json()["items"], message="records")
    mine = [d for d in skipped if d["recipient_id"] == pros_user["id"] and d["ref"]["id"] == case["id"]]
    assert [(d["channel"], d["reason"]) for d in mine] == [("email", "preference_off")]
    time.sleep(1)
    assert smtp.to(pros_user["email"]) == []


def test_a_user_without_email_is_skipped_not_failed(platform, boss):
    _, head = make_user(boss, "department_head", "inspection")
    pros_user, pros = make_user(boss, "prosecutor", "inspection", email=False)
    case = register(head, handler_id=pros_user["id"], department="inspection")
    wait_for(lambda: inbox(pros, case["id"]), timeout=15, message="inbox")
    [record] = wait_for(lambda: list(platform.db("notifications").deliveries.find(
        {"recipient_id": pros_user["id"], "channel": "email"})), message="record")
    assert (record["status"], record["reason"]) == ("skipped", "no_email")


def test_a_failing_webhook_is_retried_then_listed_as_failed_for_admin_only(platform, boss, criminal, smtp):
    _, head, pros_user, pros = criminal
    dead = WebhookReceiver(statuses=[503] * 20).start()
    try:
        created = boss.post("/v1/webhooks", json={"url": dead.url, "events": ["case.assigned"], "secret": SECRET})
        assert created.status_code == 201 and "secret" not in created.json()
        case = register(head, handler_id=pros_user["id"])
        wait_for(lambda: mails(smtp, pros_user["email"], case["case_no"]), timeout=15, message="mail goes on")

        def failed():
            items = boss.get("/v1/notifications/deliveries", params={"status": "failed", "limit": 100}).json()["items"]
            return [d for d in items if d["recipient_id"] == f"webhook:{created.json()['id']}"]
        [record] = wait_for(failed, timeout=30, message="failed delivery")
        assert record["reason"] == "retries_exhausted" and record["attempts"] == 5 and record["error"] == "HTTP 503"
        assert [a["http_status"] for a in record["attempt_log"]] == [503] * 5
        assert len(dead.requests) == 5
        assert pros.get("/v1/notifications/deliveries", params={"status": "failed"}).status_code == 403
        assert pros.get("/v1/webhooks").status_code == 403
    finally:
        dead.stop()


@pytest.mark.parametrize("body, field", [
    ({"url": "ftp://127.0.0.1/x", "events": ["case.assigned"], "secret": SECRET}, "url"),
    ({"url": "http://127.0.0.1:9/x", "events": ["case.nonexistent"], "secret": SECRET}, "events"),
    ({"url": "http://127.0.0.1:9/x", "events": [], "secret": SECRET}, "events"),
    ({"url": "http://127.0.0.1:9/x", "events": ["case.assigned"], "secret": "short"}, "secret"),
    ({"events": ["case.assigned"], "secret": SECRET}, "url"),
])
def test_bad_webhooks_are_refused_naming_the_field_and_nothing_is_written(platform, boss, body, field):
    before = platform.db("notifications").webhooks.count_documents({})
    response = boss.post("/v1/webhooks", json=body)
    assert response.status_code == 400 and field in response.json()["error"]["fields"], response.text
    assert platform.db("notifications").webhooks.count_documents({}) == before


def test_only_admin_creates_webhooks(platform, criminal):
    _, head, _, _ = criminal
    before = platform.db("notifications").webhooks.count_documents({})
    response = head.post("/v1/webhooks", json={"url": "http://127.0.0.1:9/x", "events": ["case.assigned"],
                                               "secret": SECRET})
    assert response.status_code == 403
    assert platform.db("notifications").webhooks.count_documents({}) == before


@pytest.mark.parametrize("body, field", [
    ({"types": {"case.nonexistent": {"email": False}}}, "types"),
    ({"types": {"case.assigned": {"email": "no"}}}, "types"),
    ({"types": {"case.assigned": {"fax": False}}}, "types"),
    ({"digest_hour": 24}, "digest_hour"),
    ({"digest_hour": 2.5e-42}, "digest_hour"),
    ({"digest_hour": "8"}, "digest_hour"),
    ({"types": "all"}, "types"),
])
def test_bad_preferences_are_refused_naming_the_field_and_nothing_is_written(platform, boss, body, field):
    user, api = make_user(boss, "prosecutor", "criminal")
    response = api.put("/v1/me/preferences", json=body)
    assert response.status_code == 400 and field in response.json()["error"]["fields"], response.text
    assert platform.db("notifications").preferences.find_one({"_id": user["id"]}) is None


def test_bad_delivery_queries_are_refused_naming_the_field(boss):
    response = boss.get("/v1/notifications/deliveries", params={"status": "lost"})
    assert response.status_code == 400 and "status" in response.json()["error"]["fields"]
    assert boss.get("/v1/notifications/deliveries", params={"cursor": "garbage!"}).status_code == 400


def test_the_digest_hour_is_kept(boss):
    _, api = make_user(boss, "prosecutor", "criminal")
    assert api.put("/v1/me/preferences", json={"digest_hour": 8}).json()["digest_hour"] == 8
    assert api.get("/v1/me/preferences").json()["digest_hour"] == 8
    assert api.put("/v1/me/preferences", json={"types": {}}).json()["digest_hour"] == 8
    assert api.put("/v1/me/preferences", json={"digest_hour": None}).json()["digest_hour"] is None


def test_an_empty_preferences_update_is_refused(platform, boss):
    user, api = make_user(boss, "prosecutor", "criminal")
    for kwargs in ({}, {"json": {}}):
        response = api.put("/v1/me/preferences", **kwargs)
        assert response.status_code == 400 and "_schema" in response.json()["error"]["fields"], response.text
    assert platform.db("notifications").preferences.find_one({"_id": user["id"]}) is None


def test_smtp_down_for_a_while_mail_is_queued_then_sent_once_and_the_inbox_does_not_wait(
        platform, boss, criminal, smtp):
    _, head, pros_user, pros = criminal
    smtp.stop()
    try:
        case = register(head, handler_id=pros_user["id"])
        wait_for(lambda: inbox(pros, case["id"], "case.assigned"), timeout=15, message="inbox meanwhile")

        def queued_and_retried():
            items = boss.get("/v1/notifications/deliveries", params={"status": "queued", "limit": 100}).json()["items"]
            return [d for d in items if d["ref"]["id"] == case["id"] and d["channel"] == "email" and d["attempts"] >= 2]
        [record] = wait_for(queued_and_retried, timeout=15, message="a queued e-mail with failed attempts")
        assert record["error"] and not any(a["ok"] for a in record["attempt_log"])
    finally:
        smtp.start()
    [mail] = wait_for(lambda: mails(smtp, pros_user["email"], case["case_no"]), timeout=20, message="mail after")
    time.sleep(1)
    assert len(mails(smtp, pros_user["email"], case["case_no"])) == 1


def test_budgeting_the_submitter_hears_of_review_and_decision_and_the_inspection_office_of_procurement(
        platform, boss, smtp, receiver):
    head_user, head = make_user(boss, "department_head", "criminal")
    _, fin = make_user(boss, "finance", "finance")
    _, party = make_user(boss, "party_group", "leadership")
    inspector_user, inspector = make_user(boss, "inspector", "inspection")
    year = 2051  # a budget year no other test of the shared platform uses
    assert fin.post("/v1/budget/allocations", json={"year": year, "department": "criminal", "category": "equipment",
                                                   "amount_fen": 100_000_000}).status_code == 200
    request = head.post("/v1/budget/requests", json={"year": year, "department": "criminal", "category": "equipment",
                                                     "title": "讯问室同步录音录像设备", "amount_fen": 3_000_000,
                                                     "justification": "办案需要"})
    assert request.status_code == 201, request.text
    request_id = request.json()["id"]
    path = f"/v1/budget/requests/{request_id}"
    assert fin.post(f"{path}/review", json={"approved_amount_fen": 2_500_000, "comment": "按询价核减"}).status_code == 200
    [reviewed] = wait_for(lambda: [n for n in head.get("/v1/me/notifications").json()["items"]
                                   if n["ref"]["id"] == request_id], timeout=15, message="review notice")
    assert reviewed["type"] == "budget.request_reviewed" and "审核金额 25,000.00 元" in reviewed["body"]
    assert party.post(f"{path}/decide", json={"decision": "approved", "minutes_ref": "党组会〔2051〕1号"}).status_code == 200
    wait_for(lambda: len([n for n in head.get("/v1/me/notifications").json()["items"]
                          if n["ref"]["id"] == request_id]) == 2, timeout=15, message="decision notice")
    assert wait_for(lambda: mails(smtp, head_user["email"], "党组决定"), timeout=15, message="decision mail")
    assert fin.post(f"{path}/procurement/start", json={"method": "centralized"}).status_code == 200
    # The inspection office follows the request from its filing (submitted, reviewed, decided) and is
    # asked to oversee the procurement.
    [note] = wait_for(lambda: [n for n in inspector.get("/v1/me/notifications").json()["items"]
                               if n["ref"]["id"] == request_id and n["type"] == "budget.procurement_started"],
                      timeout=15, message="procurement notice")
    assert note["type"] == "budget.procurement_started" and "讯问室同步录音录像设备" in note["title"]
    assert wait_for(lambda: mails(smtp, inspector_user["email"], "请开展监督"), timeout=15, message="inspector mail")
