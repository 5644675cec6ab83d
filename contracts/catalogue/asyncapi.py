"""The AsyncAPI 3.0 document of every event: one channel per event type (the routing key on
its producer's exchange), one message per payload version, a ``send`` operation for the producer
and a ``receive`` operation per consuming handler (with its queue).

Payload schemas come from the marshmallow schemas the producers validate with (apispec's
marshmallow plugin, in its OpenAPI 3.1 mode, which writes plain JSON Schema: ``"type": ["string",
"null"]`` rather than OpenAPI 3.0's ``nullable``)."""
from apispec import APISpec
from apispec.ext.marshmallow import MarshmallowPlugin
from nameko.standalone.events import get_event_exchange

import contracts.events  # noqa: F401  (registers every payload schema)
from contracts import enums
from contracts.catalogue import discovery
from contracts.catalogue.examples import example_envelope, missing_example
from contracts.envelope import ENVELOPE_VERSION, EnvelopeSchema, registered_events

ASYNCAPI_VERSION = "3.0.0"
AMQP_BINDING = "0.3.0"
HEADERS = "AmqpHeaders"
# Specification extensions (x-...) this document adds, for readers and the renderers.
X_SERVICE, X_QUEUE, X_SCHEMA, X_ENUM, X_VERSION = ("x-pingjian-service", "x-pingjian-queue", "x-pingjian-schema",
                                                    "x-pingjian-enum", "x-pingjian-version")

_AMQP_HEADERS = {
    "type": "object",
    "description": "AMQP 消息头：nameko 的调用上下文，消费者的处理过程因此与 RPC 调用者共享同一上下文",
    "properties": {
        "nameko.correlation_id": {"type": "string", "description": "同信封中的 correlation_id"},
        "nameko.actor": {"description": "同信封中的 actor（无用户时不带此头）",
                         "allOf": [{"$ref": "#/components/schemas/Actor"}]},
    },
    "required": ["nameko.correlation_id"],
}


def payload_component(event_type, version):
    return f"{event_type}.v{version}"


def problems(consumers=None):
    """What keeps the catalogue from telling the whole truth: payload schemas without an example,
    handlers of events that no producer registers. The generator refuses to write docs/events.md
    while there are any, and the tests fail; the gateway still serves what it can."""
    consumers = discovery.consumers() if consumers is None else consumers
    producers = {event_type: cls.event_source for (event_type, _), cls in registered_events()}
    return ([f"{cls.__module__}.{cls.__name__} ({event_type} v{version}) has no example"
             for (event_type, version), cls in registered_events() if missing_example(cls)] +
            [f"{c.name} handles {c.source}/{c.event_type}, which no producer registers"
             for c in consumers if producers.get(c.event_type) != c.source])


def build(consumers=None):
    """The document; ``consumers`` defaults to the handlers of every service of the platform."""
    events = registered_events()
    consumers = discovery.consumers() if consumers is None else consumers
    document = {
        "asyncapi": ASYNCAPI_VERSION,
        "info": {"title": "智慧平检 Pingjian 事件目录", "version": f"{ENVELOPE_VERSION}.0.0",
                 "description": "各服务经 RabbitMQ 发布的领域事件：信封（版本 "
                                f"{ENVELOPE_VERSION}）、载荷结构、发布者与消费队列。由事件注册表生成。"},
        "defaultContentType": "application/json",
        "servers": {"rabbitmq": {
            "host": "{host}", "protocol": "amqp", "protocolVersion": "0.9.1",
            "description": "RabbitMQ；地址与虚拟主机见 AMQP_URI",
            "variables": {"host": {"default": "127.0.0.1:5672"}}}},
        "channels": {}, "operations": {},
        "components": {"schemas": _schemas(events), "messages": {}},
    }
    document["components"]["schemas"][HEADERS] = _AMQP_HEADERS
    by_type = {}
    for (event_type, version), cls in events:
        by_type.setdefault(event_type, []).append(cls)
    for event_type, classes in by_type.items():
        _add_channel(document, event_type, classes,
                     [c for c in consumers if c.event_type == event_type and c.source == classes[0].event_source])
    return document


def _schemas(events):
    spec = APISpec(title="events", version="1", openapi_version="3.1.0", plugins=[MarshmallowPlugin()])
    spec.components.schema("Envelope", schema=EnvelopeSchema)
    for (event_type, version), cls in events:
        spec.components.schema(payload_component(event_type, version), schema=cls)
    schemas = spec.to_dict()["components"]["schemas"]
    _tolerant(schemas)
    _name_enums(schemas)
    return schemas


def _tolerant(node):
    """Drop ``additionalProperties: false``: producers send only declared fields, but consumers
    must ignore unknown ones (a producer may add an optional field within a version), so the
    document does not tell a consumer to refuse them."""
    if isinstance(node, dict):
        if node.get("additionalProperties") is False:
            del node["additionalProperties"]
        for value in node.values():
            _tolerant(value)
    elif isinstance(node, list):
        for value in node:
            _tolerant(value)


def _name_enums(node):
    """Mark a field whose allowed values are the codes of a registered enum with that enum's name
    (``GET /v1/meta/enums`` gives the zh-CN labels)."""
    if isinstance(node, dict):
        values = node.get("enum")
        if values:
            codes = {value for value in values if value is not None}
            name = next((name for name, labels in enums.ALL.items() if set(labels) == codes), None)
            if name:
                node[X_ENUM] = name
        for value in node.values():
            _name_enums(value)
    elif isinstance(node, list):
        for value in node:
            _name_enums(value)


def _add_channel(document, event_type, classes, consumers):
    source = classes[0].event_source
    exchange = get_event_exchange(source, {})
    channel_ref = {"$ref": f"#/channels/{event_type}"}
    messages = {}
    for cls in classes:
        name = payload_component(event_type, cls.event_version)
        document["components"]["messages"][name] = _message(cls)
        messages[name] = {"$ref": f"#/components/messages/{name}"}
    title = getattr(getattr(classes[-1], "Meta", None), "title", event_type)
    document["channels"][event_type] = {
        "address": event_type, "title": title,
        "description": f"交换机 {exchange.name}（{exchange.type}），路由键 {event_type}",
        "servers": [{"$ref": "#/servers/rabbitmq"}],
        "messages": messages,
        "bindings": {"amqp": {"is": "routingKey", "bindingVersion": AMQP_BINDING,
                              "exchange": {"name": exchange.name, "type": exchange.type,
                                           "durable": bool(exchange.durable),
                                           "autoDelete": bool(exchange.auto_delete)}}},
    }
    channel_messages = [{"$ref": f"#/channels/{event_type}/messages/{name}"} for name in messages]
    document["operations"][f"{source}.publish.{event_type}"] = {
        "action": "send", "channel": channel_ref, "messages": channel_messages,
        "title": f"{source} 发布 {event_type}",
        "summary": "经事务发件箱（outbox）发布：持久化、publisher confirm、mandatory",
        X_SERVICE: source,
        "bindings": {"amqp": {"deliveryMode": 2, "mandatory": True, "bindingVersion": AMQP_BINDING}},
    }
    for consumer in consumers:
        operation = {
            "action": "receive", "channel": channel_ref, "messages": channel_messages,
            "title": f"{consumer.name} 处理 {event_type}",
            "summary": f"队列 {consumer.queue}",
            X_SERVICE: consumer.service, X_QUEUE: consumer.queue,
            "bindings": {"amqp": {"ack": True, "bindingVersion": AMQP_BINDING}},
        }
        if consumer.reliable:
            operation["description"] = (f"处理失败的事件经 {consumer.queue}.retry 延迟重试；"
                                        f"多次失败或不符合契约的事件暂存于 {consumer.queue}.parked")
        document["operations"][consumer.name] = operation


def _message(cls):
    name = payload_component(cls.event_type, cls.event_version)
    meta = getattr(cls, "Meta", None)
    message = {
        "name": cls.event_type,
        "title": f"{cls.event_type} v{cls.event_version}",
        "contentType": "application/json",
        "headers": {"$ref": f"#/components/schemas/{HEADERS}"},
        "correlationId": {"location": "$message.header#/nameko.correlation_id"},
        "payload": {"allOf": [
            {"$ref": "#/components/schemas/Envelope"},
            {"type": "object", "properties": {
                "type": {"const": cls.event_type}, "version": {"const": cls.event_version},
                "source": {"const": cls.event_source},
                "payload": {"$ref": f"#/components/schemas/{name}"}}},
        ]},
        "bindings": {"amqp": {"messageType": cls.event_type, "bindingVersion": AMQP_BINDING}},
        X_VERSION: cls.event_version,
        X_SCHEMA: f"{cls.__module__}.{cls.__name__}",
    }
    if not missing_example(cls):  # a gap problems() reports; the rest of the document still stands
        envelope = example_envelope(cls)
        message["examples"] = [{"name": "example", "summary": "示例",
                                "headers": {"nameko.correlation_id": envelope["correlation_id"],
                                            "nameko.actor": envelope["actor"]},
                                "payload": envelope}]
    if getattr(meta, "title", None):
        message["summary"] = meta.title
    if getattr(meta, "description", None):
        message["description"] = meta.description
    return message
