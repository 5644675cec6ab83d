"""The outbox and its relay against real RabbitMQ and SecantusDB."""
from datetime import timedelta
from urllib.parse import urlsplit

import eventlet
import pytest
from kombu.exceptions import OperationalError
from nameko.standalone.events import get_event_exchange

import kit.outbox
from kit.context import Context
from kit.mongo import ensure_indexes, run_in_transaction
from kit import clock
from kit.outbox import INDEXES, LEASE, OUTBOX, OutboxWriter, Relay
from kit.retention import Purge
from ops.launcher import free_port
from tests.support.amqp import Tap
from tests.support.tcp_proxy import TcpProxy
from tests.support.waiting import wait_for

ACTOR = {"user_id": "u1", "roles": ["department_head"], "department": "criminal"}


def payload(case_id, handler="u2"):
    return {"case_id": case_id, "case_no": f"N-{case_id}", "title": "T", "department": "criminal",
            "handler_id": handler, "previous_handler_id": None}


@pytest.fixture
def db(service_db):
    database = service_db("relaytest")
    ensure_indexes(database, INDEXES)
    return database


@pytest.fixture
def write_events(db):
    writer = OutboxWriter(db, "relaytest", Context({"actor": ACTOR, "correlation_id": "corr-1"}))

    def write(*case_ids):
        for case_id in case_ids:
            run_in_transaction(db, lambda session, case_id=case_id: writer.add(session, "case.assigned", case_id,
                                                                                payload(case_id)))
    return write


def relay_for(db, amqp_uri):
    return Relay(db, amqp_uri, get_event_exchange("relaytest", {}), lease_seconds=2, poll_seconds=0.05)


def test_relay_publishes_in_commit_order_with_context_headers_and_marks_sent(db, write_events, rabbit_config):
    tap = Tap(rabbit_config["AMQP_URI"], "relaytest")
    write_events("a", "b", "a", "c", "a")
    relay = relay_for(db, rabbit_config["AMQP_URI"])
    assert relay._hold_lease()
    assert relay.publish_pending() == 5
    messages = tap.drain()
    assert [m.payload["aggregate_id"] for m in messages] == ["a", "b", "a", "c", "a"]
    assert all(m.headers["nameko.correlation_id"] == "corr-1" for m in messages)
    assert all(m.delivery_info["routing_key"] == "case.assigned" for m in messages)
    records = list(db[OUTBOX].find())
    assert {r["status"] for r in records} == {"sent"} and all(r["routed"] for r in records)
    assert relay.publish_pending() == 0  # nothing published twice


def test_an_event_no_queue_subscribes_to_is_flagged_unroutable(db, write_events, rabbit_config):
    write_events("a")
    relay = relay_for(db, rabbit_config["AMQP_URI"])
    relay.publish_pending()
    assert db[OUTBOX].find_one()["routed"] is False


def test_while_the_platform_starts_an_event_waits_for_its_queue_instead_of_being_dropped(db, write_events,
                                                                                       rabbit_config):
    write_events("a", "b")
    relay = Relay(db, rabbit_config["AMQP_URI"], get_event_exchange("relaytest", {}), lease_seconds=2,
                  poll_seconds=0.05, startup_grace_seconds=60)
    assert relay._hold_lease()
    assert relay.publish_pending() == 0  # no queue yet: both kept pending (the relay goes on past each)
    assert {r["status"] for r in db[OUTBOX].find()} == {"pending"}
    tap = Tap(rabbit_config["AMQP_URI"], "relaytest")  # a consumer binds its queue
    assert relay.publish_pending() == 2
    assert [m.payload["aggregate_id"] for m in tap.drain()] == ["a", "b"]
    assert all(r["routed"] for r in db[OUTBOX].find())


def test_broker_outage_keeps_events_pending_until_it_returns(db, write_events, rabbit_config):
    tap = Tap(rabbit_config["AMQP_URI"], "relaytest")
    write_events("a", "b")
    down = relay_for(db, f"pyamqp://guest:guest@127.0.0.1:{free_port()}/")  # nothing listens there
    with pytest.raises((OSError, OperationalError)):
        down.publish_pending()
    first = db[OUTBOX].find_one({"aggregate_id": "a"})
    assert first["status"] == "pending" and first["attempts"] == 1 and first["last_error"]
    assert tap.drain() == []

    down._release_lease()  # a failing leader keeps its lease; here its process goes away
    relay_for(db, rabbit_config["AMQP_URI"]).publish_pending()
    assert [m.payload["aggregate_id"] for m in tap.drain()] == ["a", "b"]


def test_only_one_relay_holds_the_lease_until_it_lets_go(db, rabbit_config):
    first, second = relay_for(db, rabbit_config["AMQP_URI"]), relay_for(db, rabbit_config["AMQP_URI"])
    assert first._hold_lease()
    assert not second._hold_lease()
    assert first._hold_lease()  # renewing is fine
    first._release_lease()
    assert second._hold_lease()


def test_a_released_lease_is_free_at_once_even_within_the_same_millisecond(db, rabbit_config, monkeypatch):
    frozen = kit.outbox.clock.now()
    monkeypatch.setattr(kit.outbox.clock, "now", lambda: frozen)  # the handover happens within one tick
    first, second = relay_for(db, rabbit_config["AMQP_URI"]), relay_for(db, rabbit_config["AMQP_URI"])
    assert first._hold_lease()
    first._release_lease()
    assert second._hold_lease()


def test_a_rolled_back_change_leaves_no_outbox_record(db):
    writer = OutboxWriter(db, "relaytest", Context({"actor": ACTOR, "correlation_id": "c"}))

    def change_then_fail(session):
        writer.add(session, "case.assigned", "a", payload("a"))
        raise RuntimeError("the state change failed")
    with pytest.raises(RuntimeError):
        run_in_transaction(db, change_then_fail)
    assert db[OUTBOX].count_documents({}) == 0


def test_two_running_relays_publish_every_record_exactly_once_in_order(db, write_events, rabbit_config):

    tap = Tap(rabbit_config["AMQP_URI"], "relaytest")
    relays = [relay_for(db, rabbit_config["AMQP_URI"]) for _ in range(2)]
    threads = [eventlet.spawn(relay.run) for relay in relays]
    try:
        ids = [f"agg-{i % 3}" for i in range(30)]
        for case_id in ids:
            write_events(case_id)
        received = []
        wait_for(lambda: received.extend(tap.drain()) or len(received) >= len(ids), message="all events")
        eventlet.sleep(0.5)
        received.extend(tap.drain())
    finally:
        for relay in relays:
            relay.stop()
        for thread in threads:
            thread.wait()
    event_ids = [m.payload["event_id"] for m in received]
    assert len(event_ids) == len(set(event_ids)) == len(ids)
    assert [m.payload["aggregate_id"] for m in received] == ids


def test_events_of_one_transaction_are_published_in_the_order_written(db, rabbit_config):
    tap = Tap(rabbit_config["AMQP_URI"], "relaytest")
    writer = OutboxWriter(db, "relaytest", Context({"actor": ACTOR, "correlation_id": "c"}))
    registered = {"case_id": "a", "case_no": "N-a", "title": "T", "department": "criminal",
                  "category": "criminal", "status": "registered", "handler_id": "u2"}
    for _ in range(20):  # registering with a handler: two events in one transaction, often in one millisecond
        run_in_transaction(db, lambda session: (writer.add(session, "case.registered", "a", registered),
                                                writer.add(session, "case.assigned", "a", payload("a"))))
    relay_for(db, rabbit_config["AMQP_URI"]).publish_pending()
    types = [m.delivery_info["routing_key"] for m in tap.drain()]
    assert types == ["case.registered", "case.assigned"] * 20


def test_the_leading_relay_purges_sent_records_past_retention_and_keeps_the_rest(db, write_events, rabbit_config):
    write_events("old", "recent")
    relay = relay_for(db, rabbit_config["AMQP_URI"])
    relay.publish_pending()
    db[OUTBOX].update_one({"aggregate_id": "old"}, {"$set": {"sent_at": clock.now() - timedelta(days=8)}})
    write_events("pending")  # not sent yet: never purged, however old
    db[OUTBOX].update_one({"aggregate_id": "pending"}, {"$set": {"created_at": clock.now() - timedelta(days=30)}})

    relay.retention = Purge(db[OUTBOX], "sent_at", keep_days=7, every_seconds=3600, only={"status": "sent"})
    follower = relay_for(db, rabbit_config["AMQP_URI"])
    assert relay._hold_lease() and not follower._hold_lease()
    runner = eventlet.spawn(relay.run)
    try:
        wait_for(lambda: db[OUTBOX].find_one({"aggregate_id": "old"}) is None, message="old record purged")
    finally:
        relay.stop()
        runner.wait()
    assert sorted(r["aggregate_id"] for r in db[OUTBOX].find()) == ["pending", "recent"]


def test_a_relay_stopped_before_its_thread_first_runs_stays_stopped(db, rabbit_config):
    relay = relay_for(db, rabbit_config["AMQP_URI"])
    runner = eventlet.spawn(relay.run)
    relay.stop()
    with eventlet.Timeout(5):
        runner.wait()


def test_retention_runs_at_first_call_then_waits_for_its_interval(db):
    purge = Purge(db["bookkeeping"], "at", keep_days=1, every_seconds=3600)
    db["bookkeeping"].insert_many([{"at": clock.now() - timedelta(days=2)}, {"at": clock.now()}])
    assert purge.maybe_run() == 1
    db["bookkeeping"].insert_one({"at": clock.now() - timedelta(days=2)})
    assert purge.maybe_run() == 0  # not due yet
    assert db["bookkeeping"].count_documents({}) == 2


def slowed(relay, seconds, then=None):
    """Make each of ``relay``'s publishes take ``seconds`` longer (a slow broker or a long batch);
    ``then(n)`` runs after the n-th publish."""
    real_publish, published = relay._publish, []

    def slow_publish(envelope):
        routed = real_publish(envelope)
        published.append(envelope["aggregate_id"])
        eventlet.sleep(seconds)
        if then is not None:
            then(len(published))
        return routed
    relay._publish = slow_publish
    return published


def test_a_batch_outlasting_the_lease_keeps_it_so_no_second_relay_publishes_alongside(
        db, write_events, rabbit_config):
    tap = Tap(rabbit_config["AMQP_URI"], "relaytest")
    leader, follower = (Relay(db, rabbit_config["AMQP_URI"], get_event_exchange("relaytest", {}),
                              lease_seconds=1, poll_seconds=0.05) for _ in range(2))
    ids = [f"agg-{i}" for i in range(8)]
    write_events(*ids)
    # The follower asks for the lease after every publish (each then takes 0.3 s more: the batch lasts
    # at least 2.4 s, more than twice the lease), and meanwhile as often as it gets to run.
    asked_between = []
    slowed(leader, 0.3, then=lambda n: asked_between.append((clock.now(), follower._hold_lease())))
    assert leader._hold_lease()
    first_expiry = db[LEASE].find_one({"_id": "relay"})["expires_at"]
    batch = eventlet.spawn(leader.publish_pending)
    asked_beside = []
    while not batch.dead:
        asked_beside.append((clock.now(), follower._hold_lease()))
        eventlet.sleep(0.1)
    assert batch.wait() == len(ids)
    # Asked after every publish, several times after the first lease would have lapsed: refused each time.
    assert len(asked_between) == len(ids) and sum(at > first_expiry for at, _ in asked_between) >= 2
    assert not any(led for _, led in asked_between + asked_beside)
    assert db[LEASE].find_one({"_id": "relay"})["owner"] == leader.owner
    assert [m.payload["aggregate_id"] for m in tap.drain()] == ids


def test_a_relay_that_lost_its_lease_mid_batch_stops_publishing(db, write_events, rabbit_config):
    tap = Tap(rabbit_config["AMQP_URI"], "relaytest")
    leader, follower = (Relay(db, rabbit_config["AMQP_URI"], get_event_exchange("relaytest", {}),
                              lease_seconds=1, poll_seconds=0.05) for _ in range(2))
    write_events("a", "b", "c", "d")
    took_over = []

    def stall_past_the_lease(n):
        if n == 1:  # the leader stalls (a long pause) and the follower takes the expired lease
            eventlet.sleep(1.1)
            took_over.append(follower._hold_lease())
    published = slowed(leader, 0, then=stall_past_the_lease)
    assert leader._hold_lease()
    assert leader.publish_pending() == 1
    assert took_over == [True] and published == ["a"]
    assert [r["aggregate_id"] for r in db[OUTBOX].find({"status": "pending"}).sort("seq")] == ["b", "c", "d"]
    assert follower.publish_pending() == 3
    assert [m.payload["aggregate_id"] for m in tap.drain()] == ["a", "b", "c", "d"]


class _HeldSink:
    """A socket whose sendall waits while its proxy is held: bytes stop flowing, nothing is closed."""

    def __init__(self, sock, proxy):
        self._sock, self._proxy = sock, proxy

    def sendall(self, data):
        while self._proxy.held:
            eventlet.sleep(0.05)
        self._sock.sendall(data)

    def close(self):
        self._sock.close()


class HoldingProxy(TcpProxy):
    """A TcpProxy that can hold traffic: a broker that stops answering (no confirm ever comes)."""
    held = False

    def _pipe(self, source, sink):
        super()._pipe(source, _HeldSink(sink, self))


def test_a_publish_whose_confirm_never_comes_gives_up_while_the_lease_still_holds(db, write_events, rabbit_config):
    broker = urlsplit(rabbit_config["AMQP_URI"])
    proxy = HoldingProxy(broker.hostname, broker.port or 5672).start()
    via_proxy = broker._replace(netloc=f"{broker.username}:{broker.password}@127.0.0.1:{proxy.port}").geturl()
    relay = Relay(db, via_proxy, get_event_exchange("relaytest", {}), lease_seconds=1.5, poll_seconds=0.05)
    follower = Relay(db, rabbit_config["AMQP_URI"], get_event_exchange("relaytest", {}), lease_seconds=1.5,
                     poll_seconds=0.05)
    write_events("a")
    try:
        relay._ensure_producer()  # connected while the broker still answered
        assert relay._hold_lease()
        proxy.held = True
        with eventlet.Timeout(10):  # without a bound the relay waits for the confirm for ever
            with pytest.raises(kit.outbox.PublishTimedOut):
                relay.publish_pending()
        # It gave up while its lease still held: no other relay can take it yet, so no other relay
        # could have published beside the unconfirmed one.
        assert not follower._hold_lease()
        lease = db[LEASE].find_one({"_id": "relay"})
        assert lease["owner"] == relay.owner and lease["expires_at"] > clock.now()
        assert db[OUTBOX].find_one()["status"] == "pending"
    finally:
        proxy.held = False
        relay._disconnect()
        proxy.stop()


def test_a_leader_that_dies_holding_its_lease_is_replaced_once_the_lease_expires(db, write_events, rabbit_config):
    tap = Tap(rabbit_config["AMQP_URI"], "relaytest")
    leader, follower = relay_for(db, rabbit_config["AMQP_URI"]), relay_for(db, rabbit_config["AMQP_URI"])
    leader_thread = eventlet.spawn(leader.run)
    wait_for(lambda: (db[LEASE].find_one({"_id": "relay"}) or {}).get("owner") == leader.owner, message="a leader")
    expires_at = db[LEASE].find_one({"_id": "relay"})["expires_at"]
    leader_thread.kill()  # dies as under SIGKILL: no _release_lease, the lease stays in the database
    write_events("a", "b", "a", "c")
    follower_thread = eventlet.spawn(follower.run)
    try:
        eventlet.sleep(max((expires_at - clock.now()).total_seconds() - 0.3, 0))
        assert tap.drain() == []  # the dead leader's lease still holds: the follower waits
        received = []
        wait_for(lambda: received.extend(tap.drain()) or len(received) >= 4, timeout=10, message="takeover")
        eventlet.sleep(0.3)
        received.extend(tap.drain())
    finally:
        follower.stop()
        follower_thread.wait()
    assert [m.payload["aggregate_id"] for m in received] == ["a", "b", "a", "c"]
    assert db[OUTBOX].count_documents({"status": "pending"}) == 0
    assert all(r["sent_at"] >= expires_at for r in db[OUTBOX].find())
