"""kit.events.reliable_event_handler: a failing handler's event is retried, then parked — never dropped."""
import uuid
from collections import Counter

from pymongo.errors import AutoReconnect

import kit.events
from kit.events import ATTEMPTS_HEADER, reliable_event_handler
from tests.support.amqp import publish_event, queue_messages
from tests.support.waiting import wait_for

calls = Counter()
FAILURES_BEFORE_SUCCESS = 2
broken = {"handler": False}  # a bug in the handler, fixed later by a deploy


class FlakyService:
    name = "flaky"

    @reliable_event_handler("src", "thing.happened")
    def handle(self, body):
        calls[body["id"]] += 1
        if broken["handler"] and body.get("needs_fix"):
            raise RuntimeError("handler bug")
        if body.get("needs_fix"):
            return
        if calls[body["id"]] <= body.get("database_down_for", 0):
            raise AutoReconnect("database unreachable")  # the environment's fault, not the event's
        if body.get("always_fail") or calls[body["id"]] <= FAILURES_BEFORE_SUCCESS:
            raise RuntimeError("transient failure")


QUEUE = "evt-src-thing.happened--flaky.handle"


def test_failed_event_is_retried_until_it_succeeds(container_factory, service_config, rabbit_config):
    container_factory(FlakyService, service_config).start()
    event_id = uuid.uuid4().hex
    publish_event(rabbit_config["AMQP_URI"], "src", {"id": event_id}, routing_key="thing.happened")
    wait_for(lambda: calls[event_id] == FAILURES_BEFORE_SUCCESS + 1, timeout=15, message="third attempt")
    assert queue_messages(rabbit_config["AMQP_URI"], QUEUE + ".parked") == []


def test_event_failing_every_attempt_is_parked_with_its_reason(container_factory, service_config, rabbit_config):
    container_factory(FlakyService, service_config).start()
    event_id = uuid.uuid4().hex
    publish_event(rabbit_config["AMQP_URI"], "src", {"id": event_id, "always_fail": True},
                  routing_key="thing.happened")
    parked = wait_for(lambda: queue_messages(rabbit_config["AMQP_URI"], QUEUE + ".parked"), timeout=15,
                      message="parked event")
    assert parked[0].payload["id"] == event_id
    assert parked[0].headers["x-parked-attempts"] == service_config["EVENT_MAX_ATTEMPTS"]
    assert calls[event_id] == service_config["EVENT_MAX_ATTEMPTS"]


def test_a_database_outage_never_counts_toward_parking(container_factory, service_config, rabbit_config):
    container_factory(FlakyService, service_config).start()
    event_id, max_attempts = uuid.uuid4().hex, service_config["EVENT_MAX_ATTEMPTS"]
    outage = max_attempts + 2  # longer than the attempts an event may use up
    publish_event(rabbit_config["AMQP_URI"], "src", {"id": event_id, "always_fail": True,
                                                      "database_down_for": outage}, routing_key="thing.happened")
    parked = wait_for(lambda: queue_messages(rabbit_config["AMQP_URI"], QUEUE + ".parked"), timeout=20,
                      message="parked event")
    # Parked only after max_attempts real failures, which began once the database was back.
    assert calls[event_id] == outage + max_attempts
    assert parked[0].headers["x-parked-attempts"] == max_attempts
    assert parked[0].headers[ATTEMPTS_HEADER] == max_attempts - 1


def test_parked_events_are_replayed_once_the_handler_is_fixed(container_factory, service_config, rabbit_config):
    from kit.parked import parked_count, replay
    container_factory(FlakyService, service_config).start()
    event_id = uuid.uuid4().hex
    broken["handler"] = True
    try:
        publish_event(rabbit_config["AMQP_URI"], "src", {"id": event_id, "needs_fix": True},
                      routing_key="thing.happened")
        wait_for(lambda: parked_count(rabbit_config["AMQP_URI"], QUEUE) == 1, timeout=15, message="parked")
    finally:
        broken["handler"] = False  # the fix is deployed
    attempts_while_broken = calls[event_id]
    assert replay(rabbit_config["AMQP_URI"], QUEUE) == 1
    wait_for(lambda: calls[event_id] == attempts_while_broken + 1, timeout=10, message="replayed event handled")
    assert parked_count(rabbit_config["AMQP_URI"], QUEUE) == 0


def test_an_event_that_cannot_be_parked_yet_is_delayed_not_lost_and_the_service_survives(
        container_factory, service_config, rabbit_config, monkeypatch):
    real_copy, refused = kit.events.copy_to_queue, []

    def parked_queue_unreachable_twice(amqp_uri, message, queue_name, headers):
        if queue_name.endswith(".parked") and len(refused) < 2:
            refused.append(queue_name)
            raise ConnectionError("broker refused the parked copy")
        return real_copy(amqp_uri, message, queue_name, headers)
    monkeypatch.setattr(kit.events, "copy_to_queue", parked_queue_unreachable_twice)

    container = container_factory(FlakyService, service_config)
    container.start()
    event_id = uuid.uuid4().hex
    publish_event(rabbit_config["AMQP_URI"], "src", {"id": event_id, "always_fail": True},
                  routing_key="thing.happened")
    parked = wait_for(lambda: queue_messages(rabbit_config["AMQP_URI"], QUEUE + ".parked"), timeout=20,
                      message="parked event")
    assert len(refused) == 2 and parked[0].payload["id"] == event_id
    # Each refused park sent the event round the retry queue once more: one more attempt each.
    assert calls[event_id] == service_config["EVENT_MAX_ATTEMPTS"] + 2
    assert not container._died.ready()
    later = uuid.uuid4().hex
    publish_event(rabbit_config["AMQP_URI"], "src", {"id": later}, routing_key="thing.happened")
    wait_for(lambda: calls[later] == FAILURES_BEFORE_SUCCESS + 1, timeout=15, message="a later event handled")
