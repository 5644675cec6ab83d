"""The inspections service in a real nameko container on a real vhost and SecantusDB: changes and
their events commit together, evidence gates, deadlines follow the status and fire once per
threshold, the automatic follow-ups are created once per source even when delivered twice."""
import time
from collections import Counter
from datetime import datetime, timedelta

import pytest
from nameko.standalone.rpc import ServiceRpcProxy

from contracts.rpc.exports_v1 import EXPORTS_ACTOR
from kit import calendar, clock
from kit.errors import Forbidden, ValidationFailed
from kit.parked import queue_depth
from services.inspections.service import InspectionsService
from tests.support.amqp import publish_event
from tests.support.upstream import procurement_started, recommendation_replied
from tests.support.waiting import wait_for

INSPECTOR = {"user_id": "u-insp", "roles": ["inspector"], "department": "inspection"}
OWNER = {"user_id": "u-owner", "roles": ["prosecutor"], "department": "public_interest"}
HEAD = {"user_id": "u-head", "roles": ["department_head"], "department": "public_interest"}
OWNER_ACCOUNT = {"user_id": "u-owner", "roles": ["prosecutor"], "department": "public_interest"}


@pytest.fixture(autouse=True)
def real_clock():
    yield
    clock.reset()


@pytest.fixture
def config(service_config):
    return {**service_config, "DEADLINE_POLL_SECONDS": 0.1, "INSPECTIONS_RECTIFY_DAYS_CRITICAL": 5}


@pytest.fixture
def inspections(container_factory, config):
    container_factory(InspectionsService, config).start()

    def call(method, actor=INSPECTOR, **kwargs):
        with ServiceRpcProxy("inspections", config, context_data={"actor": actor, "correlation_id": "corr-it"}) as proxy:
            return getattr(proxy, method)(**kwargs)
    return call


@pytest.fixture
def db(service_db):
    return service_db("inspections")


def new_task(call, days=10, **overrides):
    body = {"title": "养老机构消防整改督办", "department": "public_interest", "owner_id": "u-owner",
            "due_on": (clock.today() + timedelta(days=days)).isoformat(), "description": "督促整改", **overrides}
    return call("create_supervision_task", body=body, owner=OWNER_ACCOUNT)


def outbox_types(db):
    return [r["type"] for r in db.outbox.find().sort([("created_at", 1), ("_id", 1)])]


def test_a_task_from_creation_to_verification_with_its_events(inspections, db):
    task = new_task(inspections)
    assert task["status"] == "open" and not task["overdue"]
    inspections("report_task_progress", actor=OWNER, task_id=task["id"], body={"note": "已部署", "percent": 30})
    done = inspections("complete_supervision_task", actor=OWNER, task_id=task["id"],
                       body={"summary": "已整改", "evidence": ["整改报告.pdf", {"name": "现场照片", "url": "https://x/1.jpg"}]})
    assert done["status"] == "done" and done["evidence"][1]["name"] == "现场照片"
    returned = inspections("verify_supervision_task", task_id=task["id"], body={"outcome": "returned", "comment": "补充"})
    assert returned["status"] == "in_progress"
    inspections("complete_supervision_task", actor=OWNER, task_id=task["id"], body={"summary": "补", "evidence": ["b"]})
    verified = inspections("verify_supervision_task", task_id=task["id"], body={"outcome": "accepted"})
    assert verified["status"] == "verified"
    assert outbox_types(db) == ["supervision_task.created", "supervision_task.completed", "supervision_task.returned",
                                "supervision_task.completed", "supervision_task.verified"]
    # Completion cancelled every reminder; a return re-armed them; the final completion cancelled them again.
    assert {d["status"] for d in db.deadlines.find({"aggregate_id": task["id"]})} == {"cancelled"}


def test_completion_without_evidence_or_by_someone_else_writes_nothing(inspections, db):
    task = new_task(inspections)
    with pytest.raises(ValidationFailed) as err:
        inspections("complete_supervision_task", actor=OWNER, task_id=task["id"], body={"summary": "完成", "evidence": []})
    assert "evidence" in err.value.fields
    with pytest.raises(ValidationFailed) as err:
        inspections("complete_supervision_task", actor=OWNER, task_id=task["id"], body={"summary": "完成"})
    assert "evidence" in err.value.fields
    with pytest.raises(Forbidden):
        inspections("complete_supervision_task", actor=HEAD, task_id=task["id"], body={"summary": "x", "evidence": ["e"]})
    with pytest.raises(Forbidden):
        inspections("verify_supervision_task", actor=OWNER, task_id=task["id"], body={"outcome": "accepted"})
    assert db.supervision_tasks.find_one()["version"] == 1
    assert outbox_types(db) == ["supervision_task.created"]


def test_an_unknown_owner_is_refused_naming_owner_id(inspections, db):
    body = {"title": "t", "department": "public_interest", "owner_id": "nobody", "description": "d",
            "due_on": clock.today().isoformat()}
    with pytest.raises(ValidationFailed) as err:
        inspections("create_supervision_task", body=body, owner=None)
    assert "owner_id" in err.value.fields and db.supervision_tasks.count_documents({}) == 0


def test_lists_filter_by_status_department_owner_and_overdue(inspections):
    late = new_task(inspections, days=1, title="迟")
    new_task(inspections, days=20, title="早")
    new_task(inspections, days=20, department="criminal", owner_id="u-owner", title="刑")
    clock.travel(timedelta(days=3))
    page = inspections("list_supervision_tasks", query={"overdue": True})
    assert [t["id"] for t in page["items"]] == [late["id"]] and page["items"][0]["days_overdue"] == 2
    assert len(inspections("list_supervision_tasks", query={"overdue": False})["items"]) == 2
    assert len(inspections("list_supervision_tasks", query={"department": "criminal"})["items"]) == 1
    assert len(inspections("list_supervision_tasks", query={"status": "open", "owner_id": "u-owner"})["items"]) == 3
    # A prosecutor of public interest sees their department's tasks and the one they own elsewhere.
    assert len(inspections("list_supervision_tasks", actor=OWNER, query={})["items"]) == 3
    civil = {"user_id": "u-civil", "roles": ["prosecutor"], "department": "civil"}
    assert inspections("list_supervision_tasks", actor=civil, query={})["items"] == []


def _travel_to(day, hour=9):
    """Move this process's clock (the container's too) to ``hour`` o'clock of ``day``, Shanghai time."""
    target = datetime(day.year, day.month, day.day, hour, tzinfo=clock.SHANGHAI)
    clock.travel(target - clock.now())


def _fired(db, kind):
    return db.deadlines.count_documents({"kind": kind, "status": {"$in": ["fired", "skipped"]}})


def test_a_task_is_reminded_three_days_and_one_day_before_then_overdue_once_each(inspections, db):
    task = new_task(inspections, days=10)
    due = clock.today() + timedelta(days=10)
    for day, kind, fired in ((due - timedelta(days=3), "supervision_task.due_soon", 1),
                             (due - timedelta(days=1), "supervision_task.due_soon", 2),
                             (due + timedelta(days=1), "supervision_task.overdue", 1)):
        _travel_to(day)
        wait_for(lambda: _fired(db, kind) == fired, timeout=15, message=f"{kind} on {day}")
    time.sleep(0.5)
    events = [r["envelope"]["payload"] for r in db.outbox.find({"type": "supervision_task.due_soon"})]
    assert sorted(e["days_left"] for e in events) == [1, 3]
    assert Counter(outbox_types(db)) == Counter({"supervision_task.created": 1, "supervision_task.due_soon": 2,
                                                 "supervision_task.overdue": 1})
    assert inspections("get_supervision_task", task_id=task["id"])["days_overdue"] == 1


def test_a_completed_task_is_never_reminded(inspections, db):
    task = new_task(inspections, days=5)
    inspections("complete_supervision_task", actor=OWNER, task_id=task["id"], body={"summary": "完", "evidence": ["e"]})
    _travel_to(clock.today() + timedelta(days=7))
    time.sleep(1)
    assert db.outbox.count_documents({"type": {"$in": ["supervision_task.due_soon", "supervision_task.overdue"]}}) == 0


def record_inspection(call, **overrides):
    body = {"target": {"name": "福寿养老院", "kind": "elder_care_institution", "address": "福寿路 8 号"},
            "inspected_on": clock.today().isoformat(), "inspector_ids": ["u-insp"],
            "categories": ["fire_safety", "food_safety"], "notes": "", **overrides}
    return call("record_inspection", body=body)


def test_findings_rectified_verified_and_overdue_once(inspections, db):
    inspection = record_inspection(inspections)
    critical = inspections("record_finding", inspection_id=inspection["id"],
                           body={"category": "fire_safety", "severity": "critical", "description": "通道堵塞"})
    assert critical["rectify_by"] == (clock.today() + timedelta(days=5)).isoformat()  # configured: 5, not 7
    fixed = inspections("record_finding", inspection_id=inspection["id"],
                        body={"category": "food_safety", "severity": "low", "description": "过期食品",
                              "rectify_by": (clock.today() + timedelta(days=2)).isoformat()})
    with pytest.raises(ValidationFailed) as err:
        inspections("rectify_finding", finding_id=fixed["id"], body={"rectified_on": clock.today().isoformat(),
                                                                    "evidence": []})
    assert "evidence" in err.value.fields
    inspections("rectify_finding", finding_id=fixed["id"],
                body={"rectified_on": clock.today().isoformat(), "evidence": ["清理后照片"]})
    with pytest.raises(Forbidden):
        inspections("verify_finding", actor=OWNER, finding_id=fixed["id"], body={"outcome": "accepted"})
    verified = inspections("verify_finding", finding_id=fixed["id"], body={"outcome": "accepted", "comment": "好"})
    assert verified["status"] == "verified"
    _travel_to(clock.today() + timedelta(days=8))
    wait_for(lambda: db.outbox.count_documents({"type": "finding.overdue"}) == 1, timeout=15, message="overdue")
    time.sleep(0.5)
    assert db.outbox.find_one({"type": "finding.overdue"})["aggregate_id"] == critical["id"]
    assert db.outbox.count_documents({"type": "finding.overdue"}) == 1
    assert inspections("get_finding", finding_id=critical["id"])["days_overdue"] == 3
    shown = inspections("get_inspection", inspection_id=inspection["id"])
    assert [f["status"] for f in shown["findings"]] == ["open", "verified"]


def test_a_reinspection_judges_the_earlier_findings_and_reopens_one_still_present(inspections, db):
    first = record_inspection(inspections)
    findings = [inspections("record_finding", inspection_id=first["id"],
                            body={"category": c, "severity": "high", "description": c}) for c in ("cctv", "daily_care")]
    for finding in findings:
        inspections("rectify_finding", finding_id=finding["id"],
                    body={"rectified_on": clock.today().isoformat(), "evidence": ["e"]})
        inspections("verify_finding", finding_id=finding["id"], body={"outcome": "accepted"})
    again = inspections("record_inspection", body={
        "reinspection_of": first["id"], "inspected_on": clock.today().isoformat(), "inspector_ids": ["u-insp"],
        "categories": ["cctv"], "earlier_findings": [{"finding_id": findings[0]["id"], "result": "still_present"}]})
    assert again["target"]["name"] == "福寿养老院"
    assert {(e["finding_id"], e["result"]) for e in again["earlier_findings"]} == {
        (findings[0]["id"], "still_present"), (findings[1]["id"], "fixed")}
    assert inspections("get_finding", finding_id=findings[0]["id"])["status"] == "open"
    assert db.deadlines.find_one({"aggregate_id": findings[0]["id"]})["status"] == "pending"
    stats = inspections("inspection_stats", query={})
    assert (stats["inspections"], stats["institutions_inspected"], stats["reinspections"]) == (2, 1, 1)
    assert (stats["still_present"], stats["verified"], stats["open"]) == (1, 1, 1)


def test_a_reinspection_of_nothing_is_refused_naming_the_field(inspections, db):
    with pytest.raises(ValidationFailed) as err:
        record_inspection(inspections, reinspection_of="nothing-here")
    assert "reinspection_of" in err.value.fields
    assert db.inspections.count_documents({}) == 0 and db.outbox.count_documents({}) == 0


# -- automatic follow-ups, from real envelopes on the broker ------------------------------------------
def replied(recommendation_id, adoption="adopted"):
    return recommendation_replied(recommendation_id, adoption=adoption, received_on=clock.today())


def procurement(request_id):
    return procurement_started(request_id, started_on=clock.today())


REPLIED_QUEUE = "evt-recommendations-recommendation.replied--inspections.on_recommendation_replied"
PROCUREMENT_QUEUE = "evt-budgeting-budget.procurement_started--inspections.on_procurement_started"


def test_each_follow_up_is_created_once_even_when_delivered_twice(inspections, db, rabbit_config):
    amqp = rabbit_config["AMQP_URI"]
    adopted, other_reply = replied("r-1"), replied("r-1", adoption="partially_adopted")
    for event in (adopted, adopted, other_reply, replied("r-2", adoption="not_adopted")):
        publish_event(amqp, "recommendations", event)
    bought = procurement("b-1")
    for event in (bought, bought):
        publish_event(amqp, "budgeting", event)
    wait_for(lambda: db.inbox_processed.count_documents({}) == 4, message="distinct events processed")
    wait_for(lambda: queue_depth(amqp, REPLIED_QUEUE) == 0 and queue_depth(amqp, PROCUREMENT_QUEUE) == 0,
             message="queues drained")
    time.sleep(0.5)
    tasks = {t["source"]["id"]: t for t in db.supervision_tasks.find()}
    assert set(tasks) == {"r-1", "b-1"}
    follow_up, oversight = tasks["r-1"], tasks["b-1"]
    assert follow_up["kind"] == "follow_up" and follow_up["source"] == {"kind": "recommendation", "id": "r-1"}
    assert follow_up["title"].startswith("回头看") and follow_up["department"] == "public_interest"
    assert follow_up["due_on"] == calendar.add_months(clock.today(), 3).isoformat()
    assert oversight["department"] == "inspection" and oversight["source"] == {"kind": "budget_request", "id": "b-1"}
    assert Counter(outbox_types(db)) == Counter({"supervision_task.created": 2})
    # The follow-up is worked by the issuing department's head; the oversight task by an inspector.
    inspections("report_task_progress", actor=HEAD, task_id=follow_up["_id"], body={"note": "已开展", "percent": 10})
    inspections("report_task_progress", task_id=oversight["_id"], body={"note": "已介入", "percent": 10})


def test_export_rows_over_real_rpc_only_to_the_exports_service(inspections):
    """Defence in depth: an inspector or admin calling ``export_rows`` directly is refused; the
    exports service (acting for an approved export) gets only the columns it asks for."""
    inspection = record_inspection(inspections)
    finding = inspections("record_finding", inspection_id=inspection["id"],
                          body={"category": "fire_safety", "severity": "high", "description": "消防通道堵塞"})
    query = {"dataset": "inspections", "requester": {"user_id": "u-cm", "roles": ["case_manager"], "department": "case_management"}, "filters": {"severity": "high"}, "fields": ["finding_id", "description"],
             "limit": 10}
    for actor in (INSPECTOR, {"user_id": "u-admin", "roles": ["admin"], "department": "general"}):
        with pytest.raises(Forbidden):
            inspections("export_rows", actor=actor, export_id="e1", query=query)
    answer = inspections("export_rows", actor=EXPORTS_ACTOR, export_id="e1", query=query)
    assert answer == {"rows": [[finding["id"], "消防通道堵塞"]], "truncated": False}
    with pytest.raises(ValidationFailed) as err:
        inspections("export_rows", actor=EXPORTS_ACTOR, export_id="e1", query={**query, "fields": ["evidence"]})
    assert list(err.value.fields) == ["fields"]
