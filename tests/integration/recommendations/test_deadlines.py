"""The reply deadline with two processes of the recommendations service against one database (the
kit's two-processes pattern, tests/integration/kit/test_time.py): each threshold's event is emitted
once per recommendation, a "due soon" already past is skipped, a reply cancels what is pending."""
import os
import secrets
import subprocess
import tempfile
import time
from collections import Counter
from datetime import date, timedelta

import pytest
from nameko.standalone.rpc import ClusterRpcProxy

from kit import calendar, clock
from ops.launcher import BIN, ROOT, Process, service_command, stop_together, wait_until
from tests.support.waiting import wait_for

pytestmark = pytest.mark.processes  # starts processes of its own: not in make test-fast

PROSECUTOR = {"user_id": "u-pi", "roles": ["prosecutor"], "department": "public_interest"}
CHIEF = {"user_id": "u-chief", "roles": ["chief_procurator"], "department": "leadership"}
DEADLINE_EVENTS = ("recommendation.due_soon", "recommendation.overdue", "recommendation.very_overdue")


@pytest.fixture
def two_replicas(rabbit_config, mongo_uri, db_prefix):
    env = {**os.environ, "PYTHONPATH": str(ROOT), "AMQP_URI": rabbit_config["AMQP_URI"], "MONGO_URI": mongo_uri,
           "MONGO_DB_PREFIX": db_prefix, "JWT_SECRET": secrets.token_urlsafe(40), "DEADLINE_POLL_SECONDS": "0.2",
           "DEADLINE_LEASE_SECONDS": "3", "OUTBOX_POLL_SECONDS": "0.2"}
    log_dir = tempfile.mkdtemp(prefix="pingjian-rec-time-")
    processes = [Process(f"recommendations-{i}",
                         service_command("services.recommendations.service:RecommendationsService"), env,
                         log_dir).start() for i in range(2)]

    def answers():
        return subprocess.run([str(BIN / "python"), "-m", "kit.healthcheck", "recommendations"], env=env, cwd=ROOT,
                              capture_output=True, timeout=15).returncode == 0
    try:
        wait_until(lambda: all(p.alive() for p in processes) and answers(), 60, "two recommendations processes")
        yield processes
    finally:
        stop_together(processes)  # at once: one after the other, each took its own seconds to stop
        print(f"\nprocess logs: {log_dir}")


def serve(config, served_on, reply=False):
    def call(actor, method, **kwargs):
        with ClusterRpcProxy({**config}, context_data={"actor": actor}) as rpc:
            return getattr(rpc.recommendations, method)(**kwargs)
    rec = call(PROSECUTOR, "draft_recommendation", body={
        "case_id": "c-1", "kind": "social_governance", "target_unit": "某区民政局", "title": "养老机构消防安全",
        "problems": ["消防通道堵塞"], "proposals": ["清理"]})
    call(PROSECUTOR, "submit", recommendation_id=rec["id"])
    call(CHIEF, "approve", recommendation_id=rec["id"])
    rec = call(PROSECUTOR, "serve", recommendation_id=rec["id"],
               body={"served_on": served_on.isoformat(), "method": "written"})
    if reply:
        rec = call(PROSECUTOR, "record_reply", recommendation_id=rec["id"], body={
            "received_on": clock.today().isoformat(), "adoption": "adopted", "content": "已整改"})
    return rec


def fired(db):
    return Counter((r["aggregate_id"], r["type"]) for r in db.outbox.find({"type": {"$in": list(DEADLINE_EVENTS)}}))


def test_each_threshold_fires_once_with_two_processes_and_a_reply_cancels_the_rest(two_replicas, rabbit_config,
                                                                                   service_db):
    db = service_db("recommendations")
    # As the cases events would have left it: the case is known.
    db.cases.insert_one({"_id": "c-1", "case_no": "平检公益〔2026〕7号", "title": "养老机构",
                         "department": "public_interest", "handler_id": "u-pi", "status": "registered"})
    today = clock.today()
    long_overdue = [serve(rabbit_config, calendar.add_months(today, -3) - timedelta(days=i)) for i in range(6)]
    due_in_3 = serve(rabbit_config, calendar.add_months(today + timedelta(days=3), -2))
    due_in_3_days = (date.fromisoformat(due_in_3["reply_due_on"]) - today).days
    assert 1 < due_in_3_days <= 7
    answered = serve(rabbit_config, today - timedelta(days=10), reply=True)  # nothing due before the reply

    old_ids = [rec["id"] for rec in long_overdue]
    wait_for(lambda: db.deadlines.count_documents({"aggregate_id": {"$in": old_ids}, "status": "pending"}) == 0,
             timeout=60, message="every threshold of the overdue ones handled")
    wait_for(lambda: db.deadlines.count_documents({"aggregate_id": due_in_3["id"], "threshold": "due_soon_7d",
                                                   "status": {"$ne": "pending"}}) == 1,
             timeout=60, message="the 7-day reminder of the one due soon")
    time.sleep(1.5)  # several more polls of both timers: still once each
    expected = Counter({(rec_id, kind): 1 for rec_id in old_ids
                        for kind in ("recommendation.overdue", "recommendation.very_overdue")})
    expected[(due_in_3["id"], "recommendation.due_soon")] = 1
    assert fired(db) == expected
    # The late "due soon" thresholds (7 days, 1 day, today) of the long-overdue ones were skipped, not fired.
    assert db.deadlines.count_documents({"aggregate_id": {"$in": old_ids}, "status": "skipped"}) == 18
    # Not yet due: the 1-day reminder and the overdue of the one due in a few days.
    assert {d["threshold"] for d in db.deadlines.find({"aggregate_id": due_in_3["id"], "status": "pending"})} == \
        {"due_soon_1d", "due_soon_0d", "overdue", "very_overdue"}
    # Replied at once: nothing fired, everything cancelled.
    assert {d["status"] for d in db.deadlines.find({"aggregate_id": answered["id"]})} == {"cancelled"}
    payload = next(db.outbox.find({"type": "recommendation.very_overdue"}))["envelope"]["payload"]
    assert payload["attention_of"] == "chief_procurator" and payload["days_overdue"] >= 30
