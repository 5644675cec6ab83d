"""Test-side broker helpers: a queue bound to an event exchange, and raw publishing."""
from kombu import Connection, Producer, Queue
from nameko.standalone.events import get_event_exchange


class Tap:
    """A queue bound to ``<service>.events`` that collects what is published there."""

    def __init__(self, amqp_uri, service, routing_key="#"):
        self.connection = Connection(amqp_uri)
        self.queue = Queue(f"tap-{service}-{id(self)}", exchange=get_event_exchange(service, {}),
                           routing_key=routing_key, auto_delete=True)
        self.queue(self.connection.default_channel).declare()

    def drain(self):
        return _take_all(self.queue(self.connection.default_channel))

    def close(self):
        self.connection.release()


def publish_event(amqp_uri, service, envelope, routing_key=None):
    with Connection(amqp_uri, transport_options={"confirm_publish": True}) as connection:
        exchange = get_event_exchange(service, {})
        producer = Producer(connection.default_channel)
        producer.publish(envelope, exchange=exchange, routing_key=routing_key or envelope["type"],
                         serializer="json", delivery_mode=2, declare=[exchange], retry=True)


def queue_messages(amqp_uri, queue_name):
    with Connection(amqp_uri) as connection:
        return _take_all(Queue(queue_name, no_declare=True)(connection.default_channel))


def ready_count(amqp_uri, queue_name):
    """How many messages wait in ``queue_name`` for a consumer (the broker's count, current: not the
    management API's sampled statistics)."""
    with Connection(amqp_uri) as connection:
        return connection.default_channel.queue_declare(queue_name, passive=True).message_count


def _take_all(bound_queue):
    messages = []
    while (message := bound_queue.get(no_ack=True)) is not None:
        messages.append(message)
    return messages


ASSIGNED_QUEUE = "evt-cases-case.assigned--notifications.on_case_assigned"
