"""The bench's scale phase: the platform's reads with 100,000 cases and 200,000 notifications.

The records are bulk-loaded straight into the services' databases (not through the API: a
registration a time would take an hour), shaped as the services write them — search grams
(kit/search.py), statistics counters (services/cases/stats.py), a telecom-fraud case with 300
suspects across the four layers — and spread over three years, as a procuratorate's data is.
Then, at BENCH_CLIENTS (16) clients, each figure of issue 7 and issue 8:

* the case list, first page and later pages, unfiltered / by department / by status / by handler
  (p99 ≤ 100 ms);
* ``q`` search: Chinese, Latin in mixed case, one character, case-number fragments (p99 ≤ 150 ms);
* the inbox of a user with 5,000 notifications, first and later pages (p99 ≤ 50 ms);
* one client's point read ``GET /v1/cases/{id}`` while 8 clients list (p99 ≤ 50 ms);
* the 300-suspect case's suspect pages (p99 ≤ 50 ms) and ``GET /v1/cases/stats`` (p99 ≤ 200 ms).

The load is closed-loop threads in this process (each client sends its next request when the last
one is answered), cycling over the paths of a figure (later pages: the cursors of pages 2–6).
"""
import http.client
import json
import os
import random
import threading
import time
import urllib.parse
import uuid
from datetime import datetime, timedelta, timezone

from bench import procstat

CASES = int(os.environ.get("BENCH_SCALE_CASES", "100000"))
NOTIFICATIONS = int(os.environ.get("BENCH_SCALE_NOTIFICATIONS", "200000"))
INBOX = int(os.environ.get("BENCH_SCALE_INBOX", "5000"))
SUSPECTS = int(os.environ.get("BENCH_SCALE_SUSPECTS", "300"))
SECONDS = float(os.environ.get("BENCH_SCALE_SECONDS", "8"))
WARMUP = float(os.environ.get("BENCH_SCALE_WARMUP_SECONDS", "1"))
SPAN = timedelta(days=3 * 365)
BATCH = 500

TARGETS_MS = {"list": 100.0, "search": 150.0, "inbox": 50.0, "point_read": 50.0, "suspects": 50.0, "stats": 200.0}

DEPARTMENTS = [("criminal", "criminal", "刑", 40), ("civil", "civil_execution_supervision", "民", 25),
               ("administrative", "administrative", "行", 15), ("public_interest", "public_interest", "公", 20)]
STATUSES = ["registered", "under_review", "decided", "closed"]
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗"
OFFENCES = {"criminal": ["电信网络诈骗案", "帮助信息网络犯罪活动案", "掩饰、隐瞒犯罪所得案", "盗窃案", "故意伤害案",
                         "危险驾驶案", "非法吸收公众存款案", "APP刷单诈骗案", "WeChat转账诈骗案"],
            "civil": ["拒不支付劳动报酬执行监督案", "民间借贷纠纷执行监督案", "买卖合同纠纷执行监督案"],
            "administrative": ["行政处罚非诉执行监督案", "行政许可监督案"],
            "public_interest": ["食品药品安全公益诉讼案", "生态环境保护公益诉讼案", "英烈保护公益诉讼案"]}
SEARCHES = ["诈骗", "劳动报酬", "王某", "app", "WeChat", "骗", "〔2025〕12", "公益诉讼", "宁检民执", "生态环境保护"]
LAYERS = ["organizer", "core_member", "ordinary_member", "peripheral"]
LAYER_WEIGHTS = [3, 27, 120, 150]
CHARGES = ["fraud", "helping_network_crime", "concealing_proceeds", "illegal_use_of_network", "money_laundering",
           "personal_information"]


def say(message):
    print(message, flush=True)


# -- bulk load ----------------------------------------------------------------------------------------

def load(uris, prefix, people, now=None):
    """Insert the records; returns what the measurements need (ids, handler, the big case)."""
    from pymongo import MongoClient

    from kit import search
    from services.cases import stats
    from services.cases.storage import GENERATION
    now = now or datetime.now(timezone.utc)
    rng = random.Random(2026)
    cases_db = MongoClient(uris["cases"], tz_aware=True)[f"{prefix}_cases"]
    notes_db = MongoClient(uris["notifications"], tz_aware=True)[f"{prefix}_notifications"]
    handlers = [f"bench-handler-{i:02d}" for i in range(40)]
    weights = [d[3] for d in DEPARTMENTS]
    counters = {}

    def count(case, delta):
        day = (case["created_at"] + timedelta(hours=8)).date().isoformat()  # Asia/Shanghai day
        key = f"{case['department']}:{day}"
        row = counters.setdefault(key, {"_id": key, "department": case["department"], "day": day})
        for name, value in delta.items():
            row[name] = row.get(name, 0) + value

    t0 = time.monotonic()
    step = SPAN / CASES
    start = now - SPAN
    batch, sample_ids, big = [], [], None
    for i in range(CASES):
        department, category, letter, _ = rng.choices(DEPARTMENTS, weights)[0]
        created = (start + step * i + timedelta(seconds=rng.randint(0, 59))).replace(microsecond=0)
        title = f"{rng.choice(SURNAMES)}某某{rng.choice(OFFENCES[department])}"
        case_no = f"宁检{letter}{'诉' if department == 'criminal' else '执' if department == 'civil' else '监'}" \
                  f"〔{created.year}〕{i % 5000 + 1}号"
        status = rng.choice(STATUSES)
        handler = people["prosecutor"]["id"] if i % 200 == 0 else rng.choice(handlers)
        case = {"_id": uuid.uuid4().hex, "case_no": f"{case_no}-{i}", "title": title, "category": category,
                "department": department, "handler_id": handler, "status": status, "version": 1,
                "created_by": "bench-loader", "created_at": created, "updated_at": created}
        if i == CASES - 1:  # the newest: the telecom-fraud case with many suspects
            case.update(department="criminal", category="criminal", title="跨境电信网络诈骗集团案（三百名犯罪嫌疑人）",
                        status="under_review", suspect_count=SUSPECTS, case_no=f"宁检刑诉〔{created.year}〕9999号")
            big = case
        case[search.FIELD] = search.grams(case["case_no"], case["title"])
        delta = stats.registered({**case, "status": "registered"})
        if status != "registered":
            for key, value in stats.transitioned("registered", status).items():
                delta[key] = delta.get(key, 0) + value
        count(case, delta)
        batch.append(case)
        if i % 997 == 0:
            sample_ids.append(case["_id"])
        if len(batch) >= BATCH:
            cases_db.cases.insert_many(batch, ordered=False)
            batch = []
    if batch:
        cases_db.cases.insert_many(batch, ordered=False)
    cases_seconds = time.monotonic() - t0

    suspects = []
    for j in range(SUSPECTS):
        layer = rng.choices(LAYERS, LAYER_WEIGHTS)[0]
        created = (big["created_at"] + timedelta(minutes=5 * j)).replace(microsecond=0)
        suspect = {"_id": uuid.uuid4().hex, "case_id": big["_id"], "name": f"{rng.choice(SURNAMES)}某{j}",
                   "id_number": f"3201{rng.randint(10**13, 10**14 - 1)}", "layer": layer,
                   "charges": sorted(set(rng.sample(CHARGES, rng.randint(1, 2)))), "decision": None,
                   "arrested_on": None, "decision_reversed": False, "referral": None, "version": 1,
                   "created_at": created, "updated_at": created}
        count(big, stats.suspect_changed(None, suspect))
        suspects.append(suspect)
    cases_db.suspects.insert_many(suspects)
    cases_db.stats_daily.delete_many({})
    cases_db.stats_daily.insert_many([_nested(row) for row in counters.values()])
    monthly = {}
    for row in counters.values():
        key = f"{row['department']}:{row['day'][:7]}"
        target = monthly.setdefault(key, {"_id": key, "department": row["department"], "month": row["day"][:7]})
        for name, value in row.items():
            if name not in ("_id", "department", "day"):
                target[name] = target.get(name, 0) + value
    cases_db.stats_monthly.delete_many({})
    cases_db.stats_monthly.insert_many([_nested(row) for row in monthly.values()])
    # As a fold does: the counters changed, so sums remembered of the old ones are not used.
    cases_db.meta.update_one({"_id": GENERATION}, {"$set": {"value": uuid.uuid4().hex}}, upsert=True)

    t1 = time.monotonic()
    inbox_owner = people["prosecutor"]["id"]
    others = [f"bench-user-{i:03d}" for i in range(500)]
    step = SPAN / NOTIFICATIONS
    every = max(1, NOTIFICATIONS // INBOX)
    batch = []
    for i in range(NOTIFICATIONS):
        created = (start + step * i + timedelta(seconds=rng.randint(0, 59))).replace(microsecond=0)
        recipient = inbox_owner if i % every == 0 else rng.choice(others)
        batch.append({"_id": uuid.uuid4().hex, "recipient_id": recipient, "channel": "in_app",
                      "type": "case.assigned", "event_id": uuid.uuid4().hex,
                      "title": "新案件分配：宁检刑诉〔2025〕12号",
                      "body": "您已被指定为案件「张某某电信网络诈骗案」（案号：宁检刑诉〔2025〕12号）的承办人，请及时办理。",
                      "ref": {"kind": "case", "id": uuid.uuid4().hex}, "created_at": created,
                      "read_at": None if i % 3 else created})
        if len(batch) >= BATCH:
            notes_db.notifications.insert_many(batch, ordered=False)
            batch = []
    if batch:
        notes_db.notifications.insert_many(batch, ordered=False)
    info = {"cases": CASES, "notifications": NOTIFICATIONS, "suspects": SUSPECTS,
            "inbox": notes_db.notifications.count_documents({"recipient_id": inbox_owner}),
            "load_seconds": {"cases": round(cases_seconds, 1), "notifications": round(time.monotonic() - t1, 1)},
            "stats_rows": len(counters), "handler": handlers[7], "big_case": big["_id"], "sample_ids": sample_ids}
    cases_db.client.close()
    notes_db.client.close()
    return info


def _nested(row):
    """A counter row as ``$inc`` of dotted keys leaves it ("status.closed" → {"status": {"closed": n}})."""
    out = {}
    for key, value in row.items():
        head, _, tail = key.partition(".")
        if tail:
            out.setdefault(head, {})[tail] = value
        else:
            out[key] = value
    return out


# -- closed-loop load ------------------------------------------------------------------------------------

class Client:
    def __init__(self, base_url, token):
        parts = urllib.parse.urlsplit(base_url)
        self.address, self.token, self.conn = (parts.hostname, parts.port), token, None

    def get(self, path):
        for attempt in (1, 2):
            if self.conn is None:
                self.conn = http.client.HTTPConnection(*self.address, timeout=30)
            try:
                self.conn.request("GET", path, headers={"Authorization": f"Bearer {self.token}",
                                                        "Accept": "application/json"})
                response = self.conn.getresponse()
                body = response.read()
                return response.status, body
            except (OSError, http.client.HTTPException):
                self.conn.close()
                self.conn = None
                if attempt == 2:
                    return 0, b""


def run_load(base_url, token, paths, clients, seconds, background=None):
    """``clients`` threads cycling over ``paths`` for ``seconds``; returns latencies and errors."""
    stop_at = time.monotonic() + seconds
    latencies, errors, lock = [], [0], threading.Lock()

    def worker(n):
        client, mine, k = Client(base_url, token), [], n
        while time.monotonic() < stop_at:
            path = paths[k % len(paths)]
            k += 1
            t0 = time.perf_counter()
            status, _ = client.get(path)
            mine.append((time.perf_counter() - t0) * 1000)
            if status != 200:
                with lock:
                    errors[0] += 1
        with lock:
            latencies.extend(mine)
    threads = [threading.Thread(target=worker, args=(n,)) for n in range(clients)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return latencies, errors[0]


def _pct(values, p):
    ordered = sorted(values)
    return round(ordered[min(len(ordered) - 1, int(len(ordered) * p / 100))], 1) if ordered else None


def figure(name, base_url, token, paths, clients, cpu_pids, target_ms, background=None):
    """Warm up, measure, attribute CPU per process; returns the figure and prints it."""
    run_load(base_url, token, paths, clients, WARMUP)
    stop_background = background() if background else None
    meter = procstat.CpuMeter(cpu_pids).start()
    machine = procstat.MachineMeter().start()
    started = time.monotonic()
    latencies, errors = run_load(base_url, token, paths, clients, SECONDS)
    elapsed = time.monotonic() - started
    used, busy = meter.stop(), machine.stop()
    extra = stop_background() if stop_background else None
    requests = max(len(latencies), 1)
    result = {"clients": clients, "paths": len(paths), "requests": len(latencies), "errors": errors,
              "rps": round(len(latencies) / elapsed, 1), "p50_ms": _pct(latencies, 50), "p99_ms": _pct(latencies, 99),
              "max_ms": _pct(latencies, 100), "target_p99_ms": target_ms,
              "met": errors == 0 and latencies and _pct(latencies, 99) <= target_ms,
              "cpu_ms_per_request": {k: round(v * 1000 / requests, 2) for k, v in used.items() if v > 0.005},
              "machine_busy_cores": busy}
    if extra is not None:
        result["background"] = extra
    cpu = ", ".join(f"{k} {v}" for k, v in sorted(result["cpu_ms_per_request"].items(), key=lambda kv: -kv[1]))
    say(f"  {name:<44} {result['rps']:>7.1f} req/s  p50 {result['p50_ms']:>6} ms  p99 {result['p99_ms']:>6} ms  "
        f"errors {errors}  (target p99 ≤ {target_ms:g} ms: {'met' if result['met'] else 'MISSED'})")
    say(f"  {'':<44} CPU ms/request: {cpu}; machine busy {busy} cores")
    return result


def cursors(base_url, token, path, pages=6):
    """The paths of pages 2..pages of a list (following next_cursor)."""
    client, found, current = Client(base_url, token), [], path
    for _ in range(pages - 1):
        status, body = client.get(current)
        if status != 200:
            raise RuntimeError(f"GET {current}: {status} {body[:200]!r}")
        cursor = json.loads(body).get("next_cursor")
        if not cursor:
            break
        current = f"{path}{'&' if '?' in path else '?'}cursor={cursor}"
        found.append(current)
    return found


def measure(results, base_url, people, info, clients, cpu_pids):
    """Every figure of the scale phase into results["scale"]."""
    out = results.setdefault("scale", {})
    out["data"] = {k: v for k, v in info.items() if k != "sample_ids"}
    manager, head, prosecutor = (people[k]["token"] for k in ("manager", "head", "prosecutor"))
    say(f"\n▶ scale ({info['cases']:,} cases, {info['notifications']:,} notifications, {info['inbox']:,} in one inbox, "
        f"a case with {info['suspects']} suspects; {clients} clients, {WARMUP:g} s warm-up + {SECONDS:g} s each)")
    lists = {"unfiltered": "/v1/cases?limit=20", "department": "/v1/cases?limit=20&department=civil",
             "status": "/v1/cases?limit=20&status=decided",
             "handler": f"/v1/cases?limit=20&handler_id={info['handler']}"}
    for label, path in lists.items():
        out[f"list_{label}_first"] = figure(f"case list {label}, first page", base_url, manager, [path], clients,
                                            cpu_pids, TARGETS_MS["list"])
        later = cursors(base_url, manager, path)
        out[f"list_{label}_later"] = figure(f"case list {label}, pages 2–{len(later) + 1}", base_url, manager, later,
                                            clients, cpu_pids, TARGETS_MS["list"])
    searches = [f"/v1/cases?limit=20&q={urllib.parse.quote(q)}" for q in SEARCHES]
    out["search"] = figure(f"q search ({len(SEARCHES)} queries)", base_url, manager, searches, clients, cpu_pids,
                           TARGETS_MS["search"])
    out["search"]["queries"] = SEARCHES
    inbox = "/v1/me/notifications?limit=20"
    out["inbox"] = figure("inbox of 5,000, pages 1–6", base_url, prosecutor,
                          [inbox, *cursors(base_url, prosecutor, inbox)], clients, cpu_pids, TARGETS_MS["inbox"])
    suspects = f"/v1/cases/{info['big_case']}/suspects?limit=20"
    out["suspects"] = figure(f"suspects of the {info['suspects']}-suspect case, pages 1–6", base_url, head,
                             [suspects, *cursors(base_url, head, suspects)], clients, cpu_pids, TARGETS_MS["suspects"])
    stats_paths = ["/v1/cases/stats", "/v1/cases/stats?department=criminal",
                   f"/v1/cases/stats?from={(datetime.now(timezone.utc) - timedelta(days=365)).date().isoformat()}"]
    out["stats"] = figure("GET /v1/cases/stats (all, a department, a year)", base_url, manager, stats_paths, clients,
                          cpu_pids, TARGETS_MS["stats"])

    list_paths = [p for path in lists.values() for p in [path, *cursors(base_url, manager, path, 3)]]

    def listing():
        done = {}

        def go():
            latencies, errors = run_load(base_url, manager, list_paths, 8, SECONDS + 1)
            done.update(requests=len(latencies), errors=errors, p99_ms=_pct(latencies, 99))
        thread = threading.Thread(target=go)
        thread.start()
        time.sleep(0.3)

        def finish():
            thread.join()
            return done
        return finish
    reads = [f"/v1/cases/{case_id}" for case_id in info["sample_ids"][:50]]
    out["point_read_while_listing"] = figure("GET /v1/cases/{id}, 1 client, while 8 list", base_url, manager, reads,
                                             1, cpu_pids, TARGETS_MS["point_read"], background=listing)
    return out


def markdown_rows(scale):
    rows = []
    for key, r in scale.items():
        if not isinstance(r, dict) or "p99_ms" not in r:
            continue
        cpu = ", ".join(f"{k} {v}" for k, v in sorted(r["cpu_ms_per_request"].items(), key=lambda kv: -kv[1])[:5])
        rows.append(f"| {key} | {r['clients']} | {r['rps']} | {r['p50_ms']} | {r['p99_ms']} | {r['errors']} | "
                    f"≤ {r['target_p99_ms']:g} ms | {'✅ met' if r['met'] else '❌ missed'} | {cpu} |")
    return (["", "## Scale phase (issue 7 and issue 8 targets)", "",
             f"Data: {scale.get('data')}", "",
             "| Figure | Clients | req/s | p50 ms | p99 ms | Errors | Target p99 | Result | CPU ms/request (top processes) |",
             "|---|---:|---:|---:|---:|---:|---|---|---|"] + rows)
