"""Example envelopes, built by ``build_event`` from each payload schema's ``example``.

The random and time-dependent parts are then fixed, so a generated document is the same on every
run (tests compare the committed docs/events.md with a fresh one)."""
import uuid

from contracts.envelope import build_event

_NAMESPACE = uuid.UUID("8c5e6a52-3f0b-4a7e-9d1c-2b6f4e8a0c11")
EXAMPLE_ACTOR = {"user_id": "2d7f4b1c9e3a4f5b8c6d0e1f2a3b4c5d", "roles": ["department_head"],
                 "department": "criminal"}
EXAMPLE_OCCURRED_AT = "2026-03-02T09:30:00.000Z"
EXAMPLE_CORRELATION_ID = "req-3f9a1c7e5b2d4a6c"


def missing_example(schema_cls):
    return getattr(schema_cls, "example", None) is None


def example_envelope(schema_cls):
    """The envelope of ``schema_cls.example`` as its producer would publish it."""
    payload = schema_cls.example
    envelope = build_event(schema_cls.event_type, payload, version=schema_cls.event_version,
                           source=schema_cls.event_source, aggregate_id=_aggregate_id(payload),
                           correlation_id=EXAMPLE_CORRELATION_ID, actor=EXAMPLE_ACTOR)
    envelope["event_id"] = str(uuid.uuid5(_NAMESPACE, f"{schema_cls.event_type}.v{schema_cls.event_version}"))
    envelope["occurred_at"] = EXAMPLE_OCCURRED_AT
    return envelope


def _aggregate_id(payload):
    # For the example only: the entity an event is about is, by this platform's habit, the first
    # ``*_id`` of its payload (case_id for case events).
    return next((value for key, value in payload.items() if key.endswith("_id") and isinstance(value, str)),
                "—")
