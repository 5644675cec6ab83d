"""ops.broker starts a private RabbitMQ node under var/ when nothing answers at the default address.

Real rabbitmq-server, real AMQP: the node starts with its own name, ports and
data directory, serves AMQP, stops with the platform, and the next start finds
its data again. The system node (rabbit@…, 5672, epmd) is left alone.
"""
import os
import time
from pathlib import Path

import pytest
from kombu import Connection, Exchange, Queue

from ops.broker import ensure_broker, find_rabbitmq_server, search_path
from ops.launcher import broker_reachable, free_port

pytestmark = [pytest.mark.processes, pytest.mark.skipif(not find_rabbitmq_server(search_path(os.environ)),
                                                    reason="needs rabbitmq-server installed")]

SYSTEM_BROKER = "pyamqp://guest:guest@127.0.0.1:5672/"


def reachable(uri):
    try:
        broker_reachable(uri, timeout=2)
        return True
    except ConnectionError:
        return False


def pid_alive(pid):
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    with open(f"/proc/{pid}/stat") as stat:  # a zombie is gone too
        return stat.read().split()[2] != "Z"


@pytest.mark.timeout(150)
def test_a_private_node_starts_under_var_serves_amqp_stops_and_keeps_its_data(tmp_path):
    var = tmp_path / "var"
    port, dist_port = free_port(), free_port()
    environ = {"PATH": os.environ.get("PATH", ""), "PINGJIAN_RABBITMQ_PORT": str(port),
               "PINGJIAN_RABBITMQ_DIST_PORT": str(dist_port)}
    nothing_there = f"pyamqp://guest:guest@127.0.0.1:{free_port()}/"
    system_was_up = reachable(SYSTEM_BROKER)
    queue = Queue("pingjian-kept", Exchange("pingjian-kept", "direct", durable=True), "kept", durable=True)
    said = []

    first = ensure_broker(environ, var, var / "log", default_uri=nothing_there, say=said.append)
    try:
        assert first.node is not None and first.uri == f"pyamqp://guest:guest@127.0.0.1:{port}/"
        assert said and "private node" in said[0] and "guest:guest@" not in said[0]
        data_dir = first.node.data_dir
        assert data_dir.is_dir() and var in data_dir.parents
        with Connection(first.uri) as connection:
            producer = connection.Producer()
            producer.publish({"kept": True}, exchange=queue.exchange, routing_key="kept", declare=[queue],
                             delivery_mode=2)
        beam_pid = int(Path(first.node.pid_file).read_text().strip())
        assert pid_alive(beam_pid)
        # No management plugin (it would fight the system node for 15672).
        assert (var / "rabbitmq" / "enabled_plugins").read_text().strip() == "[]."
    finally:
        first.stop()
    assert not reachable(first.uri), "the private node still answers after stop"
    deadline = time.monotonic() + 10
    while pid_alive(beam_pid) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not pid_alive(beam_pid), "the private node's Erlang VM outlived stop()"

    second = ensure_broker(environ, var, var / "log", default_uri=nothing_there, say=said.append)
    try:
        assert second.node.data_dir == data_dir
        with Connection(second.uri) as connection:
            message = queue(connection.default_channel).get(no_ack=True)
            assert message is not None and message.payload == {"kept": True}, "the node lost its data"
    finally:
        second.stop()
    assert not reachable(second.uri)
    if system_was_up:
        assert reachable(SYSTEM_BROKER), "the system RabbitMQ was disturbed"
