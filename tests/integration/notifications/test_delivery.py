"""Delivery after the inbox transaction: e-mail to a real SMTP server (aiosmtpd) and signed webhooks
to a receiver on 127.0.0.1, each record claimed, retried with backoff and settled by the sender."""
import time
import uuid

import pytest
from nameko.standalone.rpc import ServiceRpcProxy

from contracts.envelope import build_event
from services.notifications.service import NotificationsService
from tests.support.amqp import publish_event
from tests.support.smtp import SmtpServer
from tests.support.waiting import wait_for
from tests.support.webhook_receiver import WebhookReceiver

ADMIN = {"user_id": "u-admin", "roles": ["admin"], "department": "general"}
SECRET = "s3cret-for-tests-only-0123456789"


def user_event(event_type, user_id, email="li@jcy.example", active=True, version=1, roles=("prosecutor",)):
    payload = {"id": user_id, "username": user_id, "display_name": "李检察官", "department": "criminal",
               "roles": list(roles), "active": active}
    if email:
        payload["email"] = email
    if event_type == "user.updated":
        payload["changed"] = ["email"]
    return build_event(event_type, payload, source="accounts", aggregate_id=user_id, correlation_id="c",
                       actor=None, aggregate_version=version)


def assigned_event(handler="u-li"):
    return build_event("case.assigned", {"case_id": uuid.uuid4().hex, "case_no": "平检刑诉〔2026〕5号",
                                         "title": "张某诈骗案", "department": "criminal", "handler_id": handler,
                                         "previous_handler_id": None},
                       source="cases", aggregate_id="c1", correlation_id=uuid.uuid4().hex, actor=None)


@pytest.fixture
def smtp():
    server = SmtpServer().start()
    yield server
    server.stop()


@pytest.fixture
def receiver():
    hook = WebhookReceiver().start()
    yield hook
    hook.stop()


@pytest.fixture
def start(container_factory, service_config, service_db):
    def start_with(**config):
        container = container_factory(NotificationsService, {
            **service_config, "NOTIFY_POLL_SECONDS": 0.1, "NOTIFY_RETRY_BASE_SECONDS": 0.2,
            "NOTIFY_RETRY_MAX_SECONDS": 1, "NOTIFY_MAX_ATTEMPTS": 6, "NOTIFY_LEASE_SECONDS": 5, **config})
        container.start()
        return service_db("notifications")
    return start_with


@pytest.fixture
def rpc(service_config):
    def call(method, actor=ADMIN, **kwargs):
        with ServiceRpcProxy("notifications", service_config, context_data={"actor": actor}) as proxy:
            return getattr(proxy, method)(**kwargs)
    return call


def publish(rabbit_config, source, event):
    publish_event(rabbit_config["AMQP_URI"], source, event)


def project(db, rabbit_config, event):
    publish(rabbit_config, "accounts", event)
    wait_for(lambda: db.users.find_one({"_id": event["payload"]["id"], "version": event["aggregate_version"]}),
             message="user projected")


def test_the_handler_gets_one_email_with_the_zh_cn_message(start, smtp, rabbit_config):
    db = start(SMTP_URL=smtp.url)
    project(db, rabbit_config, user_event("user.created", "u-li"))
    event = assigned_event()
    for _ in range(3):  # redelivered: still one mail
        publish(rabbit_config, "cases", event)
    [mail] = wait_for(lambda: smtp.to("li@jcy.example"), message="the mail")
    assert mail["Subject"] == "新案件分配：平检刑诉〔2026〕5号"
    assert "您已被指定为案件「张某诈骗案」" in mail.get_content()
    record = wait_for(lambda: db.deliveries.find_one({"event_id": event["event_id"], "status": "sent"}),
                      message="sent record")
    assert record["attempts"] == 1 and record["address"] == "li@jcy.example"
    time.sleep(0.5)
    assert len(smtp.messages()) == 1 and db.deliveries.count_documents({}) == 1
    assert db.notifications.count_documents({"event_id": event["event_id"]}) == 1


def test_a_user_without_email_is_skipped_for_email_and_still_gets_the_inbox(start, smtp, rabbit_config):
    db = start(SMTP_URL=smtp.url)
    project(db, rabbit_config, user_event("user.created", "u-li", email=None))
    event = assigned_event()
    publish(rabbit_config, "cases", event)
    record = wait_for(lambda: db.deliveries.find_one({"event_id": event["event_id"]}), message="record")
    assert (record["status"], record["reason"]) == ("skipped", "no_email")
    assert db.notifications.find_one({"event_id": event["event_id"], "recipient_id": "u-li"})
    assert smtp.messages() == []


def test_a_deactivated_user_stops_receiving(start, smtp, rabbit_config):
    db = start(SMTP_URL=smtp.url)
    project(db, rabbit_config, user_event("user.created", "u-li"))
    project(db, rabbit_config, user_event("user.deactivated", "u-li", active=False, version=2))
    event = assigned_event()
    publish(rabbit_config, "cases", event)
    wait_for(lambda: db.deliveries.count_documents({"event_id": event["event_id"]}) == 2, message="records")
    assert {r["reason"] for r in db.deliveries.find()} == {"recipient_deactivated"}
    assert db.notifications.count_documents({}) == 0 and smtp.messages() == []


def test_smtp_down_for_a_while_the_mail_stays_queued_then_is_sent_once(start, rabbit_config):
    smtp = SmtpServer()  # not started: connection refused
    db = start(SMTP_URL=smtp.url, NOTIFY_MAX_ATTEMPTS=50)
    project(db, rabbit_config, user_event("user.created", "u-li"))
    event = assigned_event()
    publish(rabbit_config, "cases", event)
    # The inbox does not wait for the mail.
    wait_for(lambda: db.notifications.find_one({"event_id": event["event_id"]}), message="inbox notification")
    record = wait_for(lambda: db.deliveries.find_one({"event_id": event["event_id"], "attempts": {"$gte": 2}}),
                      message="failed attempts")
    assert record["status"] == "queued" and "ConnectionRefused" in record["error"]
    smtp.start()
    try:
        [mail] = wait_for(lambda: smtp.messages(), timeout=15, message="the mail after SMTP is back")
        record = wait_for(lambda: db.deliveries.find_one({"event_id": event["event_id"], "status": "sent"}),
                          message="sent")
        assert [a["ok"] for a in record["attempt_log"]][-1] is True
        assert not any(a["ok"] for a in record["attempt_log"][:-1])
        time.sleep(0.5)
        assert len(smtp.messages()) == 1
    finally:
        smtp.stop()


def test_webhook_500_three_times_then_200_is_delivered_once_with_attempts_recorded(start, rpc, rabbit_config):
    receiver = WebhookReceiver(statuses=[500, 500, 500]).start()
    try:
        db = start()
        hook = rpc("create_webhook", body={"url": receiver.url, "events": ["case.assigned"], "secret": SECRET})
        assert "secret" not in hook
        event = assigned_event()
        publish(rabbit_config, "cases", event)
        publish(rabbit_config, "cases", event)  # a duplicate adds no second delivery
        record = wait_for(lambda: db.deliveries.find_one({"event_id": event["event_id"], "status": "delivered"}),
                          timeout=15, message="delivered")
        assert record["attempts"] == 4
        assert [a.get("http_status") for a in record["attempt_log"]] == [500, 500, 500, 200]
        assert len(receiver.requests) == 4 and len(receiver.accepted()) == 1
        body = WebhookReceiver.verify(receiver.accepted()[0], SECRET)
        assert body["event_id"] == event["event_id"] and body["type"] == "case.assigned"
        assert body["payload"]["case_no"] == "平检刑诉〔2026〕5号" and body["title"].startswith("新案件分配")
        # Backoff: the attempts are spaced, each gap at least the base delay.
        times = [a["at"] for a in record["attempt_log"]]
        assert all((later - earlier).total_seconds() >= 0.15 for earlier, later in zip(times, times[1:]))
        listed = rpc("list_deliveries", query={"status": "delivered"})["items"]
        assert [d["id"] for d in listed] == [record["_id"]] and listed[0]["attempts"] == 4
        time.sleep(0.5)
        assert db.deliveries.count_documents({"channel": "webhook"}) == 1 and len(receiver.accepted()) == 1
    finally:
        receiver.stop()


def test_a_webhook_failing_past_the_limit_is_marked_failed_while_other_channels_go_on(
        start, rpc, smtp, rabbit_config):
    receiver = WebhookReceiver(statuses=[500] * 10).start()
    try:
        db = start(SMTP_URL=smtp.url, NOTIFY_MAX_ATTEMPTS=3)
        project(db, rabbit_config, user_event("user.created", "u-li"))
        rpc("create_webhook", body={"url": receiver.url, "events": ["case.assigned"], "secret": SECRET})
        event = assigned_event()
        publish(rabbit_config, "cases", event)
        failed = wait_for(lambda: rpc("list_deliveries", query={"status": "failed"})["items"], timeout=15,
                          message="failed delivery")
        assert failed[0]["channel"] == "webhook" and failed[0]["reason"] == "retries_exhausted"
        assert failed[0]["attempts"] == 3 and failed[0]["error"] == "HTTP 500"
        assert len(smtp.to("li@jcy.example")) == 1  # the e-mail went meanwhile
        assert db.notifications.count_documents({"event_id": event["event_id"]}) == 1
    finally:
        receiver.stop()


def test_only_admin_reads_deliveries_and_creates_webhooks(start, rpc):
    from kit.errors import Forbidden
    db = start()
    prosecutor = {"user_id": "u-li", "roles": ["prosecutor"], "department": "criminal"}
    with pytest.raises(Forbidden):
        rpc("list_deliveries", actor=prosecutor, query={})
    with pytest.raises(Forbidden):
        rpc("create_webhook", actor=prosecutor, body={"url": "http://127.0.0.1:1/h", "events": ["case.assigned"],
                                                      "secret": SECRET})
    assert db.webhooks.count_documents({}) == 0


def test_a_daily_digest_holds_non_critical_mail_until_its_hour_then_sends_one_message(
        start, rpc, smtp, rabbit_config):
    db = start(SMTP_URL=smtp.url)
    project(db, rabbit_config, user_event("user.created", "u-li"))
    li = {"user_id": "u-li", "roles": ["prosecutor"], "department": "criminal"}
    assert rpc("set_preferences", actor=li, body={"digest_hour": 18})["digest_hour"] == 18
    events = [assigned_event(), assigned_event()]
    for event in events:
        publish(rabbit_config, "cases", event)
    wait_for(lambda: db.deliveries.count_documents({"digest": True, "status": "queued"}) == 2, message="held")
    time.sleep(0.5)
    assert smtp.messages() == []  # not before the hour
    # The hour comes (what the clock would do by itself at 18:00 Asia/Shanghai).
    db.deliveries.update_many({"digest": True}, {"$set": {"next_attempt_at": db.deliveries.find_one()["created_at"]}})
    [mail] = wait_for(lambda: smtp.messages(), message="the digest")
    assert mail["Subject"] == "智慧平检每日提醒汇总（2 条）"
    assert mail.get_content().count("新案件分配：平检刑诉〔2026〕5号") == 2
    wait_for(lambda: db.deliveries.count_documents({"digest": True, "status": "sent"}) == 2, message="both sent")
    time.sleep(0.5)
    assert len(smtp.messages()) == 1


def test_a_delivery_claimed_by_a_sender_that_died_is_sent_once_after_its_lease(start, smtp, rabbit_config):
    from datetime import timedelta

    from kit import clock
    from services.notifications import domain, rules
    from services.notifications.recipients import Directory
    db = start(SMTP_URL=smtp.url)
    project(db, rabbit_config, user_event("user.created", "u-li"))
    event = assigned_event()
    _, [record] = domain.plan(event, rules.rule_for("case.assigned"), Directory([]), lambda _: None, [],
                              clock.now(), email_enabled=True)
    # Claimed by a sender that died before it could settle (it may or may not have sent it).
    record.update(owner="dead-host:1:deadbeef:0001", lease_until=clock.now() + timedelta(seconds=2), attempts=1)
    db.deliveries.insert_one(record)
    time.sleep(1)
    assert smtp.messages() == []  # still the dead sender's while its lease runs
    [mail] = wait_for(lambda: smtp.messages(), timeout=10, message="sent after the lease")
    assert mail["X-Pingjian-Delivery"] == record["_id"]
    done = wait_for(lambda: db.deliveries.find_one({"_id": record["_id"], "status": "sent"}), message="settled")
    assert done["attempts"] == 2
    time.sleep(0.5)
    assert len(smtp.messages()) == 1
