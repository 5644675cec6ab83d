"""The staff ledger in a real container, from real envelopes delivered twice: a scripted quarter's
scorecard matches exactly (acceptance 0); discipline findings need evidence; interference records
are filed by anyone, read and annotated by inspectors and the chief procurator only."""
import time
import uuid
from datetime import datetime, timedelta
from pathlib import Path

import pytest
import yaml
from nameko.cli.main import setup_yaml_parser
from nameko.standalone.rpc import ServiceRpcProxy

import contracts.events  # noqa: F401  (registers every payload schema)
from contracts.envelope import build_event
from kit import clock
from kit.errors import Forbidden, NotFound, ValidationFailed
from services.inspections import ledger
from services.inspections.service import InspectionsService
from tests.support.amqp import publish_event
from tests.support.waiting import wait_for

PROSECUTOR = {"user_id": "u-pros", "roles": ["prosecutor"], "department": "criminal"}
COLLEAGUE = {"user_id": "u-other", "roles": ["prosecutor"], "department": "criminal"}
HEAD = {"user_id": "u-head", "roles": ["department_head"], "department": "criminal"}
OTHER_HEAD = {"user_id": "u-head2", "roles": ["department_head"], "department": "civil"}
INSPECTOR = {"user_id": "u-insp", "roles": ["inspector"], "department": "inspection"}
CHIEF = {"user_id": "u-chief", "roles": ["chief_procurator"], "department": "leadership"}
PERSON = {"user_id": "u-pros", "roles": ["prosecutor"], "department": "criminal", "active": True}


@pytest.fixture(autouse=True)
def real_clock():
    yield
    clock.reset()


@pytest.fixture
def config(service_config):
    setup_yaml_parser()
    rules = yaml.safe_load((Path(__file__).resolve().parents[3] / "config.yml").read_text())["INSPECTIONS_LEDGER_RULES"]
    return {**service_config, "DEADLINE_POLL_SECONDS": 0.1, "INSPECTIONS_LEDGER_RULES": rules}


@pytest.fixture
def call(container_factory, config):
    container_factory(InspectionsService, config).start()

    def call(method, actor=INSPECTOR, **kwargs):
        with ServiceRpcProxy("inspections", config, context_data={"actor": actor, "correlation_id": "corr-it"}) as proxy:
            return getattr(proxy, method)(**kwargs)
    return call


def evaluated(grade, evaluation_id):
    return build_event("case.evaluated", {
        "case_id": "c-1", "case_no": "平检刑诉〔2026〕9号", "title": "张某诈骗案", "department": "criminal",
        "handler_id": "u-pros", "evaluation_id": evaluation_id, "period": "2026-Q3", "mode": "routine",
        "grade": grade, "scores": {"fact_finding": 90, "application_of_law": 90, "procedure": 90, "documents": 90},
        "comments": "意见", "evaluator_id": "u-cm"}, source="cases", aggregate_id="c-1",
        correlation_id=uuid.uuid4().hex, actor=None)


def finding_opened(days_ago):
    event = build_event("data_check.finding_opened", {
        "case_id": "c-1", "case_no": "平检刑诉〔2026〕9号", "title": "张某诈骗案", "department": "criminal",
        "finding_id": "suspect_without_charge:s-1", "rule": "suspect_without_charge", "subject": "suspect:s-1",
        "message": "犯罪嫌疑人未填录罪名", "owner_id": "u-pros"}, source="cases", aggregate_id="c-1",
        correlation_id=uuid.uuid4().hex, actor=None)
    opened = clock.now() - timedelta(days=days_ago)
    return {**event, "occurred_at": opened.isoformat(timespec="milliseconds").replace("+00:00", "Z")}


def test_a_scripted_quarter_matches_exactly_from_events_delivered_twice(call, service_db, rabbit_config):
    db, amqp = service_db("inspections"), rabbit_config["AMQP_URI"]
    # A task of the prosecutor's, due tomorrow, left undone: three days later it is overdue.
    task = call("create_supervision_task", owner={k: PERSON[k] for k in ("user_id", "roles", "department")}, body={
        "title": "补充案卡", "department": "criminal", "owner_id": "u-pros",
        "due_on": (clock.today() + timedelta(days=1)).isoformat(), "description": "d"})
    clock.travel(timedelta(days=3))
    overdue = wait_for(lambda: db.outbox.find_one({"type": "supervision_task.overdue", "status": "sent"}),
                       timeout=20, message="the task overdue and published")
    publish_event(amqp, "inspections", overdue["envelope"])  # the same event, delivered a second time
    excellent, unqualified, opened = evaluated("excellent", "e-1"), evaluated("unqualified", "e-2"), finding_opened(10)
    for event in (excellent, unqualified, opened, excellent, unqualified, opened):
        publish_event(amqp, "cases", event)
    wait_for(lambda: db.ledger.count_documents({"user_id": "u-pros"}) == 4, timeout=20, message="four entries")
    wait_for(lambda: db.inbox_processed.count_documents({}) == 4, message="four distinct events")
    time.sleep(1)  # the duplicates are in by now
    period = ledger.period_of(clock.today())
    card = call("staff_scorecard", actor=PROSECUTOR, user_id="u-pros", query={"period": period}, person=PERSON)
    assert card["totals"] == {
        "personal_competence": {"positive": 2, "negative": -3, "net": -1, "entries": 2},
        "key_work": {"positive": 0, "negative": -2, "net": -2, "entries": 1},
        "daily_management": {"positive": 0, "negative": -1, "net": -1, "entries": 1}}
    assert card["total"] == -4 and card["period"] == period
    assert {(e["rule"], e["source"]["kind"], e["source"]["id"]) for e in card["entries"]} == {
        ("case_evaluated_excellent", "evaluation", "e-1"), ("case_evaluated_unqualified", "evaluation", "e-2"),
        ("task_overdue", "supervision_task", task["id"]),
        ("data_check_unresolved", "data_check_finding", f"suspect_without_charge:s-1@{opened['event_id']}")}
    # Another quarter is empty.
    other = ledger.period_of(clock.today() - timedelta(days=200))
    assert call("staff_scorecard", actor=PROSECUTOR, user_id="u-pros", query={"period": other}, person=PERSON)["total"] == 0
    # Visible to the person, their department's head, inspectors and leadership only.
    for actor in (HEAD, INSPECTOR, CHIEF):
        assert call("staff_scorecard", actor=actor, user_id="u-pros", query={"period": period}, person=PERSON)["total"] == -4
    for actor in (COLLEAGUE, OTHER_HEAD):
        with pytest.raises(Forbidden):
            call("staff_scorecard", actor=actor, user_id="u-pros", query={"period": period}, person=PERSON)
    with pytest.raises(NotFound):
        call("staff_scorecard", actor=INSPECTOR, user_id="nobody", query={"period": period}, person=None)


def test_a_discipline_finding_needs_evidence_and_counts_against_the_person(call, service_db):
    db = service_db("inspections")
    body = {"occurred_on": clock.today().isoformat(), "description": "工作日饮酒"}
    with pytest.raises(ValidationFailed) as err:
        call("record_discipline_finding", user_id="u-pros", body={**body, "evidence": []}, person=PERSON)
    assert "evidence" in err.value.fields
    with pytest.raises(Forbidden):
        call("record_discipline_finding", actor=HEAD, user_id="u-pros", body={**body, "evidence": ["e"]}, person=PERSON)
    assert db.discipline_findings.count_documents({}) == 0 and db.ledger.count_documents({}) == 0
    record = call("record_discipline_finding", user_id="u-pros", body={**body, "evidence": ["谈话笔录.pdf"]},
                  person=PERSON)
    card = call("staff_scorecard", actor=PROSECUTOR, user_id="u-pros", query={"period": ledger.period_of(clock.today())},
                person=PERSON)
    assert card["totals"]["daily_management"]["net"] == -3 and card["entries"][0]["source"]["id"] == record["id"]
    assert db.outbox.find_one({"type": "staff.discipline_recorded"})["envelope"]["payload"]["user_id"] == "u-pros"


def test_interference_records_are_filed_by_anyone_and_only_annotated(call, service_db):
    db = service_db("inspections")
    body = {"case_id": "c-visible", "occurred_on": clock.today().isoformat(), "person": "某局副局长",
            "content": "打招呼要求对犯罪嫌疑人从轻处理"}
    # The case as the cases service showed it to the filer; without it (not found, not theirs) a 400.
    for case in (None, {"case_id": "another-case", "department": "criminal"}):
        with pytest.raises(ValidationFailed) as err:
            call("file_interference_record", actor=PROSECUTOR, body=body, case=case)
        assert "case_id" in err.value.fields
    assert db.interference_records.count_documents({}) == 0
    record = call("file_interference_record", actor=PROSECUTOR, body=body,
                  case={"case_id": "c-visible", "department": "criminal"})
    assert record["recorded_by"] == "u-pros" and record["annotations"] == []
    for actor in (PROSECUTOR, HEAD):
        with pytest.raises(Forbidden):
            call("get_interference_record", actor=actor, record_id=record["id"])
        with pytest.raises(Forbidden):
            call("list_interference_records", actor=actor, query={})
        with pytest.raises(Forbidden):
            call("annotate_interference_record", actor=actor, record_id=record["id"], body={"note": "x"})
    noted = call("annotate_interference_record", actor=CHIEF, record_id=record["id"], body={"note": "已转纪检部门"})
    assert [a["note"] for a in noted["annotations"]] == ["已转纪检部门"]
    assert {k: noted[k] for k in body} == body
    assert [r["id"] for r in call("list_interference_records", query={"case_id": body["case_id"]})["items"]] == \
        [record["id"]]
    assert db.outbox.count_documents({"type": "interference_record.filed"}) == 1
    assert not any(hasattr(InspectionsService, name) for name in
                   ("edit_interference_record", "update_interference_record", "delete_interference_record"))
