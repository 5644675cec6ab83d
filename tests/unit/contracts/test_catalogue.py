"""The event catalogue is generated from the registry and the services' handlers: docs/events.md
is what the generator writes, and the AsyncAPI document is valid AsyncAPI 3.0."""
import copy
import difflib

import pytest
from marshmallow import Schema, fields

import contracts.events  # noqa: F401
from contracts import envelope
from contracts.catalogue import asyncapi, discovery, html, markdown
from contracts.catalogue.__main__ import main
from contracts.envelope import register, registered_events
from kit.events import reliable_event_handler
from ops import launcher
from tests.support.asyncapi_schema import asyncapi_errors, internal_refs, resolve, validator_for

ASSIGNED_QUEUE = "evt-cases-case.assigned--notifications.on_case_assigned"


@pytest.fixture(scope="module")
def document():
    return asyncapi.build()


def test_the_committed_docs_events_md_is_what_the_generator_writes(document):
    expected = markdown.render(document)
    committed = markdown.TARGET.read_text(encoding="utf-8")
    if committed != expected:
        diff = "".join(list(difflib.unified_diff(committed.splitlines(True), expected.splitlines(True),
                                                 "docs/events.md (committed)", "generated"))[:60])
        pytest.fail(f"docs/events.md is out of date: regenerate it with `{markdown.COMMAND}` and commit it.\n{diff}",
                    pytrace=False)
    assert main(["--check"]) == 0


def test_the_document_is_valid_asyncapi_3(document):
    assert document["asyncapi"] == "3.0.0"
    assert asyncapi_errors(document) == []
    for ref in set(internal_refs(document)):
        resolve(document, ref)  # a reference to nothing raises KeyError


def test_the_validator_would_notice_a_broken_document(document):
    broken = copy.deepcopy(document)
    broken["operations"]["cases.publish.case.assigned"]["action"] = "publish"  # AsyncAPI 2 wording
    del broken["channels"]["case.registered"]["bindings"]["amqp"]["exchange"]["type"]
    broken["channels"]["case.registered"]["bindings"]["amqp"]["exchange"]["durable"] = "yes"
    errors = asyncapi_errors(broken)
    assert any(error.startswith("operations/cases.publish.case.assigned") for error in errors), errors
    assert any("channels/case.registered" in error for error in errors), errors


def test_every_registered_event_is_a_channel_with_its_producer_and_payload(document):
    for (event_type, version), cls in registered_events():
        channel = document["channels"][event_type]
        assert channel["bindings"]["amqp"]["exchange"]["name"] == f"{cls.event_source}.events"
        message = document["components"]["messages"][f"{event_type}.v{version}"]
        payload = document["components"]["schemas"][f"{event_type}.v{version}"]
        assert set(payload["properties"]) == {f.data_key or name for name, f in cls().fields.items()}
        assert message["examples"][0]["payload"]["payload"] == cls.example
        send = document["operations"][f"{cls.event_source}.publish.{event_type}"]
        assert send["action"] == "send" and send[asyncapi.X_SERVICE] == cls.event_source


def test_every_example_envelope_matches_the_schema_the_document_gives_its_message(document):
    for name, message in document["components"]["messages"].items():
        validator = validator_for(document, f"#/components/messages/{name}/payload")
        errors = [error.message for error in validator.iter_errors(message["examples"][0]["payload"])]
        assert errors == [], name
        wrong = copy.deepcopy(message["examples"][0]["payload"])
        # A string field given a number (or, in a payload of lists only, a list given a string) is refused.
        field, value = next(((key, 18) for key, value in wrong["payload"].items() if isinstance(value, str)), None) \
            or next((key, "not a list") for key, value in wrong["payload"].items() if isinstance(value, list))
        wrong["payload"][field] = value
        assert not validator.is_valid(wrong), name


def test_consumers_come_from_the_services_event_handlers(document):
    receive = document["operations"]["notifications.on_case_assigned"]
    assert receive["action"] == "receive" and receive["channel"] == {"$ref": "#/channels/case.assigned"}
    assert receive[asyncapi.X_QUEUE] == ASSIGNED_QUEUE and ".parked" in receive["description"]


def test_the_services_found_are_the_processes_the_launcher_starts():
    found = {f"{cls.__module__}:{cls.__name__}" for cls in discovery.service_classes()}
    assert found == {*launcher.SERVICES.values(), launcher.GATEWAY}


class _Archive:
    """A service that does not exist, to show a new handler appears by itself."""
    name = "archive"

    @reliable_event_handler("cases", "case.status_changed")
    def on_status_changed(self, body):
        pass


def test_a_new_handler_is_in_the_catalogue_without_anyone_listing_it():
    consumers = discovery.consumers([*discovery.service_classes(), _Archive])
    document = asyncapi.build(consumers)
    operation = document["operations"]["archive.on_status_changed"]
    assert operation[asyncapi.X_QUEUE] == "evt-cases-case.status_changed--archive.on_status_changed"
    assert "archive.on_status_changed" in markdown.render(document)
    assert "archive.on_status_changed" in html.render(document)


def test_the_catalogue_of_the_platform_is_complete():
    assert asyncapi.problems() == []


def test_a_handler_of_an_event_nobody_registers_is_a_problem():
    class Stray:
        name = "stray"

        @reliable_event_handler("cases", "case.exploded")
        def on_exploded(self, body):
            pass

        @reliable_event_handler("archive", "case.assigned")  # the type exists, from another producer
        def on_assigned(self, body):
            pass
    found = asyncapi.problems(discovery.consumers([Stray]))
    assert len(found) == 2, found
    assert any("stray.on_exploded" in problem for problem in found), found
    assert any("stray.on_assigned" in problem for problem in found), found
    assert "stray.on_assigned" not in asyncapi.build(discovery.consumers([Stray]))["operations"]


@pytest.fixture
def scratch_registry():
    saved = dict(envelope._PAYLOADS)
    yield
    envelope._PAYLOADS.clear()
    envelope._PAYLOADS.update(saved)


def test_an_event_without_an_example_is_a_problem_the_generator_refuses(scratch_registry, capsys):
    @register("case.archived", 1, source="cases")
    class CaseArchived(Schema):
        case_id = fields.String(required=True)
    assert any("case.archived v1" in problem for problem in asyncapi.problems([]))
    assert main(["--check"]) == 1 and "case.archived v1) has no example" in capsys.readouterr().err
    document = asyncapi.build([])  # the gateway still serves the rest
    assert "examples" not in document["components"]["messages"]["case.archived.v1"]
    assert asyncapi_errors(document) == [] and "（暂无示例）" in html.render(document)


def test_an_event_needs_a_producer_and_one_registration(scratch_registry):
    with pytest.raises(ValueError, match="no producer"):
        register("thing.happened", 1)(type("ThingHappened", (Schema,), {"__module__": __name__}))
    with pytest.raises(ValueError, match="already registered"):
        register("case.assigned", 1, source="cases")(type("Again", (Schema,), {}))
    with pytest.raises(ValueError, match="already registered"):
        register("case.assigned", 2, source="archive")(type("Elsewhere", (Schema,), {}))
