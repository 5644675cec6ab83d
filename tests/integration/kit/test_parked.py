"""``python -m kit.parked count|replay <queue>`` as ops run it: a separate process on the broker."""
import os
import subprocess
import sys
from pathlib import Path

import pytest

from kit.events import ATTEMPTS_HEADER
from kit.parked import queue_depth
from services.notifications.service import NotificationsService
from tests.integration.notifications.test_service import PARKED, assigned_event
from tests.support.amqp import ASSIGNED_QUEUE, publish_event, queue_messages
from tests.support.waiting import wait_for

pytestmark = pytest.mark.processes  # starts processes of its own: not in make test-fast

REPO = Path(__file__).resolve().parents[3]


def parked_command(amqp_uri, *args):
    return subprocess.run([sys.executable, "-m", "kit.parked", *args], cwd=REPO, capture_output=True, text=True,
                          env={**os.environ, "AMQP_URI": amqp_uri}, timeout=60)


def test_count_then_replay_moves_a_parked_event_back_to_its_queue(container_factory, service_config,
                                                                    rabbit_config):
    amqp_uri = rabbit_config["AMQP_URI"]
    container = container_factory(NotificationsService, service_config)
    container.start()
    broken = assigned_event()
    del broken["payload"]["handler_id"]  # breaks the contract: parked at once
    publish_event(amqp_uri, "cases", broken, routing_key="case.assigned")
    wait_for(lambda: queue_depth(amqp_uri, PARKED) == 1, message="parked event")
    container.stop()  # no consumer: the replayed event stays in the queue for us to inspect

    counted = parked_command(amqp_uri, "count", ASSIGNED_QUEUE)
    assert (counted.returncode, counted.stdout) == (0, "1\n"), counted.stderr

    replayed = parked_command(amqp_uri, "replay", ASSIGNED_QUEUE)
    assert (replayed.returncode, replayed.stdout) == (0, f"replayed 1 event(s) to {ASSIGNED_QUEUE}\n"), replayed.stderr
    assert parked_command(amqp_uri, "count", ASSIGNED_QUEUE).stdout == "0\n"
    [back] = queue_messages(amqp_uri, ASSIGNED_QUEUE)
    assert back.payload["event_id"] == broken["event_id"]
    assert not {"x-parked-reason", "x-parked-attempts", ATTEMPTS_HEADER} & set(back.headers)  # a fresh start


def test_the_command_explains_its_usage_when_called_wrongly(rabbit_config):
    wrong = parked_command(rabbit_config["AMQP_URI"], "drop", ASSIGNED_QUEUE)
    assert wrong.returncode == 2 and "usage: python -m kit.parked count|replay" in wrong.stderr
