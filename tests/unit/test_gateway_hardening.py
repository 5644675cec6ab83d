"""The gateway's pure hardening rules: hashing bounds, throttling windows, usernames, passwords,
text rules, cursors, the OpenAPI document's truthfulness, and correlation ids on route-level logs."""
import base64
import json
import logging
import threading
import time
from datetime import datetime, timedelta, timezone

import eventlet
import pytest
from marshmallow import ValidationError
from werkzeug.test import EnvironBuilder

from contracts.fields import StrictBoolean, line, text
from contracts.rpc import accounts_v1
from gateway.body import INVALID_TEXT, invalid_text_fields
from gateway.openapi import build_spec
from gateway.service import GatewayService
from services.accounts.passwords import HashingGate, hash_password, verify_password
from kit.errors import Overloaded, ValidationFailed
from kit.logging import CorrelationFilter
from kit.pagination import decode_cursor


def test_the_hashing_gate_runs_one_at_a_time_and_refuses_past_its_queue():
    gate = HashingGate(concurrency=1, queue=2, wait_seconds=5)
    running, most = [0], [0]
    lock = threading.Lock()

    def slow_hash():
        with lock:
            running[0] += 1
            most[0] = max(most[0], running[0])
        time.sleep(0.2)  # an OS thread, like argon2
        with lock:
            running[0] -= 1
        return "hash"

    outcomes = []

    def attempt():
        try:
            outcomes.append(gate.run(slow_hash))
        except Overloaded as exc:
            outcomes.append(exc)
    threads = [eventlet.spawn(attempt) for _ in range(10)]
    for thread in threads:
        thread.wait()
    assert most[0] == 1
    assert outcomes.count("hash") == 3  # one running, two waiting
    refused = [o for o in outcomes if isinstance(o, Overloaded)]
    assert len(refused) == 7 and all(o.http_status == 503 and o.retry_after >= 1 for o in refused)


@pytest.mark.parametrize("username", ["holdout_admin\n", "bell\x07", "esc\x1b[0m", "has space", "", "x" * 65,
                                      "new\u2028line", "a/b", "semi;colon"])
def test_bad_usernames_are_refused(username):
    errors = accounts_v1.CreateUser().validate({"username": username, "password": "long-enough-1",
                                            "display_name": "甲", "department": "civil", "roles": ["prosecutor"]})
    assert "username" in errors


@pytest.mark.parametrize("username", ["wang", "li.na", "zhang_san-2", "王主任", "li@jcy"])
def test_good_usernames_pass(username):
    assert accounts_v1.CreateUser().validate({"username": username, "password": "long-enough-1", "display_name": "甲",
                                          "department": "civil", "roles": ["prosecutor"]}) == {}


def test_passwords_are_argon2_hashed_and_verified():
    hashed = hash_password("correct horse")
    assert hashed.startswith("$argon2") and "correct horse" not in hashed
    assert verify_password(hashed, "correct horse")
    assert not verify_password(hashed, "wrong")
    assert not verify_password(None, "anything")


def test_text_and_line_fields_refuse_invalid_unicode_and_control_characters():
    for field, value in ((line(), "a\x00b"), (line(), "a\nb"), (line(), "a\u202eb"), (text(), "a\x07b"),
                         (line(), "a\ud800b"), (text(), "\udfff")):
        with pytest.raises(ValidationError):
            field.deserialize(value)
    assert text().deserialize("  第一行\n第二行\t! ") == "第一行\n第二行\t!"
    assert line().deserialize("\t平检刑诉〔2026〕1号\n") == "平检刑诉〔2026〕1号"


def test_a_strict_boolean_takes_json_booleans_only():
    assert StrictBoolean().deserialize(True) is True
    for value in (1, 0, "true", "yes", None):
        with pytest.raises(ValidationError):
            StrictBoolean().deserialize(value)


def test_invalid_text_is_named_wherever_it_hides():
    found = invalid_text_fields({"ok": "fine", "bad": "\ud800", "nested": {"list": ["a", "\udc00"]}, "\udfff": 1})
    assert found == {"bad": [INVALID_TEXT], "nested": {"list": {1: [INVALID_TEXT]}}, "\\udfff": [INVALID_TEXT]}


def _cursor(parts):
    return base64.urlsafe_b64encode(json.dumps(parts).encode()).decode().rstrip("=")


@pytest.mark.parametrize("cursor", [_cursor(["0001-01-01T00:00:00+14:00", "x"]),
                                    _cursor(["9999-12-31T23:59:59-14:00", "x"]),
                                    _cursor(["2026-01-01T00:00:00+00:00", "\ud800"]),
                                    _cursor(["2026-01-01T00:00:00", "x"]), _cursor([1, "x"]),
                                    base64.urlsafe_b64encode(b"\xff").decode(), "é", "x" * 600, ""])
def test_a_tampered_cursor_is_a_validation_error(cursor):
    with pytest.raises(ValidationFailed) as refused:
        decode_cursor(cursor)
    assert refused.value.fields == {"cursor": ["无效的分页游标"]}


def test_a_cursor_with_another_zone_is_read_as_utc():
    when, doc_id = decode_cursor(_cursor(["2026-01-01T08:00:00+08:00", "abc"]))
    assert when == datetime(2026, 1, 1, tzinfo=timezone.utc) and doc_id == "abc"


def test_the_openapi_document_tells_the_truth_about_errors():
    paths = build_spec(GatewayService)["paths"]
    assert {"401", "429", "503", "415", "413"} <= set(paths["/v1/auth/token"]["post"]["responses"])
    assert "Retry-After" in paths["/v1/auth/token"]["post"]["responses"]["429"]["headers"]
    assert "409" in paths["/v1/users/{user_id}"]["patch"]["responses"]
    assert {"503", "504"} <= set(paths["/v1/cases"]["get"]["responses"])
    assert "504" not in paths["/health"]["get"]["responses"]
    cursor = next(p for p in paths["/v1/cases"]["get"]["parameters"] if p["name"] == "cursor")
    assert "next_cursor" in cursor["description"] and cursor["allowEmptyValue"] is True


def test_patch_user_declares_that_it_needs_a_field():
    spec = build_spec(GatewayService)
    assert spec["components"]["schemas"]["UpdateUser"]["minProperties"] == 1


def test_route_level_log_lines_carry_the_request_id(caplog):
    """A line logged by the WSGI layer itself (an unhandled error, an upstream timeout) carries the
    request id, not null: the id is set for the whole request, not only inside the worker."""
    from gateway.http import JsonWsgiApp

    class Server:
        discard_bytes, socket_seconds = 1024, 1

        def make_url_map(self):
            from werkzeug.routing import Map, Rule
            rule = Rule("/boom")
            rule.endpoint = Provider()
            return Map([rule])

    class Provider:
        def handle_request(self, request):
            logging.getLogger("pingjian.gateway").error("unhandled error")
            from gateway.http import error_response
            return error_response(500, "internal_error", "x")

    caplog.handler.addFilter(CorrelationFilter())
    environ = EnvironBuilder(path="/boom", headers={"X-Request-ID": "req-123"}).get_environ()
    JsonWsgiApp(Server())(environ, lambda *args: None)
    [record] = [r for r in caplog.records if r.getMessage() == "unhandled error"]
    assert record.correlation_id == "req-123"
