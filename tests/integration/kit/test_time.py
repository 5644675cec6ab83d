"""Deadlines and periodic jobs with two processes of one service against one database (kit.deadlines,
kit.jobs): each threshold fires once, a process killed while it holds a claim loses nothing, and each
period's job runs once."""
import os
import secrets
import signal
import subprocess
import tempfile
import time
from collections import Counter
from datetime import timedelta

import pytest
from nameko.standalone.rpc import ClusterRpcProxy

from kit import clock
from ops.launcher import BIN, ROOT, Process, service_command, stop_together, wait_until
from tests.support.waiting import wait_for

pytestmark = pytest.mark.processes  # starts processes of its own: not in make test-fast

THRESHOLDS = ("soon", "today", "late")
LEASE = 3


@pytest.fixture
def two_timekeepers(rabbit_config, mongo_uri, db_prefix):
    env = {**os.environ, "PYTHONPATH": str(ROOT), "AMQP_URI": rabbit_config["AMQP_URI"], "MONGO_URI": mongo_uri,
           "MONGO_DB_PREFIX": db_prefix, "JWT_SECRET": secrets.token_urlsafe(40), "DEADLINE_POLL_SECONDS": "0.2",
           "DEADLINE_LEASE_SECONDS": str(LEASE), "JOB_POLL_SECONDS": "0.3", "JOB_LEASE_SECONDS": str(LEASE),
           "OUTBOX_POLL_SECONDS": "0.2"}
    log_dir = tempfile.mkdtemp(prefix="pingjian-time-")
    processes = [Process(f"timekeeper-{i}", service_command("tests.support.timekeeper:Timekeeper"), env,
                         log_dir).start() for i in range(2)]

    def answers():
        return subprocess.run([str(BIN / "python"), "-m", "kit.healthcheck", "timekeeper"], env=env, cwd=ROOT,
                              capture_output=True, timeout=15).returncode == 0
    try:
        wait_until(lambda: all(p.alive() for p in processes) and answers(), 60, "two timekeepers")
        yield processes
    finally:
        stop_together(processes)  # at once: one after the other, each took its own seconds to stop


def schedule(config, *things, **options):
    due = (clock.today() - timedelta(days=5)).isoformat()  # every threshold is due already
    with ClusterRpcProxy(config) as rpc:
        for thing in things:
            rpc.timekeeper.schedule(thing=thing, due_on=due, **options)


def reminders(db):
    return Counter((r["aggregate_id"], r["envelope"]["payload"]["threshold"])
                   for r in db.outbox.find({"type": "timekeeper.reminded"}))


def test_each_threshold_fires_once_with_two_processes(two_timekeepers, rabbit_config, service_db):
    db = service_db("timekeeper")
    things = [f"t-{i}" for i in range(20)]
    schedule(rabbit_config, *things)
    schedule(rabbit_config, "answered", answered=True)
    wait_for(lambda: db.deadlines.count_documents({"status": "pending"}) == 0, timeout=60,
             message="every deadline handled")
    fired = reminders(db)
    assert fired == Counter({(thing, threshold): 1 for thing in things for threshold in THRESHOLDS})
    assert db.deadlines.count_documents({"status": "fired"}) == 60
    # The rule said "no longer due" for the answered one: marked skipped, nothing emitted.
    assert db.deadlines.count_documents({"aggregate_id": "answered", "status": "skipped"}) == 3


def test_a_claim_left_by_a_process_that_died_is_taken_over_after_its_lease(two_timekeepers, rabbit_config,
                                                                          service_db):
    db = service_db("timekeeper")
    # What a process killed right after claiming leaves behind: its name and a lease, nothing fired.
    due = (clock.today() - timedelta(days=5)).isoformat()
    with ClusterRpcProxy(rabbit_config) as rpc:
        rpc.timekeeper.schedule(thing="orphan", due_on=(clock.today() + timedelta(days=400)).isoformat())
    db.deadlines.update_many({"aggregate_id": "orphan"}, {"$set": {
        "owner": "gone-host:1:dead", "attempts": 1, "lease_until": clock.now() + timedelta(seconds=LEASE),
        "due_at": clock.now() - timedelta(days=1), "due_on": due}})
    wait_for(lambda: db.deadlines.count_documents({"aggregate_id": "orphan", "status": "fired"}) == 3,
             timeout=LEASE * 10, message="the claims taken over after the lease")
    assert reminders(db) == Counter({("orphan", threshold): 1 for threshold in THRESHOLDS})
    assert {r["envelope"]["payload"]["attempt"] for r in db.outbox.find({"type": "timekeeper.reminded"})} == {2}


@pytest.mark.timeout(240)
def test_a_process_killed_while_firing_loses_nothing(two_timekeepers, rabbit_config, service_db):
    """Killed inside the firing transaction: the database aborts that transaction (after 60 s on
    MongoDB and SecantusDB), the record is still pending, and the other process fires it."""
    db = service_db("timekeeper")
    schedule(rabbit_config, "slow", slow=600)
    claimed = wait_for(lambda: db.deadlines.find_one({"aggregate_id": "slow", "owner": {"$ne": None}}),
                       timeout=30, message="a claim")
    holder = next(p for p in two_timekeepers if f":{p.popen.pid}:" in claimed["owner"])
    time.sleep(1)  # inside its transaction by now, sleeping
    os.kill(holder.popen.pid, signal.SIGKILL)
    wait_for(lambda: db.deadlines.count_documents({"aggregate_id": "slow", "status": "fired"}) == 3,
             timeout=150, message="the survivor firing them once the dead transaction is gone")
    assert reminders(db) == Counter({("slow", threshold): 1 for threshold in THRESHOLDS})
    survivor = next(p for p in two_timekeepers if p is not holder)
    assert {r["envelope"]["payload"]["by"] for r in db.outbox.find({"type": "timekeeper.reminded"})} == \
        {survivor.popen.pid}


def test_each_period_of_a_job_runs_once_with_two_processes(two_timekeepers, service_db):
    db = service_db("timekeeper")
    wait_for(lambda: db.job_runs.count_documents({"status": "done"}) >= 4, timeout=30, message="four periods")
    runs = Counter(t["run"] for t in db.ticks.find())
    assert runs and set(runs.values()) == {1}
    assert db.job_runs.count_documents({"status": {"$ne": "done"}}) <= 1  # at most the current one running
