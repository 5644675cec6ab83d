"""The recommendations list-overdue query over 20,000 recommendations (issue 9), through the gateway.

``measure_overdue_list(base_url, token, mongo_uri, db_prefix)`` seeds BENCH_RECOMMENDATIONS (20,000)
served recommendations straight into the recommendations service's database (a quarter of them
overdue, spread over departments and kinds), then times ``GET /v1/recommendations?overdue=true``
(first page, and a page further on by cursor) and the same with a department filter. Timings are
reported, never asserted. Kept apart from bench/run.py so that ``make bench`` can call it as one
more phase; ``python -m bench.recommendations`` runs it alone on a platform of its own.
"""
import json
import os
import secrets
import sys
import time
import urllib.parse
import urllib.request
import uuid
from datetime import date, datetime, timedelta, timezone
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

COUNT = int(os.environ.get("BENCH_RECOMMENDATIONS", "20000"))
QUERIES = int(os.environ.get("BENCH_RECOMMENDATION_QUERIES", "30"))
DEPARTMENTS = ("public_interest", "civil", "criminal", "administrative")
KINDS = ("public_interest", "correct_violation", "social_governance", "retrial")


def seed(db, count=COUNT, today=None):
    """``count`` served recommendations, every fourth one overdue; returns how many are overdue."""
    today = today or date.today()
    now = datetime.now(timezone.utc)
    batch, overdue = [], 0
    for i in range(count):
        late = i % 4 == 0
        overdue += late
        due = today - timedelta(days=1 + i % 90) if late else today + timedelta(days=1 + i % 60)
        served = due - timedelta(days=61)
        batch.append({"_id": uuid.uuid4().hex, "case_id": f"bench-case-{i % 500}", "case_no": f"平检〔2026〕{i}号",
                      "kind": KINDS[i % len(KINDS)], "department": DEPARTMENTS[(i // 4) % len(DEPARTMENTS)],
                      "target_unit": f"某单位{i % 200}", "title": f"检察建议{i}", "problems": ["问题"],
                      "proposals": ["建议"], "urgent": False, "urgent_reply_days": None, "status": "served",
                      "drafted_by": "bench", "served_on": served.isoformat(), "service_method": "written",
                      "reply_due_on": due.isoformat(), "awaiting_reply": True, "reply": None, "version": 4,
                      "created_at": now - timedelta(seconds=count - i), "updated_at": now})
        if len(batch) == 2000:
            db.recommendations.insert_many(batch)
            batch = []
    if batch:
        db.recommendations.insert_many(batch)
    return overdue


def _get(base_url, token, path, params):
    request = urllib.request.Request(f"{base_url}{path}?{urllib.parse.urlencode(params)}",
                                     headers={"Authorization": f"Bearer {token}"})
    started = time.perf_counter()
    with urllib.request.urlopen(request, timeout=60) as response:
        body = json.loads(response.read())
    return (time.perf_counter() - started) * 1000, body


def _timed(base_url, token, params, queries):
    timings, body = [], None
    for _ in range(queries):
        elapsed, body = _get(base_url, token, "/v1/recommendations", params)
        timings.append(elapsed)
    timings.sort()
    return {"params": params, "p50_ms": round(timings[len(timings) // 2], 1),
            "p95_ms": round(timings[min(len(timings) - 1, int(len(timings) * 0.95))], 1),
            "items": len(body["items"]), "next_cursor": bool(body["next_cursor"])}


def measure_overdue_list(base_url, token, mongo_uri, db_prefix, count=COUNT, queries=QUERIES):
    from kit.mongo import get_client
    db = get_client(mongo_uri)[f"{db_prefix}_recommendations"]
    started = time.perf_counter()
    overdue = seed(db, count)
    results = {"recommendations": count, "overdue": overdue, "seed_s": round(time.perf_counter() - started, 2)}
    first = _timed(base_url, token, {"overdue": "true", "limit": 20}, queries)
    _, page = _get(base_url, token, "/v1/recommendations", {"overdue": "true", "limit": 20})
    results["first_page"] = first
    results["next_page"] = _timed(base_url, token, {"overdue": "true", "limit": 20, "cursor": page["next_cursor"]},
                                  queries)
    results["one_department"] = _timed(base_url, token, {"overdue": "true", "department": "civil", "limit": 20},
                                       queries)
    return results


def main():
    from cryptography.fernet import Fernet

    from ops.launcher import LocalPlatform, free_port, start_secantus
    from bench.run import create_vhost, delete_vhost, login  # the vhost and login helpers of make bench
    run_id = f"benchrec{uuid.uuid4().hex[:6]}"
    log_dir = ROOT / "var" / "bench" / "recommendations"
    log_dir.mkdir(parents=True, exist_ok=True)
    create_vhost(run_id)
    secantus = platform = None
    try:
        secantus, mongo_uri = start_secantus(":memory:", free_port(), log_dir)
        admin, password = "admin", secrets.token_urlsafe(16)
        platform = LocalPlatform({"AMQP_URI": f"pyamqp://guest:guest@127.0.0.1:5672/{run_id}", "MONGO_URI": mongo_uri,
                                  "MONGO_DB_PREFIX": run_id, "JWT_SECRET": secrets.token_urlsafe(48),
                                  "PINGJIAN_ADMIN_USER": admin, "PINGJIAN_ADMIN_PASSWORD": password,
                                  "PINGJIAN_DATA_KEYS": f"bench:{Fernet.generate_key().decode()}"},
                                 log_dir, gateway_port=free_port()).start()
        token = login(platform.base_url, admin, password)
        print(json.dumps(measure_overdue_list(platform.base_url, token, mongo_uri, run_id), indent=2,
                         ensure_ascii=False))
    finally:
        if platform is not None:
            platform.stop()
        if secantus is not None:
            secantus.stop()
        delete_vhost(run_id)


if __name__ == "__main__":
    main()
