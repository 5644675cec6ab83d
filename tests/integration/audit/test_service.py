"""The audit service in a real nameko container: entries from the gateway's events appended to the
day's chains once each, in a valid chain under concurrency, and none lost while its database is away."""
import time
import uuid
from concurrent.futures import ThreadPoolExecutor

from nameko.standalone.rpc import ServiceRpcProxy

from contracts.envelope import build_event
from kit import clock
from services.audit.service import AuditService
from tests.support.amqp import publish_event
from tests.support.duplicates import IgnoredDuplicates
from tests.support.mongo_uri import direct_uri, first_node
from tests.support.tcp_proxy import TcpProxy
from tests.support.waiting import wait_for

ADMIN = {"user_id": "u-admin", "roles": ["admin"], "department": "general"}


def access(number, user_id="u1"):
    payload = {"at": clock.now().isoformat(timespec="milliseconds").replace("+00:00", "Z"), "user_id": user_id,
               "roles": ["prosecutor"], "department": "criminal", "method": "GET", "route": "/v1/cases/<case_id>",
               "action": "read", "resource": "cases", "resource_ids": {"case_id": f"c{number}"}, "status": 200,
               "remote_addr": "10.0.0.1", "user_agent": "it", "correlation_id": uuid.uuid4().hex,
               "personal_data": False}
    return build_event("access.recorded", payload, source="gateway", aggregate_id=payload["correlation_id"],
                       correlation_id=payload["correlation_id"], actor=None)


def batch(entries):
    return build_event("access.batch_recorded", {"entries": entries}, source="gateway", aggregate_id="access-ledger",
                       correlation_id=entries[0]["correlation_id"], actor=None)


def batch_entry(number, user_id):
    return {**access(number, user_id)["payload"], "entry_id": uuid.uuid4().hex}


def call(config, method, **kwargs):
    with ServiceRpcProxy("audit", config, context_data={"actor": ADMIN, "correlation_id": "it"}) as proxy:
        return getattr(proxy, method)(**kwargs)


def today():
    return clock.today()


def test_concurrent_and_duplicated_entries_make_one_valid_chain_entry_each(container_factory, service_config,
                                                                          rabbit_config, service_db):
    config = {**service_config, "AUDIT_CHAIN_SHARDS": 2, "max_workers": 8}
    container_factory(AuditService, config).start()
    events = [access(number) for number in range(30)]
    with IgnoredDuplicates() as duplicates:
        with ThreadPoolExecutor(8) as pool:
            list(pool.map(lambda e: publish_event(rabbit_config["AMQP_URI"], "gateway", e), events + events[:10]))
        entries = service_db("audit").entries
        wait_for(lambda: entries.count_documents({}) >= 30, timeout=30, message="30 entries")
        wait_for(lambda: service_db("audit").inbox_processed.count_documents({}) >= 30, timeout=10, message="inbox")
        # The second delivery of each of the ten was consumed and ignored, not merely given time.
        duplicates.wait({event["event_id"]: 1 for event in events[:10]}, timeout=30)
    assert entries.count_documents({}) == 30
    for chain in entries.distinct("chain"):
        assert sorted(e["seq"] for e in entries.find({"chain": chain})) == \
            list(range(1, entries.count_documents({"chain": chain}) + 1))
    verdict = call(config, "verify", query={"date": today().isoformat()})
    assert verdict["valid"] is True and verdict["entries"] == 30, verdict
    page = call(config, "list_entries", query={"user_id": "u1", "limit": 100})
    assert len(page["items"]) == 30


def test_batches_append_each_entry_once_in_valid_chains_however_often_they_arrive(
        container_factory, service_config, rabbit_config, service_db):
    config = {**service_config, "AUDIT_CHAIN_SHARDS": 3, "max_workers": 8}
    container_factory(AuditService, config).start()
    entries = [batch_entry(number, "u-batch") for number in range(120)]
    first, second = batch(entries[:70]), batch(entries[70:])
    resent = batch(entries[60:80])  # a batch sent again after a lost confirm, with newer entries: new event id
    ledger = service_db("audit").entries
    with IgnoredDuplicates() as duplicates:
        with ThreadPoolExecutor(4) as pool:
            list(pool.map(lambda e: publish_event(rabbit_config["AMQP_URI"], "gateway", e), [first, second, first]))
        wait_for(lambda: service_db("audit").inbox_processed.count_documents({}) >= 2, timeout=30,
                 message="two batches")
        publish_event(rabbit_config["AMQP_URI"], "gateway", resent)
        wait_for(lambda: service_db("audit").inbox_processed.count_documents({}) >= 3, timeout=30,
                 message="the resent one")
        duplicates.wait({first["event_id"]: 1}, timeout=30)  # the second delivery was consumed and ignored
    assert ledger.count_documents({"user_id": "u-batch"}) == 120
    assert sorted(doc["_id"] for doc in ledger.find({"user_id": "u-batch"}, {"_id": 1})) == \
        sorted(entry["entry_id"] for entry in entries)
    verdict = call(config, "verify", query={"date": today().isoformat()})
    assert verdict["valid"] is True and verdict["entries"] == 120, verdict
    # Within a batch, each chain holds its entries in the order the requests ended.
    for chain in ledger.distinct("chain"):
        seq = {doc["_id"]: doc["seq"] for doc in ledger.find({"chain": chain})}
        for part in (entries[:70], entries[70:]):
            seqs = [seq[entry["entry_id"]] for entry in part if entry["entry_id"] in seq]
            assert seqs == sorted(seqs)


def test_entries_wait_while_the_ledgers_database_is_away_and_none_is_lost(container_factory, service_config,
                                                                          rabbit_config, mongo_uri, service_db):
    proxy = TcpProxy(*first_node(mongo_uri)).start()
    config = {**service_config, "MONGO_URI": direct_uri(mongo_uri, "127.0.0.1", proxy.port),
              "MONGO_OPERATION_SECONDS": 2}
    container_factory(AuditService, config).start()
    publish_event(rabbit_config["AMQP_URI"], "gateway", access(0, "u-outage"))
    wait_for(lambda: service_db("audit").entries.count_documents({"user_id": "u-outage"}) == 1, timeout=15,
             message="the first entry")

    proxy.stop()  # the database goes away for the service
    for number in range(1, 6):
        publish_event(rabbit_config["AMQP_URI"], "gateway", access(number, "u-outage"))
    time.sleep(3)
    proxy.start()  # back, on the same port
    wait_for(lambda: service_db("audit").entries.count_documents({"user_id": "u-outage"}) == 6, timeout=60,
             message="all six entries once the database is back")
    assert call(config, "verify", query={"date": today().isoformat()})["valid"] is True
    proxy.stop()
