"""The event envelope, version 1, and the registry of event payload schemas.

Producers call ``build_event`` (the payload is validated before it reaches
the outbox); consumers call ``parse_event`` (validated again on receipt).

Producers are strict, consumers tolerant: ``build_event`` refuses a field the
payload schema does not declare, ``parse_event`` ignores one (in the envelope,
its actor and the payload). So a producer may add an optional field to an
event version while consumers still run the code that predates it; removing,
renaming or retyping a field needs a new version.
"""
import uuid
from datetime import datetime, timezone

from marshmallow import Schema, ValidationError, fields

from contracts import enums
from contracts.fields import code, ignoring_unknown, uuid_string

ENVELOPE_VERSION = 1

# (event type, payload version) -> payload schema class; filled by the
# per-service event modules via ``register``.
_PAYLOADS = {}


def register(event_type, version):
    def decorate(schema_cls):
        _PAYLOADS[(event_type, version)] = schema_cls
        schema_cls.event_type = event_type
        schema_cls.event_version = version
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


class ActorSchema(Schema):
    user_id = fields.String(required=True)
    roles = fields.List(code(enums.ROLES), required=True)
    department = code(enums.DEPARTMENTS, required=True, allow_none=True)


class EnvelopeSchema(Schema):
    event_id = uuid_string(required=True)
    type = fields.String(required=True)
    version = fields.Integer(required=True, strict=True)
    occurred_at = fields.String(required=True)
    source = fields.String(required=True)
    aggregate_id = fields.String(required=True)
    # The aggregate's version after the change; absent in events written before it existed.
    aggregate_version = fields.Integer(strict=True, allow_none=True, load_default=None)
    correlation_id = fields.String(required=True)
    actor = fields.Nested(ActorSchema, required=True, allow_none=True)
    payload = fields.Dict(required=True)


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
        "occurred_at": datetime.now(timezone.utc).isoformat(timespec="milliseconds").replace("+00:00", "Z"),
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
