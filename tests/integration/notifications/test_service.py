"""The notifications service consuming real events from RabbitMQ."""
import time
import uuid
from datetime import timedelta

import pytest

from contracts.envelope import build_event
from kit import clock
from kit.parked import queue_depth
from services.notifications.service import NotificationsService
from tests.support.amqp import ASSIGNED_QUEUE, publish_event, queue_messages
from tests.support.waiting import wait_for

PARKED = ASSIGNED_QUEUE + ".parked"


def assigned_event(handler="u-pros"):
    return build_event("case.assigned", {"case_id": "c1", "case_no": "平检刑诉〔2026〕3号", "title": "王某洗钱案",
                                         "department": "criminal", "handler_id": handler,
                                         "previous_handler_id": None},
                       source="cases", aggregate_id="c1", correlation_id=uuid.uuid4().hex,
                       actor={"user_id": "u-head", "roles": ["department_head"], "department": "criminal"})


@pytest.fixture
def notifications(container_factory, service_config, service_db):
    container = container_factory(NotificationsService, service_config)
    container.start()
    return service_db("notifications")


def test_duplicate_delivery_of_one_event_yields_one_notification(notifications, rabbit_config):
    event = assigned_event()
    for _ in range(3):
        publish_event(rabbit_config["AMQP_URI"], "cases", event)
    wait_for(lambda: notifications.inbox_processed.count_documents({}) == 1, message="event processed")
    # Give the two duplicates time to be (not) processed as well.
    wait_for(lambda: queue_depth(rabbit_config["AMQP_URI"], ASSIGNED_QUEUE) == 0, message="queue drained")
    time.sleep(0.5)  # an emptied queue can still have a message in flight (delivered, not yet acked)
    assert notifications.notifications.count_documents({}) == 1
    note = notifications.notifications.find_one()
    assert note["recipient_id"] == "u-pros" and "平检刑诉〔2026〕3号" in note["title"]


def test_distinct_events_each_notify(notifications, rabbit_config):
    for handler in ("u-a", "u-b"):
        publish_event(rabbit_config["AMQP_URI"], "cases", assigned_event(handler))
    wait_for(lambda: notifications.notifications.count_documents({}) == 2, message="two notifications")


def test_an_event_breaking_its_contract_is_parked_not_lost(notifications, rabbit_config):
    bad = assigned_event()
    del bad["payload"]["handler_id"]
    publish_event(rabbit_config["AMQP_URI"], "cases", bad, routing_key="case.assigned")
    parked = wait_for(lambda: queue_messages(rabbit_config["AMQP_URI"], PARKED), message="parked event")
    assert parked[0].payload["event_id"] == bad["event_id"]
    assert "ContractViolation" in parked[0].headers["x-parked-reason"]
    assert notifications.notifications.count_documents({}) == 0



def test_processed_ids_older_than_the_retention_window_are_purged_recent_ones_kept(notifications, rabbit_config):
    notifications.inbox_processed.insert_many([
        {"_id": "old", "event_id": "old", "processed_at": clock.now() - timedelta(days=31)},
        {"_id": "recent", "event_id": "recent", "processed_at": clock.now() - timedelta(days=29)}])
    publish_event(rabbit_config["AMQP_URI"], "cases", assigned_event())
    # The first handled event triggers the first retention check (then once per RETENTION_CHECK_SECONDS).
    wait_for(lambda: notifications.inbox_processed.find_one({"_id": "old"}) is None, message="old id purged")
    assert notifications.inbox_processed.find_one({"_id": "recent"}) is not None
    assert notifications.inbox_processed.count_documents({}) == 2  # "recent" and the event just handled


def test_a_clash_on_the_notifications_own_unique_index_parks_the_event_instead_of_dropping_it(
        notifications, rabbit_config):
    event = assigned_event()
    # The notification exists but the inbox holds no record of the event (e.g. it was purged after
    # INBOX_RETENTION_DAYS): the clash is the handler's failure, not proof the event was processed.
    notifications.notifications.insert_one({"_id": "earlier", "event_id": event["event_id"],
                                            "recipient_id": "u-pros", "channel": "in_app"})
    publish_event(rabbit_config["AMQP_URI"], "cases", event)
    parked = wait_for(lambda: queue_messages(rabbit_config["AMQP_URI"], PARKED), timeout=15, message="parked event")
    assert parked[0].payload["event_id"] == event["event_id"]
    assert "E11000" in parked[0].headers["x-parked-reason"]  # the business index clash
    assert notifications.inbox_processed.count_documents({}) == 0


def test_a_v1_consumer_handles_an_event_carrying_fields_it_does_not_know_yet(notifications, rabbit_config):
    event = assigned_event()
    # A newer cases service added optional fields: to the envelope, its actor and the payload.
    newer = {**event, "schema_hint": "case.assigned/1.1", "actor": {**event["actor"], "display_name": "王主任"},
             "payload": {**event["payload"], "priority": "urgent", "deadline": "2026-12-01"}}
    publish_event(rabbit_config["AMQP_URI"], "cases", newer)
    wait_for(lambda: notifications.notifications.count_documents({}) == 1, message="notification")
    note = notifications.notifications.find_one()
    assert note["event_id"] == event["event_id"] and note["recipient_id"] == "u-pros"
    assert queue_depth(rabbit_config["AMQP_URI"], PARKED) == 0
