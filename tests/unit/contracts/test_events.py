"""A contract test per registered event type and version, from the example on its payload schema:
the producer's strict schema loads it, ``build_event`` publishes it, and the consumer's tolerant
``parse_event`` reads the envelope back, also with fields it does not know yet."""
import copy

import pytest

import contracts.events  # noqa: F401  (registers every payload schema)
from contracts.envelope import build_event, parse_event, payload_schema, registered_events

ACTOR = {"user_id": "u-contract", "roles": ["prosecutor"], "department": "criminal"}
EVENTS = registered_events()


def _id(event):
    (event_type, version), _ = event
    return f"{event_type}-v{version}"


def test_there_are_events_to_test():
    assert EVENTS, "no event type is registered (is contracts.events imported?)"


@pytest.mark.parametrize("event", EVENTS, ids=_id)
def test_the_event_has_an_example(event):
    (event_type, version), schema_cls = event
    assert isinstance(getattr(schema_cls, "example", None), dict), (
        f"{schema_cls.__module__}.{schema_cls.__name__} ({event_type} v{version}) has no `example = {{...}}`: "
        "every payload schema needs one (the catalogue shows it; these tests build an event from it)")


@pytest.mark.parametrize("event", EVENTS, ids=_id)
def test_producer_builds_and_consumer_parses_the_example(event):
    (event_type, version), schema_cls = event
    example = getattr(schema_cls, "example", None)
    if example is None:
        pytest.fail(f"{event_type} v{version} has no example")
    loaded = payload_schema(event_type, version).load(copy.deepcopy(example))  # strict: producer side
    envelope = build_event(event_type, copy.deepcopy(example), version=version, source=schema_cls.event_source,
                           aggregate_id="aggregate-1", correlation_id="req-contract", actor=ACTOR)
    assert envelope["type"] == event_type and envelope["version"] == version
    parsed = parse_event(copy.deepcopy(envelope), event_type)
    assert parsed["payload"] == loaded and parsed["actor"] == ACTOR and parsed["source"] == schema_cls.event_source


@pytest.mark.parametrize("event", EVENTS, ids=_id)
def test_consumer_ignores_fields_a_newer_producer_adds(event):
    (event_type, version), schema_cls = event
    envelope = build_event(event_type, copy.deepcopy(schema_cls.example), version=version,
                           source=schema_cls.event_source, aggregate_id="aggregate-1",
                           correlation_id="req-contract", actor=ACTOR)
    newer = {**envelope, "trace_id": "t-1", "actor": {**ACTOR, "display_name": "李检察官"},
             "payload": {**envelope["payload"], "added_later": {"any": "shape"}}}
    parsed = parse_event(newer, event_type)
    assert "added_later" not in parsed["payload"] and "trace_id" not in parsed
    assert parsed["payload"] == payload_schema(event_type, version).load(copy.deepcopy(schema_cls.example))
