"""gateway.ledger: what one request's ledger entry says, and a buffer that never blocks a request."""
from types import SimpleNamespace

from contracts.envelope import payload_schema
from gateway import ledger


def request(method="GET", path_values=None, environ=None, agent="pytest"):
    return SimpleNamespace(method=method, path_values=path_values or {}, remote_addr="10.0.0.9",
                           headers={"User-Agent": agent} if agent else {},
                           environ={"pingjian.request_id": "req-1", **(environ or {})})


ACTOR = {"user_id": "u1", "roles": ["prosecutor"], "department": "criminal"}


def test_an_entry_names_who_what_when_where_and_keeps_to_its_contract():
    entry = ledger.entry(request(path_values={"case_id": "c1"}, environ={ledger.PERSONAL: True}),
                         "/v1/cases/<case_id>/suspects", 200, ACTOR, "2026-11-26T02:00:00.000Z")
    assert entry["user_id"] == "u1" and entry["roles"] == ["prosecutor"] and entry["department"] == "criminal"
    assert (entry["method"], entry["route"], entry["action"], entry["resource"]) == \
        ("GET", "/v1/cases/<case_id>/suspects", "read", "cases")
    assert entry["resource_ids"] == {"case_id": "c1"} and entry["status"] == 200
    assert entry["remote_addr"] == "10.0.0.9" and entry["correlation_id"] == "req-1" and entry["personal_data"]
    payload_schema("access.recorded", 1).load(entry)  # the producer is strict: this must validate


def test_an_unauthenticated_refusal_is_an_entry_too():
    entry = ledger.entry(request(method="POST", agent=None), "/v1/cases", 401, None, "2026-11-26T02:00:00.000Z")
    assert entry["user_id"] is None and entry["roles"] == [] and entry["action"] == "create"
    assert entry["user_agent"] is None and entry["personal_data"] is False
    payload_schema("access.recorded", 1).load(entry)


def test_actions():
    assert ledger.action_of("POST", "/v1/auth/token") == "login"
    assert ledger.action_of("POST", "/v1/auth/logout") == "logout"
    assert ledger.action_of("GET", "/v1/cases") == "read"
    assert ledger.action_of("POST", "/v1/cases") == "create"
    assert ledger.action_of("POST", "/v1/cases/<case_id>/assign") == "update"
    assert ledger.action_of("PATCH", "/v1/users/<user_id>") == "update"
    assert ledger.action_of("DELETE", "/v1/x/<id>") == "delete"


def test_a_full_buffer_drops_the_oldest_and_never_blocks():
    buffer = ledger.Ledger("memory://", exchange=SimpleNamespace(name="gateway.events"), capacity=3)
    for number in range(5):
        buffer.record({"n": number}, None)
    assert buffer.pending() == 3 and [p["n"] for p, _ in buffer._buffer] == [2, 3, 4]


def test_an_entry_that_breaks_its_contract_is_dropped_not_retried_forever(monkeypatch):
    sent = []
    buffer = ledger.Ledger("memory://", exchange=SimpleNamespace(name="gateway.events"))
    monkeypatch.setattr(buffer, "_ensure_producer", lambda: SimpleNamespace(
        publish=lambda envelope, **kwargs: sent.append(envelope["payload"]["correlation_id"])))
    good = ledger.entry(request(), "/v1/cases", 200, ACTOR, "2026-11-26T02:00:00.000Z")
    buffer.record({"status": "not even a payload"}, None)
    buffer.record(good, ACTOR)
    buffer._send_buffered()
    assert sent == ["req-1"] and buffer.pending() == 0
