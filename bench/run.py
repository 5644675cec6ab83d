"""``make bench``: the platform's throughput, latency and memory as ratios to limits
measured in the same run on the same machine.

1. Limits: a no-op nameko ``@http`` route; ``@http`` → one ``@rpc`` echo → JSON
   (bench/limits.py, each its own ``nameko run`` process); raw kombu persistent
   publish with confirms, one at a time; raw pymongo insert_one / find_one by _id.
2. Platform: gateway ``POST /v1/cases`` and ``GET /v1/cases/{id}`` at 16 clients.
3. Event latency: ``POST /v1/cases/{id}/assign`` response → notification readable
   via ``GET /v1/me/notifications``, while 16 clients load ``GET /v1/cases/{id}``.
4. Login burst: one client's authenticated GET, quiet and during 40 concurrent failed logins.
5. Resident memory of every platform process after the run.
6. Scale (bench/scale.py): 100,000 cases and 200,000 notifications bulk-loaded into the services'
   databases; lists, search, inbox, suspect pages, statistics and a point read under load.

Limits also include the **write limit** (``@http`` → ``@rpc`` → the two-document transaction of a
registration on the cases service's SecantusDB) and the **read limit** (``@http`` → ``@rpc`` →
``find_one`` by ``_id``), RPC published without confirms as the platform publishes; ``POST
/v1/cases`` is compared with the first (target ≥ 0.8×), ``GET /v1/cases/{id}`` with the second
(≥ 0.9×). As ``make run`` does, each service's database has its own SecantusDB process.

Everything runs in a RabbitMQ vhost of its own (created and deleted here) and
an in-memory SecantusDB, so a concurrently running ``make run`` is not
disturbed. Timings are reported, never asserted: the exit status is non-zero
only if something broke. Results: var/bench/last-run.md and last-run.json.

Environment: BENCH_SECONDS (10), BENCH_WARMUP_SECONDS (2), BENCH_CLIENTS (16),
BENCH_WRK_THREADS (2), BENCH_ASSIGNS (200), BENCH_LOGIN_BURST (40), BENCH_RAW_SECONDS (3),
BENCH_PROFILE (unset; "1" records py-spy profiles of the gateway and the
services during the platform phases into var/bench/profiles/; the figures of a
profiled run are perturbed), BENCH_RABBIT_API (http://127.0.0.1:15672),
BENCH_RABBIT_USER / BENCH_RABBIT_PASSWORD (guest), BENCH_AMQP_HOST (127.0.0.1:5672),
BENCH_LOAD_TOOL ("python" forces the Python load generator that is otherwise
only used when wrk cannot be installed), BENCH_PHASES (limits,platform,scale: a comma list;
``BENCH_PHASES=scale make bench`` runs only the scale phase), BENCH_SCALE_* (bench/scale.py).
"""
import base64
import concurrent.futures
import http.client
import json
import os
import platform as pyplatform
import secrets
import shutil
import signal
import subprocess
import sys
import threading
import time
import traceback
import urllib.error
import urllib.parse
import urllib.request
import uuid
from datetime import datetime, timezone
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from cryptography.fernet import Fernet  # noqa: E402

from bench import load, procstat, raw, recommendations, scale  # noqa: E402
from bench.fanout import measure_fanout  # noqa: E402
from ops.launcher import (BIN, GATEWAY, LocalPlatform, Process, ServiceDatabases, broker_reachable,  # noqa: E402
                          free_port, service_command, wait_until)

OUT = ROOT / "var" / "bench"
LOG_DIR = OUT / "logs"
PROFILE_DIR = OUT / "profiles"

SECONDS = int(os.environ.get("BENCH_SECONDS", "10"))
WARMUP = float(os.environ.get("BENCH_WARMUP_SECONDS", "2"))
CLIENTS = int(os.environ.get("BENCH_CLIENTS", "16"))
WRK_THREADS = int(os.environ.get("BENCH_WRK_THREADS", "2"))
ASSIGNS = int(os.environ.get("BENCH_ASSIGNS", "200"))
LOGIN_BURST = int(os.environ.get("BENCH_LOGIN_BURST", "40"))
RAW_SECONDS = float(os.environ.get("BENCH_RAW_SECONDS", "3"))
PROFILE = os.environ.get("BENCH_PROFILE", "") not in ("", "0")
RABBIT_API = os.environ.get("BENCH_RABBIT_API", "http://127.0.0.1:15672").rstrip("/")
RABBIT_USER = os.environ.get("BENCH_RABBIT_USER", "guest")
RABBIT_PASSWORD = os.environ.get("BENCH_RABBIT_PASSWORD", "guest")
AMQP_HOST = os.environ.get("BENCH_AMQP_HOST", "127.0.0.1:5672")

PHASES = [p.strip() for p in os.environ.get("BENCH_PHASES", "limits,platform,scale").split(",") if p.strip()]

TARGETS = {"post_vs_echo": 0.6, "get_vs_echo": 0.8, "event_p99_ms": 250.0, "rss_mb": 120.0,
           "post_vs_write_limit": 0.8, "get_vs_read_limit": 0.9}
POLL_INTERVAL = 0.005
EVENT_TIMEOUT = 10.0


def git_revision():
    """The commit measured, plus whether product files had uncommitted changes."""
    def git(*args):
        done = subprocess.run(["git", *args], cwd=ROOT, capture_output=True, text=True, timeout=10)
        return done.stdout.strip() if done.returncode == 0 else ""
    commit = git("rev-parse", "--short", "HEAD") or "unknown"
    dirty = git("status", "--porcelain", "--", "kit", "contracts", "services", "gateway", "config.yml")
    return commit + ("+uncommitted" if dirty else "")


def say(message):
    print(message, flush=True)


# -- RabbitMQ vhost (management API) ---------------------------------------------------------

def _rabbit_api(method, path, body=None):
    request = urllib.request.Request(RABBIT_API + path, method=method,
                                     data=json.dumps(body).encode() if body is not None else None)
    token = base64.b64encode(f"{RABBIT_USER}:{RABBIT_PASSWORD}".encode()).decode()
    request.add_header("Authorization", f"Basic {token}")
    request.add_header("Content-Type", "application/json")
    with urllib.request.urlopen(request, timeout=10) as response:
        return response.status


def create_vhost(name):
    quoted = urllib.parse.quote(name, safe="")
    _rabbit_api("PUT", f"/api/vhosts/{quoted}", {})
    _rabbit_api("PUT", f"/api/permissions/{quoted}/{urllib.parse.quote(RABBIT_USER, safe='')}",
                {"configure": ".*", "write": ".*", "read": ".*"})


def delete_vhost(name):
    try:
        _rabbit_api("DELETE", f"/api/vhosts/{urllib.parse.quote(name, safe='')}")
    except urllib.error.HTTPError as exc:
        if exc.code != 404:
            raise


# -- a small JSON client (keep-alive) -----------------------------------------------------------

class Api:
    def __init__(self, base_url, token=None):
        parts = urllib.parse.urlsplit(base_url)
        self.address = (parts.hostname, parts.port)
        self.token = token
        self.conn = None

    def call(self, method, path, body=None, expect=None):
        headers = {"Accept": "application/json"}
        data = None
        if body is not None:
            data = json.dumps(body, ensure_ascii=False).encode()
            headers["Content-Type"] = "application/json"
        if self.token:
            headers["Authorization"] = f"Bearer {self.token}"
        for attempt in (1, 2):
            if self.conn is None:
                self.conn = http.client.HTTPConnection(*self.address, timeout=30)
            try:
                self.conn.request(method, path, body=data, headers=headers)
                response = self.conn.getresponse()
                raw_body = response.read()
                break
            except (OSError, http.client.HTTPException):
                self.conn.close()
                self.conn = None
                if attempt == 2:
                    raise
        payload = json.loads(raw_body) if raw_body else None
        if expect is not None and response.status != expect:
            raise RuntimeError(f"{method} {path}: expected {expect}, got {response.status}: {payload}")
        return response.status, payload


def login(base_url, username, password):
    _, body = Api(base_url).call("POST", "/v1/auth/token", {"username": username, "password": password}, expect=200)
    return body["access_token"]


# -- helpers --------------------------------------------------------------------------------------

def pct(values, p):
    if not values:
        return None
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(len(ordered) * p / 100))]


def ratio(value, limit):
    return round(value / limit, 3) if value is not None and limit else None


def http_ok(url):
    with urllib.request.urlopen(url, timeout=2) as response:
        return response.status == 200


class Profiler:
    """py-spy ``record`` of some processes for the duration of one phase (BENCH_PROFILE=1)."""

    def __init__(self, pids, phase, seconds):
        self.procs = []
        if not PROFILE:
            return
        spy = shutil.which("py-spy") or (str(BIN / "py-spy") if (BIN / "py-spy").exists() else None)
        if spy is None:
            say("  (BENCH_PROFILE: py-spy not found; `.venv/bin/python -m pip install py-spy`)")
            return
        PROFILE_DIR.mkdir(parents=True, exist_ok=True)
        for name, pid in pids.items():
            out = PROFILE_DIR / f"{phase}-{name}.txt"
            self.procs.append(subprocess.Popen(
                [spy, "record", "--pid", str(pid), "--rate", "100", "--nonblocking", "--gil", "--format", "raw",
                 "--duration", str(int(seconds)), "--output", str(out)],
                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL))

    def wait(self):
        for proc in self.procs:
            try:
                proc.wait(timeout=60)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()


def machine_pids(extra):
    """The processes whose CPU use is worth attributing: RabbitMQ (beam.smp) plus ``extra``."""
    pids = dict(extra)
    for i, pid in enumerate(procstat.pids_named("beam.smp")):
        pids[f"rabbitmq{'' if i == 0 else i}"] = pid
    return pids


def load_label(runner):
    if runner.tool == "wrk":
        return f"wrk -t{WRK_THREADS} -c{CLIENTS}"
    return f"{CLIENTS} clients, {runner.tool}"


def measured(runner, base_url, target, cpu_pids, profile_pids=None, phase=None, counters=None):
    """Warm up, then one measured load run; adds CPU ms per request for each process and, if
    ``counters`` (a callable returning cumulative counts) is given, those counts per request."""
    runner.run(base_url, target, WARMUP, tag="warmup")
    profiler = Profiler(profile_pids or {}, phase or target.name, SECONDS)
    before = counters() if counters else None
    meter = procstat.CpuMeter(cpu_pids).start()
    machine = procstat.MachineMeter().start()
    result = runner.run(base_url, target, SECONDS)
    used = meter.stop()
    result["machine_busy_cores"] = machine.stop()
    if counters:
        after = counters()
        result["db_per_request"] = {k: round((after[k] - before.get(k, 0)) / max(result["requests"], 1), 2)
                                    for k in after if after[k] != before.get(k, 0)}
    profiler.wait()
    requests = max(result["requests"], 1)
    if result.get("loadgen_cpu_s") is not None:
        used["load generator"] = result["loadgen_cpu_s"]
    result["cpu_s"] = {name: round(seconds, 2) for name, seconds in used.items()}
    result["cpu_ms_per_request"] = {name: round(seconds * 1000 / requests, 3) for name, seconds in used.items()}
    result["cpu_utilisation_cores"] = round(sum(used.values()) / max(result["seconds"], 0.001), 2)
    result["machine_cpu_ms_per_request"] = round(result["machine_busy_cores"] * result["seconds"] * 1000 / requests, 3)
    return result


def show_http(label, result, limit=None, target=None):
    line = (f"  {label:<34} {result['rps']:>8.1f} req/s   p50 {result['p50_ms']:7.2f} ms   "
            f"p99 {result['p99_ms']:7.2f} ms   errors {result['errors']}")
    if result.get("socket_error_detail"):
        line += f" {result['socket_error_detail']}"
    if limit:
        r = ratio(result["rps"], limit)
        line += f"   = {r:.2f}× echo"
        if target:
            met = r >= target and result["errors"] == 0
            line += f"  (target ≥ {target}× with 0 errors: {'met' if met else 'MISSED'})"
    say(line)
    if result.get("db_per_request"):
        say(f"  {'':<34} SecantusDB per request: " + ", ".join(f"{k} {v}" for k, v in result["db_per_request"].items()))
    if result.get("cpu_ms_per_request"):
        parts = ", ".join(f"{k} {v:.2f}" for k, v in sorted(result["cpu_ms_per_request"].items(),
                                                            key=lambda kv: -kv[1]))
        say(f"  {'':<34} CPU ms/request: {parts}; whole machine {result['machine_cpu_ms_per_request']:.2f} "
            f"(busy {result['machine_busy_cores']} of {os.cpu_count()} cores)")


# -- phases -----------------------------------------------------------------------------------

def measure_raw(results, amqp_uri, mongo_uri, run_id):
    say(f"\n▶ raw limits ({RAW_SECONDS:g} s each)")
    pub = raw.kombu_publish_confirmed(amqp_uri, RAW_SECONDS)
    results["limits"]["kombu_publish_confirmed"] = pub
    say(f"  kombu persistent publish + confirm, one at a time: {pub['ops_per_s']:>8.1f} msg/s   "
        f"p50 {pub['p50_ms']:.2f} ms   p99 {pub['p99_ms']:.2f} ms   machine CPU {pub['machine_cpu_ms_per_op']:.2f} ms/msg")
    ops = raw.pymongo_ops(mongo_uri, f"{run_id}_raw", RAW_SECONDS)
    results["limits"]["pymongo"] = ops
    for key, value in ops.items():
        say(f"  pymongo {key:<31} {value['ops_per_s']:>8.1f} ops/s   p50 {value['p50_ms']:.2f} ms   "
            f"p99 {value['p99_ms']:.2f} ms   machine CPU {value['machine_cpu_ms_per_op']:.2f} ms/op")


def measure_nameko_limits(results, runner, base_env, limit_mongo_uri, run_id):
    say(f"\n▶ nameko limits ({load_label(runner)}, {WARMUP:g} s warm-up + {SECONDS} s)")
    noop_port, echo_port = free_port(), free_port()
    env = {**os.environ, **base_env, "PYTHONPATH": str(ROOT)}
    config = str(ROOT / "bench" / "limits.yml")

    def nameko(name, target, port=None):
        proc_env = dict(env)
        if port:
            proc_env["WEB_SERVER_ADDRESS"] = f"127.0.0.1:{port}"
        return Process(name, [str(BIN / "python"), "-m", "nameko", "run", "--config", config,
                              f"bench.limits:{target}"], proc_env, LOG_DIR)

    unconfirmed_port, store_port = free_port(), free_port()
    env.update({"LIMIT_MONGO_URI": limit_mongo_uri, "LIMIT_DB": f"{run_id}_limits"})
    procs = {"store_http": nameko("limit-store-http", "StoreLimitHttpService", store_port),
             "store_rpc": nameko("limit-store-rpc", "StoreLimitService"),
             "noop_http": nameko("limit-noop-http", "NoopHttpService", noop_port),
             "echo_http": nameko("limit-echo-http", "EchoHttpService", echo_port),
             "echo_rpc": nameko("limit-echo-rpc", "EchoService"),
             "echo_uc_http": nameko("limit-echo-uc-http", "EchoUnconfirmedHttpService", unconfirmed_port),
             "echo_uc_rpc": nameko("limit-echo-uc-rpc", "EchoUnconfirmedService")}
    try:
        for proc in procs.values():
            proc.start()

        def ready(proc, url):
            if not proc.alive():
                raise RuntimeError(f"{proc.name} exited:\n{proc.tail()}")
            return http_ok(url)
        noop_url, echo_url = f"http://127.0.0.1:{noop_port}", f"http://127.0.0.1:{echo_port}"
        unconfirmed_url = f"http://127.0.0.1:{unconfirmed_port}"
        store_url = f"http://127.0.0.1:{store_port}"

        def store_ready():
            if not procs["store_rpc"].alive() or not procs["store_http"].alive():
                raise RuntimeError(f"store limit exited:\n{procs['store_rpc'].tail()}\n{procs['store_http'].tail()}")
            request = urllib.request.Request(store_url + "/write", method="POST", data=b"")
            with urllib.request.urlopen(request, timeout=5) as response:
                return json.loads(response.read())["id"]
        ids = []
        wait_until(lambda: ids.append(store_ready()) or True, 60, "bench store limit services")
        wait_until(lambda: ready(procs["noop_http"], noop_url + "/noop"), 60, "bench no-op service")
        wait_until(lambda: procs["echo_rpc"].alive() and ready(procs["echo_http"], echo_url + "/echo"), 60,
                   "bench echo services")
        wait_until(lambda: procs["echo_uc_rpc"].alive() and ready(procs["echo_uc_http"], unconfirmed_url + "/echo"),
                   60, "bench unconfirmed echo services")
        pids = {name: proc.popen.pid for name, proc in procs.items()}
        cpu_pids = machine_pids({**pids, **results.get("_database_pids", {})})

        def only(*names):
            return {k: v for k, v in cpu_pids.items() if k not in procs or k in names}

        noop = measured(runner, noop_url, load.Target("limit-noop", "GET", "/noop"), only("noop_http"))
        results["limits"]["nameko_http_noop"] = noop
        show_http("nameko @http no-op", noop)
        echo = measured(runner, echo_url, load.Target("limit-echo", "GET", "/echo"), only("echo_http", "echo_rpc"),
                        {"echo_http": pids["echo_http"], "echo_rpc": pids["echo_rpc"]}, "echo")
        results["limits"]["nameko_http_rpc_echo"] = echo
        show_http("nameko @http → @rpc echo → JSON", echo)
        unconfirmed = measured(runner, unconfirmed_url, load.Target("limit-echo-unconfirmed", "GET", "/echo"),
                               only("echo_uc_http", "echo_uc_rpc"))
        results["limits"]["nameko_http_rpc_echo_unconfirmed"] = unconfirmed
        show_http("the same echo, RPC without confirms", unconfirmed)
        write = measured(runner, store_url, load.Target("limit-write", "POST", "/write", {}, "{}"),
                         only("store_http", "store_rpc"))
        results["limits"]["write_limit"] = write
        show_http("write limit: @http → @rpc → 2-doc transaction", write)
        read = measured(runner, store_url, load.Target("limit-read", "GET", f"/read/{ids[0]}"),
                        only("store_http", "store_rpc"))
        results["limits"]["read_limit"] = read
        show_http("read limit: @http → @rpc → find_one(_id)", read)
        results["limits"]["nameko_process_rss_mb"] = {name: round(procstat.rss_mb(pid), 1)
                                                      for name, pid in pids.items()}
        say(f"  nameko process RSS (MB): {results['limits']['nameko_process_rss_mb']}")
    finally:
        for proc in procs.values():
            proc.stop()


def setup_users(base_url, admin_user, admin_password, run_id):
    admin = Api(base_url, login(base_url, admin_user, admin_password))
    people = {}
    for key, roles, department in (("head", ["department_head"], "criminal"), ("prosecutor", ["prosecutor"], "criminal"),
                                   ("manager", ["case_manager"], "case_management")):
        username = f"bench_{key}_{run_id[-6:]}"
        password = secrets.token_urlsafe(12)
        _, user = admin.call("POST", "/v1/users", {"username": username, "password": password,
                                                   "display_name": f"基准{key}", "department": department,
                                                   "roles": roles}, expect=201)
        people[key] = {"id": user["id"], "token": login(base_url, username, password)}
    return people


def new_case_body(case_no):
    return {"case_no": case_no, "title": "基准测试案件", "category": "criminal", "department": "criminal"}


def create_cases(base_url, token, count, tag):
    local = threading.local()

    def one(i):
        if not hasattr(local, "api"):
            local.api = Api(base_url, token)
        _, case = local.api.call("POST", "/v1/cases", new_case_body(f"{tag}-{i}"), expect=201)
        return case["id"]
    with concurrent.futures.ThreadPoolExecutor(8) as pool:
        return list(pool.map(one, range(count)))


class Outbox:
    """Reads the cases service's outbox (its own collection, read-only) to see the relay keep up."""

    def __init__(self, mongo_uri, run_id):
        from pymongo import MongoClient
        self.client = MongoClient(mongo_uri)
        self.outbox = self.client[f"{run_id}_cases"]["outbox"]

    def server_counters(self):
        """SecantusDB's serverStatus opcounters and wire requests (cumulative)."""
        status = self.client.admin.command("serverStatus")
        counters = {f"op_{k}": v for k, v in (status.get("opcounters") or {}).items()}
        counters["wire_requests"] = (status.get("network") or {}).get("numRequests", 0)
        return counters

    def pending(self):
        """Pending records, cheaply (an index range read; count_documents is an aggregate scan here)."""
        return len(list(self.outbox.find({"status": "pending"}, {"_id": 1}).limit(100_000)))

    def counts(self):
        return {"pending": self.pending(),
                "sent": self.outbox.count_documents({"status": "sent"})}

    def drain(self, timeout=120):
        """Wait until nothing is pending; returns (pending at start, seconds to drain, events/s)."""
        start, t0 = self.counts(), time.monotonic()
        counts = start
        while counts["pending"] and time.monotonic() - t0 < timeout:
            time.sleep(0.2)
            counts = self.counts()
        seconds = time.monotonic() - t0
        rate = (counts["sent"] - start["sent"]) / seconds if seconds > 0.2 else None
        return {"pending_at_end_of_load": start["pending"], "drain_seconds": round(seconds, 1),
                "drain_rate_per_s": round(rate, 1) if rate else None, "left_pending": counts["pending"]}

    def watch(self, interval=2.0):
        """Sample the pending count in a thread until the returned stop() is called; stop() -> samples."""
        samples, stop = [], threading.Event()

        def loop():
            while not stop.wait(interval):
                try:
                    samples.append(self.pending())
                except Exception:  # measurement only
                    pass
        thread = threading.Thread(target=loop, daemon=True)
        thread.start()

        def finish():
            stop.set()
            thread.join()
            return samples
        return finish

    def close(self):
        self.client.close()


def measure_platform(results, runner, platform, people, run_id, outbox):
    base = platform.base_url
    pids = platform.pids()
    cpu_pids = machine_pids({**pids, **results["_database_pids"]})
    profile_pids = {"gateway": pids["gateway"], "cases": pids["cases"], "secantusdb": results["_secantus_pid"]}
    auth = {"Authorization": f"Bearer {people['head']['token']}"}
    echo_rps = results["limits"]["nameko_http_rpc_echo"]["rps"]
    unconfirmed_rps = results["limits"]["nameko_http_rpc_echo_unconfirmed"]["rps"]
    say(f"\n▶ platform ({load_label(runner)}, {WARMUP:g} s warm-up + {SECONDS} s; LOG_LEVEL="
        f"{results['config']['LOG_LEVEL']})")

    body = json.dumps(new_case_body(load.UNIQUE), ensure_ascii=False)
    before = outbox.counts()
    stop_watch = outbox.watch()
    post = measured(runner, base, load.Target("post-cases", "POST", "/v1/cases", auth, body), cpu_pids,
                    profile_pids, "post", outbox.server_counters)
    pending_samples = stop_watch()
    post["ratio_to_echo"] = ratio(post["rps"], echo_rps)
    post["ratio_to_echo_unconfirmed"] = ratio(post["rps"], unconfirmed_rps)
    results["platform"]["post_cases"] = post
    show_http("POST /v1/cases", post, echo_rps, TARGETS["post_vs_echo"])
    say(f"  {'':<34} = {post['ratio_to_echo_unconfirmed']:.2f}× the echo with unconfirmed RPC (like for like)")
    vs_limit(post, results["limits"].get("write_limit"), "write limit", TARGETS["post_vs_write_limit"])
    # Each POST adds a case.registered event to the outbox; the relay publishes them one by one.
    drain = outbox.drain()
    drain["events_written"] = drain["pending_at_end_of_load"] + outbox.counts()["sent"] - before["sent"] \
        - drain["left_pending"]
    drain["max_pending_during_load"] = max(pending_samples + [drain["pending_at_end_of_load"]])
    post["outbox"] = drain
    say(f"  {'':<34} outbox relay: at most {drain['max_pending_during_load']} events pending during the run, "
        f"{drain['pending_at_end_of_load']} at its end, drained in {drain['drain_seconds']} s "
        f"(the next phase starts after the drain)")

    case_id = create_cases(base, people["head"]["token"], 1, f"{run_id}-get")[0]
    get = measured(runner, base, load.Target("get-case", "GET", f"/v1/cases/{case_id}", auth), cpu_pids,
                   profile_pids, "get", outbox.server_counters)
    get["ratio_to_echo"] = ratio(get["rps"], echo_rps)
    get["ratio_to_echo_unconfirmed"] = ratio(get["rps"], unconfirmed_rps)
    results["platform"]["get_case"] = get
    show_http("GET /v1/cases/{id}", get, echo_rps, TARGETS["get_vs_echo"])
    say(f"  {'':<34} = {get['ratio_to_echo_unconfirmed']:.2f}× the echo with unconfirmed RPC (like for like)")
    vs_limit(get, results["limits"].get("read_limit"), "read limit", TARGETS["get_vs_read_limit"])

    measure_ledger_cost(results, runner, platform, case_id, auth, get)
    measure_event_latency(results, runner, platform, people, run_id, case_id, auth, cpu_pids, outbox)
    measure_login_burst(results, platform, people, case_id)


def measure_ledger_cost(results, runner, platform, case_id, auth, with_ledger):
    """The access ledger's cost (issue 13): the same GET through a second gateway process of the same
    platform started with LEDGER_ENABLED=0, right after the measured run with it."""
    port = free_port()
    env = {**platform.env, "GATEWAY_ADDRESS": f"127.0.0.1:{port}", "LEDGER_ENABLED": "0"}
    gateway = Process("gateway-no-ledger", service_command(GATEWAY), env, LOG_DIR).start()
    try:
        base = f"http://127.0.0.1:{port}"
        wait_until(lambda: http_ok(f"{base}/health"), 60, "the gateway without the ledger")
        target = load.Target("get-case-no-ledger", "GET", f"/v1/cases/{case_id}", auth)
        without = measured(runner, base, target, machine_pids({**platform.pids(), "gateway-no-ledger": gateway.popen.pid}))
    finally:
        gateway.stop()
    figure = {"with_ledger_rps": with_ledger["rps"], "without_ledger_rps": without["rps"],
              "ratio": ratio(with_ledger["rps"], without["rps"]),
              "with_ledger_p99_ms": with_ledger.get("p99_ms"), "without_ledger_p99_ms": without.get("p99_ms"),
              "without_errors": without["errors"]}
    results["platform"]["ledger_cost"] = figure
    say(f"  {'GET /v1/cases/{id} without the ledger':<34} {without['rps']:.1f} req/s: with it "
        f"{figure['ratio']:.2f}× of that (the access ledger's cost)")


def vs_limit(result, limit, label, target):
    """The platform figure as a ratio to the limit of the same work (issue 7)."""
    if not limit:
        return
    r = ratio(result["rps"], limit["rps"])
    key = "ratio_to_" + label.replace(" ", "_")
    result[key] = r
    met = r is not None and r >= target and result["errors"] == 0
    say(f"  {'':<34} = {r:.2f}× the {label} ({limit['rps']:.1f} req/s; target ≥ {target}× with 0 errors: "
        f"{'met' if met else 'MISSED'})")


def measure_event_latency(results, runner, platform, people, run_id, get_case_id, auth, cpu_pids, outbox):
    base = platform.base_url
    say(f"\n▶ assign → notification latency ({ASSIGNS} assigns, poll every {POLL_INTERVAL * 1000:g} ms) "
        f"under {CLIENTS} clients of GET /v1/cases/{{id}}")
    case_ids = create_cases(base, people["head"]["token"], ASSIGNS, f"{run_id}-assign")
    outbox.drain()
    head, prosecutor = Api(base, people["head"]["token"]), Api(base, people["prosecutor"]["token"])
    prosecutor_id = people["prosecutor"]["id"]

    background = runner.start_background(base, load.Target("get-case-bg", "GET", f"/v1/cases/{get_case_id}", auth))
    profiler = None
    try:
        time.sleep(WARMUP)
        profiler = Profiler({k: v for k, v in platform.pids().items()}, "event", max(5, ASSIGNS * 0.1))
        meter = procstat.CpuMeter(cpu_pids).start()
        started = time.monotonic()
        visible, lower, server_side, assign_ms, polls, errors, missed = [], [], [], [], [], 0, 0
        for case_id in case_ids:
            t_send = time.perf_counter()
            status, case = head.call("POST", f"/v1/cases/{case_id}/assign", {"handler_id": prosecutor_id})
            t0 = time.perf_counter()
            assign_ms.append((t0 - t_send) * 1000)
            if status != 200:
                errors += 1
                continue
            n = 0
            while True:
                n += 1
                sent = time.perf_counter()
                st, page = prosecutor.call("GET", "/v1/me/notifications?limit=1")
                got = time.perf_counter()
                if st != 200:
                    errors += 1
                elif page["items"] and page["items"][0]["ref"]["id"] == case_id:
                    visible.append((got - t0) * 1000)
                    lower.append(max(0.0, sent - t0) * 1000)
                    created = datetime.fromisoformat(page["items"][0]["created_at"])
                    updated = datetime.fromisoformat(case["updated_at"])
                    server_side.append((created - updated).total_seconds() * 1000)
                    polls.append(n)
                    break
                if got - t0 > EVENT_TIMEOUT:
                    missed += 1
                    break
                time.sleep(POLL_INTERVAL)
        elapsed = time.monotonic() - started
        used = meter.stop()
    finally:
        bg = background.stop()
        if profiler:
            profiler.wait()
    event = {
        "assigns": len(case_ids), "measured": len(visible), "errors": errors, "missed_after_10s": missed,
        "p50_ms": round(pct(visible, 50), 1) if visible else None,
        "p90_ms": round(pct(visible, 90), 1) if visible else None,
        "p99_ms": round(pct(visible, 99), 1) if visible else None,
        "max_ms": round(max(visible), 1) if visible else None,
        "lower_bound_p50_ms": round(pct(lower, 50), 1) if lower else None,
        "lower_bound_p99_ms": round(pct(lower, 99), 1) if lower else None,
        "server_side_p50_ms": round(pct(server_side, 50), 1) if server_side else None,
        "server_side_p99_ms": round(pct(server_side, 99), 1) if server_side else None,
        "assign_request_p50_ms": round(pct(assign_ms, 50), 1),
        "assign_request_p99_ms": round(pct(assign_ms, 99), 1),
        "polls_per_assign_mean": round(sum(polls) / len(polls), 1) if polls else None,
        "seconds": round(elapsed, 1),
        "cpu_utilisation_cores": round(sum(used.values()) / elapsed, 2),
        "background_load": bg,
    }
    results["platform"]["assign_to_notification"] = event
    met = event["p99_ms"] is not None and event["p99_ms"] <= TARGETS["event_p99_ms"] and not errors and not missed
    say(f"  assign → notification readable        p50 {event['p50_ms']} ms   p99 {event['p99_ms']} ms   "
        f"max {event['max_ms']} ms   errors {errors}   missed {missed}   "
        f"(target p99 ≤ {TARGETS['event_p99_ms']:g} ms: {'met' if met else 'MISSED'})")
    say(f"  {'':<38} (lower bound, poll sent: p50 {event['lower_bound_p50_ms']} / p99 "
        f"{event['lower_bound_p99_ms']} ms; server clock case.updated_at → notification.created_at: p50 "
        f"{event['server_side_p50_ms']} / p99 {event['server_side_p99_ms']} ms; assign request itself p50 "
        f"{event['assign_request_p50_ms']} / p99 {event['assign_request_p99_ms']} ms)")
    say(f"  background GET load meanwhile: {bg['rps']} req/s, p99 {bg['p99_ms']} ms, errors {bg['errors']}")


def _probe_gets(base, token, path, stop):
    """Authenticated GETs one after another until ``stop`` is set; their latencies in ms."""
    api, latencies, errors = Api(base, token), [], 0
    while not stop.is_set():
        started = time.perf_counter()
        status, _ = api.call("GET", path)
        latencies.append((time.perf_counter() - started) * 1000)
        errors += status != 200
    return latencies, errors


def measure_login_burst(results, platform, people, case_id):
    """The p99 of an authenticated GET while 40 failed logins (unknown users) arrive at once,
    against the same probe without the burst (hardening issue: a login flood must not starve)."""
    base, token, path = platform.base_url, people["head"]["token"], f"/v1/cases/{case_id}"
    say(f"\n▶ login burst: one client's authenticated GET, quiet and during {LOGIN_BURST} concurrent failed logins")

    def probe_while(action, seconds):
        stop = threading.Event()
        with concurrent.futures.ThreadPoolExecutor(1) as pool:
            probe = pool.submit(_probe_gets, base, token, path, stop)
            outcome = action() if action else time.sleep(seconds)
            stop.set()
            return probe.result(), outcome

    def burst():
        def failed_login(i):
            started = time.perf_counter()
            status, _ = Api(base).call("POST", "/v1/auth/token",
                                       {"username": f"nobody-{i}-{uuid.uuid4().hex[:6]}", "password": "wrong-password"})
            return status, (time.perf_counter() - started) * 1000
        with concurrent.futures.ThreadPoolExecutor(LOGIN_BURST) as pool:
            return list(pool.map(failed_login, range(LOGIN_BURST)))

    (quiet, quiet_errors), _ = probe_while(None, 3)
    (during, during_errors), logins = probe_while(burst, None)
    statuses = {}
    for status, _ in logins:
        statuses[str(status)] = statuses.get(str(status), 0) + 1
    login_ms = [ms for _, ms in logins]
    figure = {"burst": LOGIN_BURST, "login_statuses": statuses,
              "login_p50_ms": round(pct(login_ms, 50), 1), "login_max_ms": round(max(login_ms), 1),
              "get_quiet": {"requests": len(quiet), "errors": quiet_errors, "p50_ms": round(pct(quiet, 50), 1),
                            "p99_ms": round(pct(quiet, 99), 1)},
              "get_during_burst": {"requests": len(during), "errors": during_errors,
                                   "p50_ms": round(pct(during, 50), 1), "p99_ms": round(pct(during, 99), 1),
                                   "max_ms": round(max(during), 1)}}
    results["platform"]["login_burst"] = figure
    say(f"  authenticated GET quiet:           p50 {figure['get_quiet']['p50_ms']} ms   "
        f"p99 {figure['get_quiet']['p99_ms']} ms   ({len(quiet)} requests, errors {quiet_errors})")
    say(f"  authenticated GET during the burst: p50 {figure['get_during_burst']['p50_ms']} ms   "
        f"p99 {figure['get_during_burst']['p99_ms']} ms   max {figure['get_during_burst']['max_ms']} ms   "
        f"({len(during)} requests, errors {during_errors})")
    say(f"  the {LOGIN_BURST} failed logins: {statuses} (401 refused, 503 told to come back), "
        f"p50 {figure['login_p50_ms']} ms, slowest {figure['login_max_ms']} ms")


def measure_memory(results, platform):
    rss = {name: round(procstat.rss_mb(pid), 1) for name, pid in platform.pids().items()}
    results["platform"]["rss_mb"] = rss
    secantus = procstat.rss_mb(results["_secantus_pid"])
    results["platform"]["secantusdb_rss_mb"] = round(secantus, 1) if secantus else None
    worst = max(rss.values()) if rss else None
    met = worst is not None and worst <= TARGETS["rss_mb"] and len(rss) == len(platform.processes)
    say("\n▶ resident memory after the run (VmRSS): "
        + ", ".join(f"{k} {v:.1f} MB" for k, v in rss.items())
        + f"   (target every process ≤ {TARGETS['rss_mb']:g} MB: {'met' if met else 'MISSED'}; "
          f"SecantusDB {results['platform']['secantusdb_rss_mb']} MB, not a service)")


# -- report ----------------------------------------------------------------------------------------

def _fmt(value, digits=1):
    return "—" if value is None else f"{value:,.{digits}f}"


def _met(flag):
    return "✅ met" if flag else "❌ missed"


def markdown(results):
    lim, plat, cfg = results["limits"], results["platform"], results["config"]
    echo = lim.get("nameko_http_rpc_echo")
    noop = lim.get("nameko_http_noop")
    lines = [
        f"# Pingjian bench — {results['finished_at']}",
        "",
        f"Machine: {cfg['cpus']} CPUs, Python {cfg['python']}; load tool: {cfg['load_tool']} "
        f"({cfg['clients']} connections{', -t' + str(cfg['wrk_threads']) if cfg['load_tool'] == 'wrk' else ''}, "
        f"{cfg['warmup_s']:g} s warm-up + {cfg['seconds']} s); "
        f"LOG_LEVEL={cfg['LOG_LEVEL']}; commit {cfg.get('commit', '?')}; limits and platform measured in the same run"
        + (" (py-spy profiling on: figures perturbed)." if cfg.get("profiled") else "."),
        "",
        "## Limits",
        "",
        "| Limit | Throughput | p50 | p99 | Errors | Machine CPU per op |",
        "|---|---:|---:|---:|---:|---:|",
    ]
    for label, r in (("nameko `@http` no-op", noop), ("nameko `@http` → `@rpc` echo → JSON", echo),
                     ("the same echo, RPC without publisher confirms (as the platform)",
                      lim.get("nameko_http_rpc_echo_unconfirmed")),
                     ("write limit: `@http` → `@rpc` → the two-document transaction (unconfirmed RPC)",
                      lim.get("write_limit")),
                     ("read limit: `@http` → `@rpc` → `find_one` by `_id` (unconfirmed RPC)", lim.get("read_limit"))):
        if r:
            lines.append(f"| {label} | {_fmt(r['rps'])} req/s | {_fmt(r['p50_ms'], 2)} ms | "
                         f"{_fmt(r['p99_ms'], 2)} ms | {r['errors']} | {_fmt(r.get('machine_cpu_ms_per_request'), 2)} ms |")
    pub = lim.get("kombu_publish_confirmed")
    if pub:
        lines.append(f"| kombu persistent publish + confirm, one at a time | {_fmt(pub['ops_per_s'])} msg/s | "
                     f"{_fmt(pub['p50_ms'], 2)} ms | {_fmt(pub['p99_ms'], 2)} ms | 0 | "
                     f"{_fmt(pub.get('machine_cpu_ms_per_op'), 2)} ms |")
    for key, r in (lim.get("pymongo") or {}).items():
        op, threads = key.rsplit("_t", 1)
        lines.append(f"| pymongo `{op}` ({threads} thread{'s' if threads != '1' else ''}) | "
                     f"{_fmt(r['ops_per_s'])} ops/s | {_fmt(r['p50_ms'], 2)} ms | {_fmt(r['p99_ms'], 2)} ms | 0 | "
                     f"{_fmt(r.get('machine_cpu_ms_per_op'), 2)} ms |")
    lines += ["", "## Platform vs targets", "",
              "| Figure | Value | p50 | p99 | Errors | Ratio to limit | Target | Result |",
              "|---|---:|---:|---:|---:|---:|---|---|"]
    for key, label, target in (("post_cases", "`POST /v1/cases`", "post_vs_echo"),
                               ("get_case", "`GET /v1/cases/{id}`", "get_vs_echo")):
        r = plat.get(key)
        if r:
            met = r["ratio_to_echo"] is not None and r["ratio_to_echo"] >= TARGETS[target] and r["errors"] == 0
            lines.append(f"| {label} at {cfg['clients']} clients | {_fmt(r['rps'])} req/s | {_fmt(r['p50_ms'], 2)} ms | "
                         f"{_fmt(r['p99_ms'], 2)} ms | {r['errors']} | {r['ratio_to_echo']:.2f}× echo "
                         f"({_fmt(r.get('ratio_to_echo_unconfirmed'), 2)}× unconfirmed echo) | "
                         f"≥ {TARGETS[target]}× echo, 0 errors | {_met(met)} |")
    for key, label, ratio_key, target in (("post_cases", "`POST /v1/cases`", "ratio_to_write_limit", "post_vs_write_limit"),
                                          ("get_case", "`GET /v1/cases/{id}`", "ratio_to_read_limit", "get_vs_read_limit")):
        r = plat.get(key)
        if r and r.get(ratio_key) is not None:
            met = r[ratio_key] >= TARGETS[target] and r["errors"] == 0
            lines.append(f"| {label} vs the {ratio_key[9:].replace('_', ' ')} | {_fmt(r['rps'])} req/s | "
                         f"{_fmt(r['p50_ms'], 2)} ms | {_fmt(r['p99_ms'], 2)} ms | {r['errors']} | "
                         f"{r[ratio_key]:.2f}× | ≥ {TARGETS[target]}×, 0 errors | {_met(met)} |")
    ev = plat.get("assign_to_notification")
    if ev:
        met = ev["p99_ms"] is not None and ev["p99_ms"] <= TARGETS["event_p99_ms"] and not ev["errors"] \
            and not ev["missed_after_10s"]
        lines.append(f"| assign → notification readable ({ev['measured']} of {ev['assigns']}), under "
                     f"{_fmt(ev['background_load']['rps'])} req/s of GET | — | {_fmt(ev['p50_ms'])} ms | "
                     f"{_fmt(ev['p99_ms'])} ms | {ev['errors'] + ev['missed_after_10s']} | — | "
                     f"p99 ≤ {TARGETS['event_p99_ms']:g} ms | {_met(met)} |")
    rss = plat.get("rss_mb")
    if rss:
        base = lim.get("nameko_process_rss_mb") or {}
        base_txt = f"{max(base.values()):.0f} MB (bare nameko)" if base else "—"
        for name, mb in rss.items():
            lines.append(f"| RSS `{name}` after the run | {mb:.1f} MB | | | | vs {base_txt} | "
                         f"≤ {TARGETS['rss_mb']:g} MB | {_met(mb <= TARGETS['rss_mb'])} |")
    burst = plat.get("login_burst")
    if burst:
        quiet, during = burst["get_quiet"], burst["get_during_burst"]
        lines.append(f"| authenticated `GET /v1/cases/{{id}}` (one client) during {burst['burst']} concurrent failed "
                     f"logins | — | {_fmt(during['p50_ms'])} ms | {_fmt(during['p99_ms'])} ms | {during['errors']} | "
                     f"quiet p99 {_fmt(quiet['p99_ms'])} ms | reported, no target | logins: {burst['login_statuses']} |")
    post_outbox = (plat.get("post_cases") or {}).get("outbox")
    if post_outbox:
        lines += ["", f"Outbox relay during the POST run: {post_outbox['events_written']} `case.registered` events "
                      f"written; at most {post_outbox['max_pending_during_load']} pending (sampled every 2 s), "
                      f"{post_outbox['pending_at_end_of_load']} at the end, drained in {post_outbox['drain_seconds']} s. "
                      f"The GET run starts after the drain."]
    if ev:
        lines += ["", f"Event latency detail: lower bound (time the successful poll was sent) p50 "
                      f"{_fmt(ev['lower_bound_p50_ms'])} / p99 {_fmt(ev['lower_bound_p99_ms'])} ms; server clocks "
                      f"(case `updated_at` → notification `created_at`) p50 {_fmt(ev['server_side_p50_ms'])} / p99 "
                      f"{_fmt(ev['server_side_p99_ms'])} ms; the assign request itself p50 "
                      f"{_fmt(ev['assign_request_p50_ms'])} / p99 {_fmt(ev['assign_request_p99_ms'])} ms; background "
                      f"GET p99 {_fmt(ev['background_load']['p99_ms'], 2)} ms, errors "
                      f"{ev['background_load']['errors']}."]
    rows = [(label, r) for label, r in (("no-op limit", noop), ("echo limit", echo),
                                        ("write limit", lim.get("write_limit")), ("read limit", lim.get("read_limit")),
                                        ("POST /v1/cases", plat.get("post_cases")),
                                        ("GET /v1/cases/{id}", plat.get("get_case"))) if r]
    if rows:
        names = sorted({n for _, r in rows for n in r.get("cpu_ms_per_request", {})})
        lines += ["", "## CPU per request (ms of CPU per completed request, by process)", "",
                  "| Run | " + " | ".join(names) + " | whole machine | machine busy (cores) |",
                  "|---|" + "---:|" * (len(names) + 2)]
        for label, r in rows:
            cells = [_fmt(r.get("cpu_ms_per_request", {}).get(n), 2) for n in names]
            lines.append(f"| {label} | " + " | ".join(cells) + f" | {_fmt(r.get('machine_cpu_ms_per_request'), 2)} | "
                         f"{r.get('machine_busy_cores', '—')} of {cfg['cpus']} |")
        db_rows = [(label, r["db_per_request"]) for label, r in rows if r.get("db_per_request")]
        if db_rows:
            lines += ["", "SecantusDB work per HTTP request (serverStatus deltas over the measured run): "
                      + "; ".join(f"{label}: " + ", ".join(f"{k} {v}" for k, v in d.items()) for label, d in db_rows)
                      + "."]
    if results.get("scale"):
        lines += scale.markdown_rows(results["scale"])
    return "\n".join(lines) + "\n"


def write_outputs(results):
    OUT.mkdir(parents=True, exist_ok=True)
    public = {k: v for k, v in results.items() if not k.startswith("_")}
    (OUT / "last-run.json").write_text(json.dumps(public, indent=2, ensure_ascii=False) + "\n")
    (OUT / "last-run.md").write_text(markdown(public), encoding="utf-8")
    say(f"\n✓ results: {OUT / 'last-run.md'} and {OUT / 'last-run.json'}")
    if PROFILE and PROFILE_DIR.exists():
        from bench import profile_report
        (OUT / "profile.md").write_text(profile_report.markdown(PROFILE_DIR, public), encoding="utf-8")
        say(f"✓ profile summary: {OUT / 'profile.md'} (raw stacks in {PROFILE_DIR})")


# -- main --------------------------------------------------------------------------------------------

def main():
    run_id = f"bench{datetime.now().strftime('%H%M%S')}{uuid.uuid4().hex[:6]}"
    vhost = f"pingjian-{run_id}"
    amqp_uri = f"pyamqp://guest:guest@{AMQP_HOST}/{urllib.parse.quote(vhost, safe='')}"
    for stale in (LOG_DIR, OUT / "wrk", *([PROFILE_DIR] if PROFILE else [])):  # this run's files only
        shutil.rmtree(stale, ignore_errors=True)
    LOG_DIR.mkdir(parents=True, exist_ok=True)
    runner = load.make_runner(OUT / "wrk", WRK_THREADS, CLIENTS)
    results = {
        "started_at": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "config": {"cpus": os.cpu_count(), "python": pyplatform.python_version(), "load_tool": runner.tool,
                   "wrk_threads": WRK_THREADS, "clients": CLIENTS, "seconds": SECONDS, "warmup_s": WARMUP,
                   "assigns": ASSIGNS, "LOG_LEVEL": os.environ.get("LOG_LEVEL", "INFO"), "vhost": vhost,
                   "profiled": PROFILE, "commit": git_revision()},
        "targets": TARGETS, "limits": {}, "platform": {},
    }
    say(f"• Pingjian bench {run_id} at commit {results['config']['commit']}: vhost {vhost}, load tool {runner.tool}, "
        f"logs in {LOG_DIR}")
    if PROFILE:
        say("• BENCH_PROFILE=1: py-spy profiles go to var/bench/profiles/ (figures of this run are perturbed)")
    broker_reachable(f"pyamqp://guest:guest@{AMQP_HOST}/")
    create_vhost(vhost)
    databases = platform = None
    failed = False
    results["config"]["phases"] = PHASES
    say(f"• phases: {', '.join(PHASES)}")
    try:
        broker_reachable(amqp_uri)
        # As make run: one SecantusDB process per service database (in memory here).
        # A larger WiredTiger cache than the default 1G: the bulk load of the scale phase overflowed
        # it (WT_CACHE_FULL) on a loaded machine.
        databases = ServiceDatabases(":memory:", LOG_DIR, cache_size=os.environ.get("BENCH_DB_CACHE", "3G"))
        uris = databases.start()
        mongo_uri = uris["cases"]
        results["_secantus_pid"] = databases.processes["cases"].popen.pid
        results["_database_pids"] = databases.pids()
        if "limits" in PHASES:
            measure_raw(results, amqp_uri, mongo_uri, run_id)
            measure_nameko_limits(results, runner, {"AMQP_URI": amqp_uri}, mongo_uri, run_id)

        admin_user, admin_password = f"admin_{run_id[-6:]}", secrets.token_urlsafe(16)
        env = {"AMQP_URI": amqp_uri, "MONGO_URI": mongo_uri, "MONGO_DB_PREFIX": run_id,
               "JWT_SECRET": secrets.token_urlsafe(48), "PINGJIAN_ADMIN_USER": admin_user,
               "PINGJIAN_ADMIN_PASSWORD": admin_password,
               "PINGJIAN_DATA_KEYS": f"bench:{Fernet.generate_key().decode()}"}
        say("\n• starting the platform (every service and the gateway; a SecantusDB per service)")
        platform = LocalPlatform(env, LOG_DIR, gateway_port=free_port(), overrides=databases.overrides())
        platform.start()
        people = setup_users(platform.base_url, admin_user, admin_password, run_id)
        if "platform" in PHASES:
            outbox = Outbox(mongo_uri, run_id)
            try:
                measure_platform(results, runner, platform, people, run_id, outbox)
                measure_fanout(results, platform.base_url, uris, run_id, people["head"]["token"],
                               people["prosecutor"]["id"], Api, create_cases, pct, say)
            finally:
                outbox.close()
        if "scale" in PHASES:
            say(f"\n• bulk-loading {scale.CASES:,} cases and {scale.NOTIFICATIONS:,} notifications into the databases")
            info = scale.load(uris, run_id, people)
            say(f"  loaded in {info['load_seconds']} s")
            cpu_pids = machine_pids({**platform.pids(), **databases.pids()})
            scale.measure(results, platform.base_url, people, info, CLIENTS, cpu_pids)
            say(f"\n▶ recommendations: the overdue list over {recommendations.COUNT:,} recommendations (issue 9)")
            overdue = recommendations.measure_overdue_list(platform.base_url, people["manager"]["token"],
                                                           uris["recommendations"], run_id)
            results["recommendations_overdue"] = overdue
            say(f"  {json.dumps(overdue, ensure_ascii=False)}")
        measure_memory(results, platform)
    except Exception:
        failed = True
        traceback.print_exc()
        say("✗ bench broke (see the traceback above and var/bench/logs/)")
    finally:
        if platform is not None:
            platform.stop()
        if databases is not None:
            databases.stop()
        try:
            delete_vhost(vhost)
        except Exception as exc:  # reported, the figures are still worth writing
            say(f"! could not delete vhost {vhost}: {exc}")
        results["finished_at"] = datetime.now(timezone.utc).isoformat(timespec="seconds")
        results["status"] = "broken" if failed else "ok"
        write_outputs(results)
    return 1 if failed else 0


if __name__ == "__main__":
    # A stopped bench (SIGTERM: kill, a CI's timeout) still stops its platform and deletes its vhost
    # in main's ``finally``; left behind, the vhost kept its queues and their messages (seen: 6,000).
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    sys.exit(main())
