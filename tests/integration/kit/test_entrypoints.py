"""kit.entrypoints (@command, @query) and kit.events.consumes in real containers over real RabbitMQ."""
import eventlet
import pytest
from marshmallow import Schema, fields
from nameko.standalone.rpc import ServiceRpcProxy

from contracts.envelope import build_event
from kit.entrypoints import command, query
from kit.errors import Unauthorized, ValidationFailed
from kit.events import Inbox, consumes
from kit.storage import Storage, Store
from tests.support.amqp import publish_event
from tests.support.waiting import wait_for

calls = []
ACTOR = {"user_id": "u1", "roles": ["prosecutor"], "department": "criminal"}


class Greeting(Schema):
    name = fields.String(required=True)


class Reply(Schema):
    text = fields.String()
    by = fields.String()


class Greeter:
    name = "greeter"

    @command(body=Greeting, response=Reply)
    def greet(self, actor, body):
        calls.append(body)
        return {"text": f"你好，{body['name']}", "by": actor.user_id, "secret": "not in the contract"}

    @query(response=Reply, public=True)
    def nobody(self):
        return None


def call(config, method, actor=ACTOR, **kwargs):
    with ServiceRpcProxy("greeter", config, context_data={"actor": actor} if actor else {}) as proxy:
        return getattr(proxy, method)(**kwargs)


def test_a_command_gets_its_actor_and_loaded_body_and_answers_in_its_contract(container_factory, service_config):
    container_factory(Greeter, service_config).start()
    assert call(service_config, "greet", body={"name": "李"}) == {"text": "你好，李", "by": "u1"}
    assert call(service_config, "nobody", actor=None) is None


def test_no_actor_or_a_bad_body_never_reaches_the_method(container_factory, service_config):
    container_factory(Greeter, service_config).start()
    calls.clear()
    with pytest.raises(Unauthorized):
        call(service_config, "greet", actor=None, body={"name": "李"})
    with pytest.raises(ValidationFailed) as refused:
        call(service_config, "greet", body={"nom": "李"})
    assert set(refused.value.fields) == {"name", "nom"}
    assert calls == []


class Forgetful:
    """Consumes an event but keeps no inbox: it cannot be idempotent, so it must not start."""
    name = "forgetful"
    store = Storage(Store)

    @consumes("cases", "case.assigned")
    def on_assigned(self, event, session):
        pass


def test_a_consumer_without_an_inbox_does_not_start(container_factory, service_config):
    with pytest.raises(TypeError, match="inbox"):
        container_factory(Forgetful, service_config).start()


class Counter:
    name = "counter"
    store = Storage(Store)
    inbox = Inbox()

    @consumes("cases", "case.assigned")
    def on_assigned(self, event, session):
        self.store.db.seen.insert_one({"event_id": event["event_id"], "case": event["payload"]["case_id"]},
                                      session=session)


def test_a_consumer_runs_once_per_event_inside_its_inbox_transaction(container_factory, service_config, service_db,
                                                                     rabbit_config):
    container_factory(Counter, service_config).start()
    envelope = build_event("case.assigned", {"case_id": "c1", "case_no": "N-1", "title": "T", "department": "criminal",
                                             "handler_id": "u2", "previous_handler_id": None},
                           source="cases", aggregate_id="c1", correlation_id="corr", actor=ACTOR)
    for _ in range(3):
        publish_event(rabbit_config["AMQP_URI"], "cases", envelope)
    seen = service_db("counter")
    wait_for(lambda: seen.inbox_processed.count_documents({}) == 1, message="the event processed")
    wait_for(lambda: seen.seen.count_documents({}) == 1, message="its effect")
    eventlet.sleep(1)
    assert seen.seen.count_documents({}) == 1 and seen.inbox_processed.count_documents({}) == 1
