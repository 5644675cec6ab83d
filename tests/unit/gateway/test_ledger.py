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
        buffer.record({"n": number})
    assert buffer.pending() == 3 and [p["n"] for p in buffer._buffer] == [2, 3, 4]


def fake_producer(buffer, monkeypatch, on_publish=None):
    sent = []

    def publish(envelope, **kwargs):
        if on_publish:
            on_publish()
        sent.append(envelope)
    monkeypatch.setattr(buffer, "_ensure_producer", lambda: SimpleNamespace(publish=publish))
    return sent


def good(number):
    return ledger.entry(request(environ={"pingjian.request_id": f"req-{number}"}), "/v1/cases", 200, ACTOR,
                        "2026-11-26T02:00:00.000Z")


def test_an_entry_that_breaks_its_contract_is_dropped_not_retried_forever_and_the_rest_go(monkeypatch):
    buffer = ledger.Ledger("memory://", exchange=SimpleNamespace(name="gateway.events"))
    sent = fake_producer(buffer, monkeypatch)
    buffer.record(good(1))
    buffer.record({"status": "not even a payload"})
    buffer.record(good(2))
    buffer._send_buffered()
    assert [[e["correlation_id"] for e in envelope["payload"]["entries"]] for envelope in sent] == [["req-1", "req-2"]]
    assert buffer.pending() == 0


def test_what_is_buffered_goes_in_batches_each_entry_with_its_own_id(monkeypatch):
    buffer = ledger.Ledger("memory://", exchange=SimpleNamespace(name="gateway.events"), batch=2)
    sent = fake_producer(buffer, monkeypatch)
    for number in range(5):
        buffer.record(good(number))
    buffer._send_buffered()
    assert [len(envelope["payload"]["entries"]) for envelope in sent] == [2, 2, 1]
    assert all(envelope["type"] == "access.batch_recorded" for envelope in sent)
    ids = [entry["entry_id"] for envelope in sent for entry in envelope["payload"]["entries"]]
    assert len(set(ids)) == 5
    assert buffer.pending() == 0 and buffer.sent == 5 and buffer.batches == 3
    for envelope in sent:
        payload_schema("access.batch_recorded", 1).load(envelope["payload"])


def test_a_failed_publish_keeps_the_batch_and_sends_it_again_with_the_same_entry_ids(monkeypatch):
    buffer = ledger.Ledger("memory://", exchange=SimpleNamespace(name="gateway.events"))
    attempts = []

    def fail_once():
        attempts.append(1)
        if len(attempts) == 1:
            raise ConnectionError("broker away")
    sent = fake_producer(buffer, monkeypatch, fail_once)
    for number in range(3):
        buffer.record(good(number))
    first_ids = [entry["entry_id"] for entry in buffer._buffer]
    try:
        buffer._send_buffered()
    except ConnectionError:
        pass
    assert buffer.pending() == 3 and sent == []
    buffer._send_buffered()
    assert [entry["entry_id"] for entry in sent[0]["payload"]["entries"]] == first_ids and buffer.pending() == 0


def test_entries_dropped_by_a_full_buffer_during_a_publish_do_not_take_newer_ones_with_them(monkeypatch):
    buffer = ledger.Ledger("memory://", exchange=SimpleNamespace(name="gateway.events"), capacity=3, batch=3)
    for number in range(3):
        buffer.record(good(number))
    arrivals = [3, 4]

    def two_requests_arrive():  # while the batch of three waits for its confirm: the two oldest are dropped
        while arrivals:
            buffer.record(good(arrivals.pop(0)))
    sent = fake_producer(buffer, monkeypatch, two_requests_arrive)
    buffer._send_buffered()
    assert [[e["correlation_id"] for e in envelope["payload"]["entries"]] for envelope in sent] == \
        [["req-0", "req-1", "req-2"], ["req-3", "req-4"]]
    assert buffer.pending() == 0


def test_entries_arriving_while_the_first_lingers_go_in_its_batch(monkeypatch):
    import eventlet
    buffer = ledger.Ledger("memory://", exchange=SimpleNamespace(name="gateway.events"), linger_seconds=0.2,
                           flush_seconds=2)
    sent = fake_producer(buffer, monkeypatch)
    monkeypatch.setattr(buffer, "_disconnect", lambda: None)
    runner = eventlet.spawn(buffer.run)
    buffer.record(good(1))
    eventlet.sleep(0.05)
    assert sent == []  # still gathering
    buffer.record(good(2))
    buffer.record(good(3))
    eventlet.sleep(0.4)
    assert [[e["correlation_id"] for e in envelope["payload"]["entries"]] for envelope in sent] == \
        [["req-1", "req-2", "req-3"]]
    buffer.record(good(4))
    buffer.stop(eventlet.sleep)  # a stop sends what is buffered without lingering
    runner.wait()
    assert [e["correlation_id"] for e in sent[-1]["payload"]["entries"]] == ["req-4"]
