import uuid

import pytest
from marshmallow import ValidationError

import contracts.events  # noqa: F401
from contracts.envelope import build_event, parse_event, registered_events
from contracts.rpc.cases_v1 import RegisterCase
from kit.errors import ValidationFailed
from kit.validation import load

ACTOR = {"user_id": "u1", "roles": ["department_head"], "department": "criminal"}
ASSIGNED = {"case_id": "c1", "case_no": "N1", "title": "T", "department": "criminal",
            "handler_id": "u2", "previous_handler_id": None}


def build(payload=ASSIGNED, event_type="case.assigned"):
    return build_event(event_type, payload, source="cases", aggregate_id="c1", correlation_id="corr",
                       actor=ACTOR)


def test_envelope_carries_every_required_field():
    event = build()
    assert set(event) == {"event_id", "type", "version", "occurred_at", "source", "aggregate_id", "aggregate_version",
                          "correlation_id", "actor", "payload"}
    uuid.UUID(event["event_id"])
    assert event["occurred_at"].endswith("Z") and event["version"] == 1


def test_producer_cannot_build_an_event_that_breaks_its_payload_contract():
    with pytest.raises(ValidationError) as err:
        build({**ASSIGNED, "handler_id": None})
    assert "handler_id" in err.value.messages


def test_unknown_event_type_is_refused():
    with pytest.raises(ValidationError):
        build(event_type="case.exploded")


def test_consumer_parses_and_checks_expected_type():
    event = build()
    assert parse_event(event, "case.assigned")["payload"]["handler_id"] == "u2"
    with pytest.raises(ValidationError):
        parse_event(event, "case.registered")


def test_consumer_rejects_envelope_without_event_id_or_bad_payload():
    event = build()
    with pytest.raises(ValidationError):
        parse_event({k: v for k, v in event.items() if k != "event_id"})
    with pytest.raises(ValidationError):
        parse_event({**event, "payload": {"case_id": "c1"}})


def test_status_changed_uses_from_and_to_on_the_wire():
    event = build({"case_id": "c1", "case_no": "N1", "title": "T", "department": "criminal",
                   "from": "registered", "to": "under_review", "handler_id": None}, "case.status_changed")
    assert event["payload"]["from"] == "registered"


def test_every_case_event_is_registered():
    assert {key[0] for key, _ in registered_events()} >= {"case.registered", "case.assigned",
                                                          "case.status_changed"}


def test_validation_messages_are_chinese_and_name_the_field():
    with pytest.raises(ValidationError) as err:
        RegisterCase().load({"case_no": 5, "category": "nope", "extra": 1})
    messages = err.value.messages
    assert messages["case_no"] == ["应为字符串"]
    assert messages["title"] == ["缺少必填字段"]
    assert "取值无效" in messages["category"][0]
    assert messages["extra"] == ["未知字段"]


def test_text_is_trimmed_before_it_is_validated():
    body = {"case_no": "  平检刑诉〔2026〕9号 ", "title": "\t张某案\n", "category": "criminal",
            "department": "criminal"}
    loaded = load(RegisterCase(), body)
    assert (loaded["case_no"], loaded["title"]) == ("平检刑诉〔2026〕9号", "张某案")
    with pytest.raises(ValidationFailed) as err:
        load(RegisterCase(), {**body, "case_no": "   "})
    assert "case_no" in err.value.fields


def test_a_consumer_ignores_fields_added_by_a_newer_producer_at_every_level():
    event = build()
    newer = {**event, "tenant": "district-7", "payload": {**event["payload"], "priority": "high"},
             "actor": {**event["actor"], "display_name": "王主任"}}
    parsed = parse_event(newer, "case.assigned")
    assert parsed["payload"]["handler_id"] == "u2" and "priority" not in parsed["payload"]
    assert "tenant" not in parsed and "display_name" not in parsed["actor"]


def test_a_consumer_still_rejects_a_known_field_that_breaks_its_contract():
    event = build()
    with pytest.raises(ValidationError):
        parse_event({**event, "extra": 1, "payload": {**event["payload"], "handler_id": None}})


def test_a_producer_cannot_add_a_field_its_contract_does_not_declare():
    with pytest.raises(ValidationError) as err:
        build({**ASSIGNED, "priority": "high"})
    assert err.value.messages == {"priority": ["未知字段"]}


def test_ignoring_unknown_reaches_every_nested_schema_and_leaves_the_strict_ones_strict():
    from marshmallow import Schema, fields

    from contracts.fields import ignoring_unknown

    class Step(Schema):
        name = fields.String(required=True)

    class Person(Schema):
        user_id = fields.String(required=True)

    strict_person = Person()

    class Plan(Schema):
        steps = fields.List(fields.Nested(Step))
        owner = fields.Nested(strict_person)
        reviewers = fields.Dict(values=fields.Nested(Person))

    newer = {"steps": [{"name": "a", "due": "soon"}], "owner": {"user_id": "u1", "nick": "x"},
             "reviewers": {"lead": {"user_id": "u2", "nick": "y"}}, "budget": 3}
    assert ignoring_unknown(Plan()).load(newer) == {"steps": [{"name": "a"}], "owner": {"user_id": "u1"},
                                                     "reviewers": {"lead": {"user_id": "u2"}}}
    with pytest.raises(ValidationError) as err:
        Plan().load(newer)
    assert set(err.value.messages) == {"steps", "owner", "reviewers", "budget"}
    with pytest.raises(ValidationError):
        strict_person.load({"user_id": "u1", "nick": "x"})
