"""Periodic jobs ("daily data checks at 02:00 Asia/Shanghai") that run once per period across replicas.

Each (job, period) has one run record in the service's own database (``job_runs``, ``_id`` =
``<job>:<period>``): inserting it is the claim, so one replica runs it; the runner renews its lease
while it works, and a run whose runner died is taken over after its lease. A period that passed
while no replica was running is not made up for: the job runs for the current period (data checks
look at the data as it is, not at a missed day).

``@periodic("cases.data_checks.daily", Every.day(at=time(2, 0)))`` on ``def daily(self, run)``; the
service declares ``jobs = Jobs()``. The method's return value (a small dict) is kept on the run
record as its summary. A job may also run on request (``self.jobs.request(job, data)`` in a
command; ``every=None`` for a job that only runs so): the request is a run record the timer of any
replica claims like a due period, and ``run["data"]`` carries what the requester asked for.
"""
import logging
import os
import socket
import uuid
from dataclasses import dataclass
from datetime import time, timedelta

import eventlet
from nameko.extensions import DependencyProvider, Entrypoint
from pymongo import ASCENDING, DESCENDING, IndexModel, ReturnDocument
from pymongo.errors import DuplicateKeyError, PyMongoError

from kit import clock
from kit.mongo import ensure_indexes, service_database

log = logging.getLogger("pingjian.jobs")

RUNS = "job_runs"
REQUESTED, RUNNING, DONE, FAILED = "requested", "running", "done", "failed"
INDEXES = {RUNS: [IndexModel([("job", ASCENDING), ("started_at", ASCENDING)]),
                  IndexModel([("status", ASCENDING), ("job", ASCENDING)]),
                  IndexModel([("created_at", DESCENDING), ("_id", DESCENDING)])]}


@dataclass(frozen=True)
class Every:
    """When a job is due: once a ``unit`` (day, week starting Monday, month), from ``at`` local time
    (Asia/Shanghai); or, for tests, every ``seconds``."""
    unit: str = "day"
    at: time = time(0, 0)
    seconds: int = 0

    @classmethod
    def day(cls, at=time(0, 0)):
        return cls("day", at)

    @classmethod
    def week(cls, at=time(0, 0)):
        return cls("week", at)

    @classmethod
    def month(cls, at=time(0, 0)):
        return cls("month", at)

    @classmethod
    def interval(cls, seconds):
        return cls("seconds", seconds=int(seconds))

    def period(self, moment):
        """The key of the period ``moment`` (UTC) belongs to: the latest start at or before it."""
        if self.unit == "seconds":
            return str(int(moment.timestamp()) // self.seconds)
        local = moment.astimezone(clock.SHANGHAI)
        # Periods turn at ``at`` local time: before it, the moment still belongs to the day before.
        day = local.date() if local.time() >= self.at else local.date() - timedelta(days=1)
        if self.unit == "day":
            return day.isoformat()
        if self.unit == "week":
            year, week, _ = day.isocalendar()
            return f"{year}-W{week:02d}"
        if self.unit == "month":
            return f"{day.year}-{day.month:02d}"
        raise ValueError(f"unknown unit {self.unit}")


class PeriodicJob(Entrypoint):
    """The entrypoint behind ``@periodic``; its worker is spawned by the Jobs timer."""

    def __init__(self, job, every, **kwargs):
        self.job, self.every = job, every
        super().__init__(**kwargs)

    def setup(self):
        if not isinstance(getattr(self.container.service_cls, "jobs", None), Jobs):
            raise TypeError(f"{self.container.service_name}.{self.method_name} is a periodic job, but the "
                            f"service declares no `jobs = Jobs()`")


def periodic(job, every):
    def decorate(fn):
        def run(self, record):
            return self.jobs.run(record, lambda: fn(self, record))
        run.__name__, run.__qualname__, run.__doc__ = fn.__name__, fn.__qualname__, fn.__doc__
        return PeriodicJob.decorator(job, every)(run)
    return decorate


class _JobRunner:
    """A worker's handle (``self.jobs``): runs one claimed record, keeping its lease alive; asks for a
    run of a job; reads run records."""

    def __init__(self, db, owner, lease):
        self._runs = db[RUNS]
        self.owner, self.lease = owner, lease

    def request(self, job, data=None, requested_by=None):
        """A run of ``job`` now, by whichever replica claims it first; returns its record."""
        now = clock.now()
        record = {"_id": f"{job}:requested-{uuid.uuid4().hex[:12]}", "job": job, "status": REQUESTED,
                  "requested": True, "data": data or {}, "requested_by": requested_by, "created_at": now, "attempts": 0,
                  "owner": None, "lease_until": now}
        self._runs.insert_one(record)
        return record

    def get(self, run_id):
        return self._runs.find_one({"_id": run_id})

    @property
    def collection(self):
        return self._runs

    def run(self, record, work):
        heartbeat = eventlet.spawn(self._renew, record["_id"])
        try:
            summary = work()
        except Exception as exc:
            self._finish(record, FAILED, {"error": repr(exc)[:500]})
            raise
        finally:
            heartbeat.kill()
        self._finish(record, DONE, summary if isinstance(summary, dict) else {})
        return summary

    def _renew(self, run_id):
        while True:
            eventlet.sleep(self.lease.total_seconds() / 3)
            try:
                self._runs.update_one({"_id": run_id, "owner": self.owner, "status": RUNNING},
                                      {"$set": {"lease_until": clock.now() + self.lease}})
            except PyMongoError as exc:  # the next beat tries again; the lease has slack for it
                log.warning("could not renew the lease of %s: %s", run_id, exc)

    def _finish(self, record, status, summary):
        self._runs.update_one({"_id": record["_id"], "owner": self.owner},
                              {"$set": {"status": status, "finished_at": clock.now(), "summary": summary}})
        log.info("job run %s %s: %s", record["_id"], status, summary, extra={"job_run": record["_id"]})


class Jobs(DependencyProvider):
    """``jobs = Jobs()``: this replica's timer for the service's ``@periodic`` jobs.

    Config: JOB_POLL_SECONDS (30), JOB_LEASE_SECONDS (300: a run whose runner stopped renewing is
    taken over after this), JOB_MAX_ATTEMPTS (3 per period: then the period is left failed, logged)."""

    def setup(self):
        config = self.container.config
        self.db = service_database(config, self.container.service_name)
        self.poll = float(config.get("JOB_POLL_SECONDS", 30))
        self.lease = timedelta(seconds=float(config.get("JOB_LEASE_SECONDS", 300)))
        self.max_attempts = int(config.get("JOB_MAX_ATTEMPTS", 3))
        self.owner = f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"
        self._running = False

    def start(self):
        ensure_indexes(self.db, INDEXES)
        self.jobs = [entrypoint for entrypoint in self.container.entrypoints if isinstance(entrypoint, PeriodicJob)]
        if self.jobs:
            self._running = True
            self.container.spawn_managed_thread(self._run, identifier="job_timer")

    def stop(self):
        self._running = False

    def kill(self):
        self._running = False

    def get_dependency(self, worker_ctx):
        return _JobRunner(self.db, self.owner, self.lease)

    def _run(self):
        while self._running:
            for entrypoint in self.jobs:
                try:
                    if entrypoint.every is not None:
                        self.start_due(entrypoint)
                    self.start_requested(entrypoint)
                except PyMongoError as exc:
                    log.warning("job timer paused: %s", exc)
            eventlet.sleep(self.poll)

    def start_requested(self, entrypoint):
        """Claim a requested run of the job (or one whose runner died), if any."""
        now = clock.now()
        record = self.db[RUNS].find_one_and_update(
            {"job": entrypoint.job, "requested": True,
             "$or": [{"status": REQUESTED}, {"status": RUNNING, "lease_until": {"$lte": now}}],
             "attempts": {"$lt": self.max_attempts}},
            {"$set": {"owner": self.owner, "status": RUNNING, "lease_until": now + self.lease, "started_at": now},
             "$inc": {"attempts": 1}}, return_document=ReturnDocument.AFTER)
        if record is not None:
            self.container.spawn_worker(entrypoint, (record,), {},
                                        context_data={"correlation_id": f"job:{record['_id']}"})
        return record

    def start_due(self, entrypoint):
        """Claim this period's run of the job if nobody has, or take it over if its runner died."""
        now = clock.now()
        run_id = f"{entrypoint.job}:{entrypoint.every.period(now)}"
        claim = {"owner": self.owner, "status": RUNNING, "lease_until": now + self.lease, "started_at": now}
        try:
            self.db[RUNS].insert_one({"_id": run_id, "job": entrypoint.job, "attempts": 1, "created_at": now,
                                      "data": {}, **claim})
            record = self.db[RUNS].find_one({"_id": run_id})
        except DuplicateKeyError:
            record = self.db[RUNS].find_one_and_update(
                {"_id": run_id, "$or": [{"status": RUNNING, "lease_until": {"$lte": now}}, {"status": FAILED}],
                 "attempts": {"$lt": self.max_attempts}},
                {"$set": claim, "$inc": {"attempts": 1}}, return_document=ReturnDocument.AFTER)
            if record is None:
                return None  # done, or running elsewhere, or out of attempts
            log.warning("taking over job run %s (attempt %d)", run_id, record["attempts"])
        self.container.spawn_worker(entrypoint, (record,), {}, context_data={"correlation_id": f"job:{run_id}"})
        return run_id
