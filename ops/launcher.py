"""Start and stop the whole platform as local processes.

One implementation used by ``make run`` (ops/run_local.py), the e2e tests
and the benchmark: SecantusDB (optional), one ``nameko run`` process per
service, the gateway; readiness is checked the way ops would check it
(the gateway's /health and each service's health RPC over the broker).
"""
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

from kit.redact import redact

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent

# Every process of the platform: name -> nameko service class path.
SERVICES = {
    "accounts": "services.accounts.service:AccountsService",
    "cases": "services.cases.service:CasesService",
    "notifications": "services.notifications.service:NotificationsService",
    "recommendations": "services.recommendations.service:RecommendationsService",
    "audit": "services.audit.service:AuditService",
    "budgeting": "services.budgeting.service:BudgetingService",
    "inspections": "services.inspections.service:InspectionsService",
    "exports": "services.exports.service:ExportsService",
}
GATEWAY = "gateway.service:GatewayService"
# A health check that has not answered by then is given up and asked again (kit.healthcheck waits 5 s).
HEALTHCHECK_BOUND_SECONDS = 15


def service_command(target):
    """The command that runs one service (``nameko run`` with a bounded stop: kit/run.py)."""
    return [str(BIN / "python"), "-m", "kit.run", "--config", str(ROOT / "config.yml"), target]


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_until(check, timeout, what):
    deadline = time.monotonic() + timeout
    last_error = None
    while time.monotonic() < deadline:
        try:
            if check():
                return
        except Exception as exc:  # not up yet
            last_error = exc
        time.sleep(0.2)
    raise TimeoutError(redact(f"{what} not ready after {timeout:.0f}s (last error: {last_error!r})"))


def broker_reachable(amqp_uri, timeout=3, hint="Start it (e.g. `rabbitmq-server -detached`) or set AMQP_URI."):
    """Raise ConnectionError with a clear message (password masked) if RabbitMQ cannot be reached."""
    from kombu import Connection
    try:
        with Connection(amqp_uri, connect_timeout=timeout) as connection:
            connection.ensure_connection(max_retries=1, interval_start=0)  # kombu would wait 2 s to retry
    except Exception as exc:
        raise ConnectionError(redact(f"RabbitMQ is not reachable at {amqp_uri} ({exc}). {hint}")) from None


def mongo_ping(uri):
    from pymongo import MongoClient
    with MongoClient(uri, serverSelectionTimeoutMS=1000) as client:
        return client.admin.command("ping")["ok"] == 1


def _die_with_parent():
    """Runs in the child before exec (Linux): SIGTERM it when the launcher dies, even by SIGKILL
    or a test runner's hard timeout, so no orphaned platform keeps ports and CPU."""
    signal.signal(signal.SIGTERM, signal.SIG_DFL)  # an ignored SIGTERM would survive exec
    try:
        import ctypes
        ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGTERM)  # 1 = PR_SET_PDEATHSIG
    except (OSError, AttributeError):  # not Linux: children are still stopped on a normal exit
        pass


# Work that runs behind the requests, at a lower CPU priority (nice): the access ledger's consumer and
# its database. Its entries wait durably in RabbitMQ, so on a machine the whole platform shares, a
# busy minute makes the ledger catch up later instead of slowing the requests it records (issue 13:
# measured by make bench as the ratio with and without the ledger). PINGJIAN_BACKGROUND_NICE=0 turns
# it off. Compose gives the audit containers lower cpu_shares for the same reason.
BACKGROUND = ("audit",)


def background_nice(name):
    """The niceness of process ``name`` ("audit", "secantusdb-audit"): 0 unless it is background work."""
    service = name[len("secantusdb-"):] if name.startswith("secantusdb-") else name
    return int(os.environ.get("PINGJIAN_BACKGROUND_NICE", "10")) if service in BACKGROUND else 0


def _lower_priority(nice):
    """Runs in the child before exec: nice it, and its scheduler autogroup too. Each process starts a
    session of its own, and with autogroups (Linux's default on desktops and many VMs) the scheduler
    first shares the CPU between sessions, where a process's own nice value counts for nothing: the
    group's nice (``/proc/self/autogroup``) is what yields (measured: a niced ledger still took half a
    core from the requests until its autogroup was niced too)."""
    os.nice(nice)
    try:
        with open("/proc/self/autogroup", "w") as autogroup:
            autogroup.write(str(nice))
    except OSError:  # no autogroups (a container, another OS): the process's nice is what counts
        pass


class Process:
    def __init__(self, name, args, env, log_dir, cwd=ROOT):
        self.name, self.args, self.env, self.cwd = name, args, env, cwd
        self.nice = background_nice(name)
        self.log_path = Path(log_dir) / f"{name}.log"
        self.popen = None

    def start(self):
        self.log_path.parent.mkdir(parents=True, exist_ok=True)
        log = open(self.log_path, "ab")
        # A new session: Ctrl-C in the terminal reaches the launcher only, which
        # then stops the children in order.
        nice = self.nice

        def before_exec():
            _die_with_parent()
            if nice:
                _lower_priority(nice)
        self.popen = subprocess.Popen(self.args, env=self.env, cwd=self.cwd, stdout=log, stderr=subprocess.STDOUT,
                                      start_new_session=True, preexec_fn=before_exec)
        log.close()
        return self

    def alive(self):
        return self.popen is not None and self.popen.poll() is None

    def stop(self, timeout=10):
        stop_together([self], timeout)

    def tail(self, lines=40):
        """The end of the process's log, for error messages (URI passwords masked)."""
        try:
            return redact("\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:]))
        except OSError:
            return ""


def stop_together(processes, timeout=10):
    """SIGTERM to each of ``processes`` at once, then wait for them within one shared ``timeout``;
    any still running then is killed. At once, because each takes seconds to stop gracefully (its
    in-flight work, its managed threads): one after the other, a platform took some 40 s to stop."""
    live = [proc for proc in processes if proc.alive()]
    for proc in live:
        proc.popen.send_signal(signal.SIGTERM)
    deadline = time.monotonic() + timeout
    for proc in live:
        try:
            proc.popen.wait(max(deadline - time.monotonic(), 0.01))
        except subprocess.TimeoutExpired:
            proc.popen.kill()
            proc.popen.wait()


def launch_secantus(storage_path, port, log_dir, name="secantusdb", cache_size=None):
    """SecantusDB (MongoDB wire protocol) as its own process, started but not waited for: (proc, uri).
    GPL, so never imported. ``cache_size`` (e.g. "2G"): its WiredTiger cache, default 1G."""
    if storage_path != ":memory:":
        Path(storage_path).mkdir(parents=True, exist_ok=True)
    proc = Process(name, [str(BIN / "secantusd-py"), "--host", "127.0.0.1", "--port", str(port),
                          "--storage-path", str(storage_path), "--log-level", "WARNING",
                          *(["--cache-size", cache_size] if cache_size else [])],
                   dict(os.environ), log_dir).start()
    return proc, f"mongodb://127.0.0.1:{port}/"


def await_secantus(proc, uri, timeout=60):
    """Wait until a launched SecantusDB answers; stopped and named with its log's end if it does not."""
    try:
        wait_until(lambda: proc.alive() and mongo_ping(uri), timeout, proc.name)
    except TimeoutError:
        proc.stop()
        raise RuntimeError(f"{proc.name} did not start:\n{proc.tail()}") from None


def start_secantus(storage_path, port, log_dir, name="secantusdb", cache_size=None):
    """SecantusDB as its own process, answering when this returns: (proc, uri)."""
    proc, uri = launch_secantus(storage_path, port, log_dir, name, cache_size)
    await_secantus(proc, uri)
    return proc, uri


# -- one SecantusDB process per service database ------------------------------------------------
# SecantusDB serves one request at a time per process and materialises a scan whole: with every
# service on one process, one service's slow read stalled all the others (four concurrent 1.7 s
# lists held an unrelated point read for 6.8 s). So ``make run`` gives each service's database its
# own process, data in <var>/mongo/<service>/, and each service its own MONGO_URI. (Docker compose
# keeps one real MongoDB replica set: mongod serves requests concurrently.)
# A database of no current service in a store of the earlier single-process layout (the gateway's
# old users, which the accounts service's upgrade reads) goes with the accounts database.
HOME_OF_OTHER_DATABASES = "accounts"
# How long each database may take to stop (its checkpoint) before it is killed.
STOP_SECONDS_EACH = 10


class ServiceDatabases:
    """SecantusDB processes, one per service in SERVICES: ``start()`` -> {service: uri}."""

    def __init__(self, root, log_dir, base_port=None, services=None, cache_size=None):
        self.root = root if root == ":memory:" else Path(root)
        self.cache_size = cache_size
        self.log_dir = log_dir
        self.base_port = base_port
        self.services = list(services or SERVICES)
        self.processes, self.uris = {}, {}

    def path(self, service):
        return ":memory:" if self.root == ":memory:" else self.root / service

    def start(self):
        # All launched at once, then each waited for: they are independent, and one after the other
        # a platform's eight took some 10 s to start on 2 cores (each waiting for its own first ping).
        try:
            for i, service in enumerate(self.services):
                port = self.base_port + i if self.base_port else free_port()
                proc, uri = launch_secantus(self.path(service), port, self.log_dir, name=f"secantusdb-{service}",
                                            cache_size=self.cache_size)
                self.processes[service], self.uris[service] = proc, uri
            for service, proc in self.processes.items():
                await_secantus(proc, self.uris[service])
        except Exception:
            self.stop()
            raise
        return dict(self.uris)

    def overrides(self):
        """LocalPlatform overrides: each service's own MONGO_URI."""
        return {service: {"MONGO_URI": uri} for service, uri in self.uris.items()}

    def pids(self):
        return {f"secantusdb-{s}": p.popen.pid for s, p in self.processes.items() if p.alive()}

    def stop(self):
        # Together, but within the sum of their own bounds (STOP_SECONDS_EACH each): a database writes
        # its checkpoint as it stops, and eight at once on 2 cores outran a shared 10 s bound (killed, a
        # restart then found its port taken — seen in a CI run of make run's restart test); one after
        # the other, eight took some 17 s even in memory, where there is no checkpoint to write.
        processes = list(self.processes.values())
        stop_together(processes, timeout=STOP_SECONDS_EACH * max(len(processes), 1))


def start_service_databases(root, log_dir, base_port=None, say=print):
    """The started ServiceDatabases under ``root``; a store of the earlier single-process layout
    found there is split into them first (``split_single_store``)."""
    pending = _set_aside_single_store(root) if root != ":memory:" else None
    databases = ServiceDatabases(root, log_dir, base_port)
    databases.start()
    if pending is not None and pending.exists():
        try:
            say(f"• one database process per service now: moving the data of {pending} into them")
            split_single_store(pending, root, log_dir, databases, say)
        except Exception:
            databases.stop()
            raise
    return databases


def _set_aside_single_store(root):
    """Move an earlier single store's files out of ``root`` (to ``<root>.single-store``) so the
    per-service stores can live under it; returns that path (existing if a split is pending)."""
    root = Path(root)
    old = root.parent / (root.name + ".single-store")
    if (root / "WiredTiger").exists() and not old.exists():
        old.mkdir()
        for entry in list(root.iterdir()):
            entry.rename(old / entry.name)
    return old


def split_single_store(old, root, log_dir, databases, say=print):
    """Copy each database of the earlier single store at ``old`` into its service's own store, then
    keep the old store as <root>/single-store-before-split (a backup nothing reads). Indexes are
    created by each service at its start. Documents already copied (same ``_id``) are skipped, so a
    split interrupted midway simply runs again at the next start."""
    from pymongo import MongoClient
    from pymongo.errors import BulkWriteError
    proc, uri = start_secantus(old, free_port(), log_dir, name="secantusdb-single-store")
    try:
        with MongoClient(uri, tz_aware=True) as source:
            for name in source.list_database_names():
                if name in ("admin", "local", "config"):
                    continue
                service = next((s for s in databases.services if name.endswith(f"_{s}")), HOME_OF_OTHER_DATABASES)
                with MongoClient(databases.uris[service], tz_aware=True) as target:
                    copied = 0
                    for collection in source[name].list_collection_names():
                        batch = []
                        for doc in source[name][collection].find({}):
                            batch.append(doc)
                            if len(batch) >= 1000:
                                copied += _insert_new(target[name][collection], batch, BulkWriteError)
                                batch = []
                        if batch:
                            copied += _insert_new(target[name][collection], batch, BulkWriteError)
                say(f"  moved database {name} to the {service} store ({copied} documents)")
    finally:
        proc.stop()
    Path(old).rename(Path(root) / "single-store-before-split")


def _insert_new(collection, docs, error):
    try:
        return len(collection.insert_many(docs, ordered=False).inserted_ids)
    except error as exc:  # already copied by an interrupted earlier run
        return exc.details.get("nInserted", 0)


class LocalPlatform:
    """The services and the gateway as ``nameko run`` processes sharing one environment.

    ``overrides`` maps a process name to extra environment for that process
    only (the outage test points one service's relay at a breakable proxy).
    """

    def __init__(self, env, log_dir, gateway_port=8000, overrides=None, services=None):
        self.env = {**os.environ, **env, "PYTHONPATH": str(ROOT),
                    "GATEWAY_ADDRESS": f"127.0.0.1:{gateway_port}"}
        self.log_dir = Path(log_dir)
        self.base_url = f"http://127.0.0.1:{gateway_port}"
        self.overrides = overrides or {}
        # Every service unless told otherwise (a test platform that needs only some of them).
        self.services = list(services or SERVICES)
        self.processes = {}

    def _nameko(self, name, target):
        env = {**self.env, **self.overrides.get(name, {})}
        return Process(name, service_command(target), env, self.log_dir)

    def start(self, timeout=60):
        for name in self.services:
            self.processes[name] = self._nameko(name, SERVICES[name]).start()
        self.processes["gateway"] = self._nameko("gateway", GATEWAY).start()
        try:
            self.wait_healthy(self.services, timeout)
            wait_until(self._gateway_healthy, timeout, "gateway")
        except Exception:
            self.stop()
            raise
        return self

    def restart_wait(self, name, timeout=60):
        self.wait_healthy([name], timeout)

    def wait_healthy(self, names, timeout=60):
        """Wait until each service of ``names`` answers its health RPC (``kit.healthcheck``, as ops
        would ask), asking them all at once: one after the other, each waited for the ones before."""
        deadline = time.monotonic() + timeout
        checks = {}  # name -> (running check, started at)
        pending = list(names)
        try:
            while pending:
                for name in list(pending):
                    proc = self.processes[name]
                    if not proc.alive():
                        raise RuntimeError(redact(f"{name} exited:\n{proc.tail()}"))
                    check, started = checks.get(name, (None, 0))
                    if check is not None and check.poll() is None:
                        if time.monotonic() - started > HEALTHCHECK_BOUND_SECONDS:
                            check.kill()
                            check.wait()
                            checks.pop(name)
                        continue
                    if check is not None and check.returncode == 0:
                        pending.remove(name)
                        continue
                    checks[name] = (subprocess.Popen([str(BIN / "python"), "-m", "kit.healthcheck", name], env=self.env,
                                                     cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL),
                                    time.monotonic())
                if pending and time.monotonic() > deadline:
                    raise TimeoutError(f"{', '.join(pending)} not ready after {timeout:.0f}s")
                time.sleep(0.2)
        finally:
            for check, _ in checks.values():
                if check.poll() is None:
                    check.kill()
                    check.wait()

    def _gateway_healthy(self):
        if not self.processes["gateway"].alive():
            raise RuntimeError(f"gateway exited:\n{self.processes['gateway'].tail()}")
        with urllib.request.urlopen(self.base_url + "/health", timeout=2) as response:
            return response.status == 200

    def stop(self):
        # Gateway first (no new requests), then the services, together (none depends on another to stop:
        # what one has not published yet waits in its outbox, what it has not consumed in its queue).
        if "gateway" in self.processes:
            self.processes["gateway"].stop()
        stop_together([self.processes[name] for name in reversed(list(SERVICES)) if name in self.processes])

    def pids(self):
        return {name: proc.popen.pid for name, proc in self.processes.items() if proc.alive()}
