"""The event envelope, version 1, and the registry of event payload schemas.

Producers call ``build_event`` (the payload is validated before it reaches
the outbox); consumers call ``parse_event`` (validated again on receipt).

Producers are strict, consumers tolerant: ``build_event`` refuses a field the
payload schema does not declare, ``parse_event`` ignores one (in the envelope,
its actor and the payload). So a producer may add an optional field to an
event version while consumers still run the code that predates it; removing,
renaming or retyping a field needs a new version.
"""
import sys
import uuid

from marshmallow import Schema, ValidationError, fields

from contracts import enums
from contracts.fields import code, ignoring_unknown, uuid_string
from kit import clock

ENVELOPE_VERSION = 1

# (event type, payload version) -> payload schema class; filled by the
# per-service event modules via ``register``.
_PAYLOADS = {}


def register(event_type, version, *, source=None):
    """Register a payload schema for one event type and version. The producing service is
    ``source``, or else the ``SOURCE`` of the schema's module (one module per producer and
    version, ``contracts/events/<service>_v<n>.py``); the event catalogue names it.

    A payload schema carries an ``example`` (a payload its own schema loads): the catalogue shows
    it and the contract tests build and parse an event from it."""
    def decorate(schema_cls):
        producer = source or getattr(sys.modules.get(schema_cls.__module__), "SOURCE", None)
        if not producer:
            raise ValueError(f"event {event_type} v{version}: no producer (set SOURCE in "
                             f"{schema_cls.__module__} or pass source=)")
        for (known_type, known_version), known in _PAYLOADS.items():
            # One type, one producer: the type is the routing key on the producer's exchange.
            if known_type == event_type and (known_version == version or known.event_source != producer):
                raise ValueError(f"event {event_type} v{version} is already registered "
                                 f"by {known.__module__}.{known.__name__}")
        _PAYLOADS[(event_type, version)] = schema_cls
        schema_cls.event_type = event_type
        schema_cls.event_version = version
        schema_cls.event_source = producer
        return schema_cls
    return decorate


_INSTANCES = {}


def payload_schema(event_type, version, *, tolerant=False):
    """The (shared, stateless) schema instance for one event type and version: strict for
    producers, ``tolerant`` (unknown fields dropped) for consumers."""
    key = (event_type, version, tolerant)
    if key not in _INSTANCES:
        try:
            schema = _PAYLOADS[(event_type, version)]()
        except KeyError:
            raise ValidationError(f"未知的事件类型或版本：{event_type} v{version}", field_name="type") from None
        _INSTANCES[key] = ignoring_unknown(schema) if tolerant else schema
    return _INSTANCES[key]


def registered_events():
    return sorted(_PAYLOADS.items())


# Field descriptions (zh-CN) are shown by the event catalogue: AsyncAPI, docs/events.md, /docs/events.
class ActorSchema(Schema):
    user_id = fields.String(required=True, metadata={"description": "用户编号"})
    roles = fields.List(code(enums.ROLES), required=True, metadata={"description": "角色代码"})
    department = code(enums.DEPARTMENTS, required=True, allow_none=True, metadata={"description": "部门代码"})


class EnvelopeSchema(Schema):
    event_id = uuid_string(required=True, metadata={
        "description": "事件编号（UUID），每个事件唯一；消费者据此去重"})
    type = fields.String(required=True, metadata={"description": "事件类型，即路由键，如 case.assigned"})
    version = fields.Integer(required=True, strict=True, metadata={"description": "载荷（payload）的版本号"})
    occurred_at = fields.String(required=True, metadata={"description": "变更提交的时间（UTC，ISO-8601，以 Z 结尾）"})
    source = fields.String(required=True, metadata={"description": "发布事件的服务"})
    aggregate_id = fields.String(required=True, metadata={
        "description": "事件所涉实体的编号；同一实体的事件按提交顺序发布"})
    aggregate_version = fields.Integer(strict=True, allow_none=True, load_default=None, metadata={
        "description": "变更后该实体的版本号，消费者可据此识别过期或乱序的事件；此前写入的事件没有"})
    correlation_id = fields.String(required=True, metadata={"description": "引起该事件的 HTTP 请求的 X-Request-ID"})
    actor = fields.Nested(ActorSchema, required=True, allow_none=True, metadata={
        "description": "引起该事件的用户；无用户时为 null"})
    payload = fields.Dict(required=True, metadata={"description": "载荷，结构由事件类型和版本决定"})


_CONSUMER_ENVELOPE = ignoring_unknown(EnvelopeSchema())


def build_event(event_type, payload, *, source, aggregate_id, correlation_id, actor, version=1,
                aggregate_version=None):
    """Return a JSON-ready envelope; raises ValidationError if the payload breaks its contract."""
    schema = payload_schema(event_type, version)
    schema.load(payload)
    envelope = {
        "event_id": str(uuid.uuid4()),
        "type": event_type,
        "version": version,
        "occurred_at": clock.now().isoformat(timespec="milliseconds").replace("+00:00", "Z"),
        "source": source,
        "aggregate_id": aggregate_id,
        "aggregate_version": aggregate_version,
        "correlation_id": correlation_id,
        "actor": actor,
        "payload": payload,
    }
    # The envelope is assembled here from validated parts; consumers validate it whole on receipt.
    return envelope


def parse_event(body, expected_type=None):
    """Validate an envelope and its payload, ignoring fields this code does not know yet;
    returns the envelope with the payload loaded."""
    if not isinstance(body, dict):
        raise ValidationError("事件必须是 JSON 对象")
    envelope = _CONSUMER_ENVELOPE.load(body)
    if expected_type and envelope["type"] != expected_type:
        raise ValidationError(f"期望事件 {expected_type}，收到 {envelope['type']}", field_name="type")
    schema = payload_schema(envelope["type"], envelope["version"], tolerant=True)
    envelope["payload"] = schema.load(envelope["payload"])
    return envelope
