"""Raw broker and database limits: no nameko, no Pingjian code.

* kombu: persistent publish with publisher confirms, one message at a time
  (what the outbox relay does per event).
* pymongo: insert_one, find_one by _id, and a transaction inserting two
  documents (a registration's shape: the case and its outbox record) against the
  same SecantusDB, one client, then 16 OS threads sharing one MongoClient.
"""
import threading
import time
import uuid
from datetime import datetime, timezone

from kombu import Connection, Exchange, Producer, Queue
from pymongo import MongoClient

from bench.procstat import MachineMeter

# About the size of a case.assigned envelope on the wire.
MESSAGE = {
    "event_id": str(uuid.uuid4()), "type": "bench.raw", "version": 1,
    "occurred_at": "2026-01-01T00:00:00.000Z", "source": "bench", "aggregate_id": uuid.uuid4().hex,
    "correlation_id": uuid.uuid4().hex,
    "actor": {"user_id": uuid.uuid4().hex, "roles": ["department_head"], "department": "criminal"},
    "payload": {"case_id": uuid.uuid4().hex, "case_no": "BENCH-0001", "title": "基准测试案件",
                "department": "criminal", "handler_id": uuid.uuid4().hex, "previous_handler_id": None},
}


def kombu_publish_confirmed(amqp_uri, seconds):
    exchange = Exchange("bench.raw", type="topic", durable=True)
    queue = Queue("bench.raw", exchange=exchange, routing_key="bench.raw", durable=True)
    machine = MachineMeter().start()
    with Connection(amqp_uri, transport_options={"confirm_publish": True}) as connection:
        channel = connection.channel()
        queue(channel).declare()
        producer = Producer(channel, exchange=exchange)
        count, latencies = 0, []
        deadline = time.perf_counter() + seconds
        started = time.perf_counter()
        while True:
            t0 = time.perf_counter()
            if t0 >= deadline:
                break
            producer.publish(MESSAGE, routing_key="bench.raw", serializer="json", delivery_mode=2, retry=False)
            latencies.append(time.perf_counter() - t0)
            count += 1
        elapsed = time.perf_counter() - started
        busy = machine.stop()
        queue(channel).purge()
        queue(channel).delete()
        exchange(channel).delete()
    return {"ops": count, "seconds": round(elapsed, 2), "ops_per_s": round(count / elapsed, 1),
            **_percentiles(latencies), "machine_busy_cores": busy,
            "machine_cpu_ms_per_op": round(busy * elapsed * 1000 / max(count, 1), 3)}


def _doc(i):
    now = datetime.now(timezone.utc)
    return {"_id": uuid.uuid4().hex, "case_no": f"RAW-{i}-{uuid.uuid4().hex[:8]}", "title": "基准测试案件",
            "category": "criminal", "department": "criminal", "handler_id": None, "status": "registered",
            "version": 1, "created_by": uuid.uuid4().hex, "created_at": now, "updated_at": now}


def _percentiles(latencies):
    lat = sorted(latencies)
    if not lat:
        return {"p50_ms": None, "p99_ms": None}
    return {"p50_ms": round(lat[len(lat) // 2] * 1000, 3),
            "p99_ms": round(lat[min(len(lat) - 1, int(len(lat) * 0.99))] * 1000, 3)}


def _timed_loop(op, seconds, threads):
    """Run ``op(i)`` in ``threads`` OS threads for ``seconds``; returns counts and latencies."""
    results, lock = [], threading.Lock()
    deadline = time.perf_counter() + seconds

    def worker(n):
        latencies, i = [], 0
        while True:
            t0 = time.perf_counter()
            if t0 >= deadline:
                break
            op(n * 10_000_000 + i)
            latencies.append(time.perf_counter() - t0)
            i += 1
        with lock:
            results.extend(latencies)

    started = time.perf_counter()
    machine = MachineMeter().start()
    pool = [threading.Thread(target=worker, args=(n,)) for n in range(threads)]
    for t in pool:
        t.start()
    for t in pool:
        t.join()
    elapsed = time.perf_counter() - started
    busy = machine.stop()
    return {"threads": threads, "ops": len(results), "seconds": round(elapsed, 2),
            "ops_per_s": round(len(results) / elapsed, 1), **_percentiles(results),
            "machine_busy_cores": busy,
            "machine_cpu_ms_per_op": round(busy * elapsed * 1000 / max(len(results), 1), 3)}


def pymongo_ops(mongo_uri, db_name, seconds, thread_counts=(1, 16)):
    out = {}
    with MongoClient(mongo_uri, tz_aware=True) as client:
        coll = client[db_name]["raw"]
        coll.create_index("case_no", unique=True)
        ids = []
        ids_lock = threading.Lock()

        def insert(i):
            doc = _doc(i)
            coll.insert_one(doc)
            with ids_lock:
                if len(ids) < 5000:
                    ids.append(doc["_id"])

        def find(i):
            if coll.find_one({"_id": ids[i % len(ids)]}) is None:
                raise RuntimeError("inserted document not found")

        side = client[db_name]["raw_outbox"]

        def transaction(i):
            # What a registration does: the document and an outbox record, one multi-document transaction.
            def work(session):
                coll.insert_one(_doc(i), session=session)
                side.insert_one({"_id": uuid.uuid4().hex, "status": "pending", "payload": MESSAGE}, session=session)
            with client.start_session() as session:
                session.with_transaction(work)

        for threads in thread_counts:
            out[f"insert_one_t{threads}"] = _timed_loop(insert, seconds, threads)
            out[f"find_one_t{threads}"] = _timed_loop(find, seconds, threads)
            out[f"transaction_2_inserts_t{threads}"] = _timed_loop(transaction, seconds, threads)
        client.drop_database(db_name)
    return out
