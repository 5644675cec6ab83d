"""Ops tool for parked events: ``python -m kit.parked count|replay <queue>``.

An event a handler could not process after EVENT_MAX_ATTEMPTS (or that broke
its contract) waits in ``<queue>.parked``. Once the cause is fixed,
``replay`` moves every parked message back to ``<queue>``, with a fresh count
of attempts (the dead-letter and parking headers are dropped), publishing
each with a confirm before acknowledging it: nothing is lost on the way.
Consumers are idempotent, so replaying an event that did get processed is
harmless. Uses AMQP_URI like the services.
"""
import os
import sys

from kombu import Connection, Queue

from kit.events import ATTEMPTS_HEADER, BROKER_HEADERS, copy_to_queue

_DROPPED_HEADERS = (*BROKER_HEADERS, ATTEMPTS_HEADER, "x-parked-reason", "x-parked-attempts")


def queue_depth(amqp_uri, queue_name):
    """Messages ready in a queue (a delivered but unacknowledged one is not counted)."""
    with Connection(amqp_uri) as connection:
        _, count, _ = Queue(queue_name, no_declare=True)(connection.default_channel).queue_declare(passive=True)
        return count


def parked_count(amqp_uri, queue_name):
    return queue_depth(amqp_uri, f"{queue_name}.parked")


def replay(amqp_uri, queue_name):
    """Move every message of ``<queue>.parked`` back to ``<queue>``; returns how many moved."""
    moved = 0
    with Connection(amqp_uri) as connection:
        parked = Queue(f"{queue_name}.parked", no_declare=True)(connection.default_channel)
        while True:
            message = parked.get(no_ack=False)
            if message is None:
                return moved
            headers = {k: v for k, v in (message.headers or {}).items() if k not in _DROPPED_HEADERS}
            copy_to_queue(amqp_uri, message, queue_name, headers)
            message.ack()  # only after the broker confirmed the copy
            moved += 1


def main(argv):
    if len(argv) != 3 or argv[1] not in ("count", "replay"):
        print("usage: python -m kit.parked count|replay <handler queue, e.g. "
              "evt-cases-case.assigned--notifications.on_case_assigned>", file=sys.stderr)
        return 2
    amqp_uri = os.environ.get("AMQP_URI", "pyamqp://guest:guest@127.0.0.1:5672/")
    if argv[1] == "count":
        print(parked_count(amqp_uri, argv[2]))
    else:
        print(f"replayed {replay(amqp_uri, argv[2])} event(s) to {argv[2]}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
