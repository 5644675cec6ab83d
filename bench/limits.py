"""Baseline nameko services for ``make bench``: the limits the platform is compared with.

Plain nameko, none of Pingjian's kit: what nameko 2.14 on this machine can do
at best for the same shape of work.

* ``NoopHttpService``  — ``GET /noop``: an ``@http`` route that does nothing.
* ``EchoHttpService``  — ``GET /echo``: ``@http`` → one ``@rpc`` call → JSON.
* ``EchoService``      — the ``@rpc`` echo it calls.
* ``EchoUnconfirmedHttpService`` / ``EchoUnconfirmedService`` — the same echo
  with RPC published without publisher confirms (requests and replies), the
  setting the platform uses (kit/rpc.py, kit/rpc_client.py): the like-for-like limit.
* ``StoreLimitHttpService`` / ``StoreLimitService`` — the write limit (``POST /write``:
  the two-document transaction of a registration) and the read limit (``GET /read/<id>``:
  ``find_one`` by ``_id``), on the SecantusDB process of the cases service, RPC unconfirmed.

Each runs as its own ``nameko run --config bench/limits.yml bench.limits:<Class>``
process (bench/run.py starts them through ops.launcher.Process).
"""
import json
import uuid
from datetime import datetime, timezone

from nameko.extensions import DependencyProvider
from nameko.rpc import RpcProxy, rpc
from nameko.web.handlers import http

from kit.mongo import ensure_indexes, get_client, run_in_transaction
from kit.rpc import Rpc

unconfirmed_rpc = Rpc.decorator


class NoopHttpService:
    name = "bench_noop_http"

    @http("GET", "/noop")
    def noop(self, request):
        return ""


class EchoService:
    name = "bench_echo"

    @rpc
    def echo(self, value):
        return value


class EchoHttpService:
    name = "bench_echo_http"

    echo = RpcProxy("bench_echo")

    @http("GET", "/echo")
    def echo_route(self, request):
        return 200, {"Content-Type": "application/json"}, json.dumps({"echo": self.echo.echo("ping")})


class EchoUnconfirmedService:
    name = "bench_echo_unconfirmed"

    @unconfirmed_rpc
    def echo(self, value):
        return value


class EchoUnconfirmedHttpService:
    name = "bench_echo_unconfirmed_http"

    echo = RpcProxy("bench_echo_unconfirmed", use_confirms=False)

    @http("GET", "/echo")
    def echo_route(self, request):
        return 200, {"Content-Type": "application/json"}, json.dumps({"echo": self.echo.echo("ping")})


# -- the limits that match the platform's work: a registration's transaction, a point read ----------

def limit_indexes():
    """The indexes the platform's two collections carry, so each insert maintains as many entries."""
    from kit.outbox import INDEXES as OUTBOX_INDEXES
    from services.cases.storage import INDEXES
    return {"cases": INDEXES["cases"], **OUTBOX_INDEXES}


def limit_case(unique):
    """A case as a registration writes it (kit/aggregate.py adds the version and the search grams)."""
    from kit import search
    now = datetime.now(timezone.utc)
    case_no, title = f"宁检刑诉〔2026〕{unique}号", "基准测试案件"
    return {"_id": uuid.uuid4().hex, "case_no": case_no, "title": title, "category": "criminal",
            "department": "criminal", "handler_id": None, "status": "registered", "version": 1,
            "created_by": "bench", "created_at": now, "updated_at": now,
            search.FIELD: search.grams(case_no, title)}


def limit_outbox_record(case):
    """An outbox record as kit/outbox.py writes one for case.registered."""
    from kit.outbox import next_sequence
    event_id = uuid.uuid4().hex
    envelope = {"event_id": event_id, "type": "case.registered", "version": 1, "source": "cases",
                "occurred_at": case["created_at"].isoformat(), "aggregate_id": case["_id"], "aggregate_version": 1,
                "correlation_id": uuid.uuid4().hex, "actor": {"user_id": "bench", "roles": ["department_head"],
                                                              "department": "criminal"},
                "payload": {key: case[key] for key in ("case_no", "title", "category", "department", "status")}}
    return {"_id": event_id, "type": "case.registered", "aggregate_id": case["_id"], "envelope": envelope,
            "status": "pending", "seq": next_sequence(), "created_at": case["created_at"], "attempts": 0}


class LimitDatabase(DependencyProvider):
    """The database the write and read limits use: a database of their own on the SecantusDB
    process the cases service uses (LIMIT_MONGO_URI), opened the way the platform opens one
    (kit.mongo.get_client: one client per process, the same bounded operations)."""

    def setup(self):
        config = self.container.config
        self.db = get_client(config["LIMIT_MONGO_URI"])[config["LIMIT_DB"]]

    def start(self):
        ensure_indexes(self.db, limit_indexes())

    def get_dependency(self, worker_ctx):
        return self.db


class StoreLimitService:
    """``write``: the same two-document transaction a registration commits (a case and its outbox
    record, on the same database, through kit.mongo.run_in_transaction); ``read``: ``find_one`` by
    ``_id``. Nothing else: no validation, no rules, no events."""
    name = "bench_store_limit"

    db = LimitDatabase()

    @unconfirmed_rpc
    def write(self, unique):
        case = limit_case(unique)
        record = limit_outbox_record(case)

        def work(session):
            self.db.cases.insert_one(case, session=session)
            self.db.outbox.insert_one(record, session=session)
        run_in_transaction(self.db, work)
        return {"id": case["_id"]}

    @unconfirmed_rpc
    def read(self, doc_id):
        doc = self.db.cases.find_one({"_id": doc_id})
        return {"id": doc["_id"], "case_no": doc["case_no"]} if doc else None


class StoreLimitHttpService:
    """``POST /write`` and ``GET /read/<id>``: ``@http`` → ``@rpc`` (published without confirms, as
    the platform's gateway does) → the database work above → JSON."""
    name = "bench_store_limit_http"

    store = RpcProxy("bench_store_limit", use_confirms=False)

    @http("POST", "/write")
    def write_route(self, request):
        return 201, {"Content-Type": "application/json"}, json.dumps(self.store.write(uuid.uuid4().hex[:12]))

    @http("GET", "/read/<doc_id>")
    def read_route(self, request, doc_id):
        return 200, {"Content-Type": "application/json"}, json.dumps(self.store.read(doc_id))
