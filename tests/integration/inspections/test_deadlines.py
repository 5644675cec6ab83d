"""The inspections service's deadlines with two processes of the service against one database (the
kit's pattern, tests/integration/kit/test_time.py): each task reminder, each task overdue and each
finding overdue fires once, whichever process claims it."""
import os
import secrets
import subprocess
import tempfile
import uuid
from collections import Counter
from datetime import timedelta

import pytest
from nameko.standalone.rpc import ClusterRpcProxy

from kit import calendar, clock
from ops.launcher import BIN, ROOT, Process, service_command, stop_together, wait_until
from tests.support.amqp import publish_event
from tests.support.upstream import recommendation_replied
from tests.support.waiting import wait_for

pytestmark = pytest.mark.processes  # starts processes of its own: not in make test-fast

INSPECTOR = {"user_id": "u-insp", "roles": ["inspector"], "department": "inspection"}
OWNER = {"user_id": "u-owner", "roles": ["prosecutor"], "department": "public_interest"}
TASKS, FOLLOW_UPS, FINDINGS = 8, 8, 8


@pytest.fixture
def two_services(rabbit_config, mongo_uri, db_prefix):
    env = {**os.environ, "PYTHONPATH": str(ROOT), "AMQP_URI": rabbit_config["AMQP_URI"], "MONGO_URI": mongo_uri,
           "MONGO_DB_PREFIX": db_prefix, "JWT_SECRET": secrets.token_urlsafe(40), "DEADLINE_POLL_SECONDS": "0.2",
           "DEADLINE_LEASE_SECONDS": "3", "OUTBOX_POLL_SECONDS": "0.2"}
    log_dir = tempfile.mkdtemp(prefix="pingjian-inspections-")
    processes = [Process(f"inspections-{i}", service_command("services.inspections.service:InspectionsService"),
                         env, log_dir).start() for i in range(2)]

    def answers():
        return subprocess.run([str(BIN / "python"), "-m", "kit.healthcheck", "inspections"], env=env, cwd=ROOT,
                              capture_output=True, timeout=15).returncode == 0
    try:
        wait_until(lambda: all(p.alive() for p in processes) and answers(), 60, "two inspections processes")
        yield processes
    finally:
        stop_together(processes)  # at once: one after the other, each took its own seconds to stop


def call(config, actor, method, **kwargs):
    with ClusterRpcProxy(config, context_data={"actor": actor, "correlation_id": uuid.uuid4().hex}) as rpc:
        return getattr(rpc.inspections, method)(**kwargs)


def fired(db):
    return Counter((r["aggregate_id"], r["type"]) for r in db.outbox.find(
        {"type": {"$in": ["supervision_task.due_soon", "supervision_task.overdue", "finding.overdue"]}}))


def test_each_threshold_fires_once_with_two_processes(two_services, rabbit_config, service_db):
    db = service_db("inspections")
    today = clock.today()
    # Tasks due in 3 days whose 1-day reminder is made due now (their 7-day one came before they were
    # assigned: it is skipped, not said).
    tasks = [call(rabbit_config, INSPECTOR, "create_supervision_task", owner=OWNER, body={
        "title": f"督办{i}", "department": "public_interest", "owner_id": "u-owner",
        "due_on": (today + timedelta(days=3)).isoformat(), "description": "d"})["id"] for i in range(TASKS)]
    db.deadlines.update_many({"aggregate_id": {"$in": tasks}, "threshold": "due_soon_1d"},
                             {"$set": {"due_at": clock.now() - timedelta(minutes=1)}})
    # Follow-ups of replies received four months ago: already a month overdue.
    for i in range(FOLLOW_UPS):
        publish_event(rabbit_config["AMQP_URI"], "recommendations", recommendation_replied(
            f"r-{i}", title=f"建议{i}", received_on=calendar.add_months(today, -4)))
    # Findings of an inspection a month ago, due 20 days ago.
    inspection = call(rabbit_config, INSPECTOR, "record_inspection", body={
        "target": {"name": "康乐养老院", "kind": "elder_care_institution"},
        "inspected_on": (today - timedelta(days=30)).isoformat(), "inspector_ids": ["u-insp"],
        "categories": ["fire_safety"]})
    findings = [call(rabbit_config, INSPECTOR, "record_finding", inspection_id=inspection["id"], body={
        "category": "fire_safety", "severity": "medium", "description": f"隐患{i}",
        "rectify_by": (today - timedelta(days=20)).isoformat()})["id"] for i in range(FINDINGS)]

    wait_for(lambda: db.supervision_tasks.count_documents({}) == TASKS + FOLLOW_UPS, timeout=30,
             message="the follow-ups created")
    follow_ups = [t["_id"] for t in db.supervision_tasks.find({"kind": "follow_up"})]
    # (A follow-up about a month overdue may not be "very overdue" yet: that threshold is not awaited.)
    due_now = {"$or": [{"aggregate_id": {"$in": tasks}, "threshold": {"$in": ["due_soon_7d", "due_soon_1d"]}},
                       {"aggregate_id": {"$in": follow_ups}, "threshold": {"$ne": "very_overdue"}},
                       {"aggregate_id": {"$in": findings}}]}
    wait_for(lambda: db.deadlines.count_documents({**due_now, "status": "pending"}) == 0, timeout=60,
             message="every due deadline handled")
    expected = Counter({**{(t, "supervision_task.due_soon"): 1 for t in tasks},
                        **{(t, "supervision_task.overdue"): 1 for t in follow_ups},
                        **{(f, "finding.overdue"): 1 for f in findings}})
    assert fired(db) == expected
    # A follow-up already past due is not reminded "7 days", "1 day" or "today": those thresholds were skipped.
    assert db.deadlines.count_documents({"aggregate_id": {"$in": follow_ups}, "threshold": {"$regex": "^due_soon"},
                                         "status": "skipped"}) == 3 * FOLLOW_UPS
