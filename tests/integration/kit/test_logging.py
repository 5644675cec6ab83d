"""The correlation id in a service's own JSON log lines, for RPCs into a real container."""
import json
import logging

import eventlet
import pytest
from nameko.standalone.rpc import ServiceRpcProxy

from kit.logging import CorrelationFilter, JsonFormatter
from services.notifications.service import NotificationsService

ACTOR = {"user_id": "u-li", "roles": ["prosecutor"], "department": "criminal"}


class JsonLines(logging.Handler):
    """Formats records exactly as the services' stdout handler does (config.yml) and keeps them."""

    def __init__(self):
        super().__init__()
        self.setFormatter(JsonFormatter())
        self.addFilter(CorrelationFilter())
        self.lines = []

    def emit(self, record):
        self.lines.append(json.loads(self.format(record)))


@pytest.fixture
def log_lines():
    root, handler = logging.getLogger(), JsonLines()
    level = root.level
    root.addHandler(handler)
    root.setLevel(logging.INFO)
    yield handler.lines
    root.removeHandler(handler)
    root.setLevel(level)


def call_list_my_notifications(config, correlation_id):
    with ServiceRpcProxy("notifications", config,
                         context_data={"correlation_id": correlation_id, "actor": ACTOR}) as notifications:
        return notifications.list_my_notifications(query={})


def test_each_calls_log_line_carries_its_own_correlation_id_even_when_calls_overlap(
        container_factory, service_config, log_lines):
    container_factory(NotificationsService, service_config).start()
    calls = [eventlet.spawn(call_list_my_notifications, service_config, f"req-{n}") for n in range(3)]
    assert [call.wait() for call in calls] == [{"items": [], "next_cursor": None}] * 3

    handled = [line for line in log_lines if line["message"] == "handled notifications.list_my_notifications"]
    assert sorted(line["correlation_id"] for line in handled) == ["req-0", "req-1", "req-2"]
    assert all(line["logger"] == "pingjian.worker" and line["user_id"] == "u-li" and line["outcome"] == "ok"
               and line["level"] == "INFO" for line in handled)
