"""Notification fan-out under a burst (``make bench``, after the platform phases).

BENCH_FANOUT (1,000) cases are registered unassigned; then all of them are assigned at once by 16
clients, each commit writing one ``case.assigned`` to the cases outbox. The figure per event is
server-side, from the two services' own records on the same host's clock: the outbox record's
``created_at`` (the event's commit, within the assign's transaction) → the in-app notification's
``created_at`` (written in the notifications inbox transaction; readable when it commits, a few ms
later). Also: seconds from the first assign to the last notification written."""
import concurrent.futures
import os
import threading
import time

FANOUT = int(os.environ.get("BENCH_FANOUT", "1000"))
CLIENTS = 16
TIMEOUT = 300.0


def measure_fanout(results, base_url, uris, db_prefix, head_token, prosecutor_id, api_cls, create_cases,
                   pct, say, count=FANOUT):
    """``uris``: the database server of each service (cases' outbox, notifications' inbox)."""
    from pymongo import MongoClient
    say(f"\n▶ notification fan-out: a burst of {count} case.assigned events (event committed → inbox written)")
    client, inbox_client = MongoClient(uris["cases"]), MongoClient(uris["notifications"])
    try:
        outbox = client[f"{db_prefix}_cases"]["outbox"]
        notifications = inbox_client[f"{db_prefix}_notifications"]["notifications"]
        case_ids = create_cases(base_url, head_token, count, f"fanout-{int(time.time())}")
        local = threading.local()

        def assign(case_id):
            if not hasattr(local, "api"):
                local.api = api_cls(base_url, head_token)
            # A 503 (gateway workers busy) asks to come back: a client does, so the burst is 1,000 events.
            for _ in range(20):
                status, _ = local.api.call("POST", f"/v1/cases/{case_id}/assign", {"handler_id": prosecutor_id})
                if status != 503:
                    return status
                time.sleep(0.2)
            return status

        started = time.monotonic()
        with concurrent.futures.ThreadPoolExecutor(CLIENTS) as pool:
            statuses = list(pool.map(assign, case_ids))
        burst_seconds = time.monotonic() - started
        refs = set(case_ids)
        # Only assigns that were answered 200 committed an event (a 503 under the burst did not).
        expected = sum(1 for status in statuses if status == 200)

        def written():
            return notifications.count_documents({"type": "case.assigned", "ref.id": {"$in": list(refs)}})
        while written() < expected and time.monotonic() - started < TIMEOUT:
            time.sleep(0.5)
        all_seconds = time.monotonic() - started
        committed = {r["_id"]: r["created_at"] for r in outbox.find(
            {"type": "case.assigned", "aggregate_id": {"$in": list(refs)}}, {"created_at": 1})}
        latencies = [(n["created_at"] - committed[n["event_id"]]).total_seconds() * 1000
                     for n in notifications.find({"type": "case.assigned", "ref.id": {"$in": list(refs)}},
                                                 {"created_at": 1, "event_id": 1}) if n["event_id"] in committed]
    finally:
        client.close()
        inbox_client.close()
    figure = {"events": count, "assign_errors": sum(1 for s in statuses if s != 200),
              "notified": len(latencies), "burst_seconds": round(burst_seconds, 1),
              "seconds_to_last_notification": round(all_seconds, 1),
              "p50_ms": round(pct(latencies, 50), 1) if latencies else None,
              "p99_ms": round(pct(latencies, 99), 1) if latencies else None,
              "max_ms": round(max(latencies), 1) if latencies else None}
    results.setdefault("platform", {})["notification_fanout"] = figure
    say(f"  event committed → inbox written        p50 {figure['p50_ms']} ms   p99 {figure['p99_ms']} ms   "
        f"max {figure['max_ms']} ms   ({figure['notified']} notified of {count - figure['assign_errors']} events "
        f"committed; {figure['assign_errors']} of {count} assigns refused under the burst; assigns took "
        f"{figure['burst_seconds']} s, last notification after {figure['seconds_to_last_notification']} s)")
    return figure
