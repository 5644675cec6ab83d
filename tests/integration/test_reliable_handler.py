"""kit.events.reliable_event_handler: a failing handler's event is retried, then parked — never dropped."""
import uuid
from collections import Counter

from kit.events import reliable_event_handler
from tests.support.amqp import publish_event, queue_messages
from tests.support.waiting import wait_for

calls = Counter()
FAILURES_BEFORE_SUCCESS = 2


class FlakyService:
    name = "flaky"

    @reliable_event_handler("src", "thing.happened")
    def handle(self, body):
        calls[body["id"]] += 1
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
