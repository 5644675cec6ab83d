"""The scheduled data checks with two replicas of the cases service: one run per period."""
import eventlet

from services.cases.service import CasesService
from tests.support.waiting import wait_for


def test_two_replicas_starting_together_make_one_run_per_period(container_factory, service_config, service_db):
    config = {**service_config, "JOB_POLL_SECONDS": 0.2}
    replicas = [container_factory(CasesService, config) for _ in range(2)]
    for thread in [eventlet.spawn(replica.start) for replica in replicas]:
        thread.wait()
    runs = service_db("cases").job_runs
    checks = {"job": {"$regex": "^cases\\.data_checks"}}  # (the calendar sweep is a job of its own)
    wait_for(lambda: runs.count_documents({**checks, "status": "done"}) == 3, timeout=30,
             message="the three scheduled runs")
    eventlet.sleep(1.5)  # several more polls of both replicas
    jobs = sorted(run["job"] for run in runs.find(checks))
    assert jobs == ["cases.data_checks.daily", "cases.data_checks.monthly", "cases.data_checks.weekly"]
    assert all(run["attempts"] == 1 for run in runs.find())
