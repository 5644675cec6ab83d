"""Inspections events: an overdue finding reaches the inspectors of its inspection (remembered from
inspection.recorded); an overdue supervision task reaches the owner and, escalated, the department head;
a task created without an owner reaches the department head."""
import uuid

import pytest

import contracts.events  # noqa: F401
from contracts.envelope import build_event, payload_schema
from services.notifications.service import NotificationsService
from tests.support.amqp import publish_event
from tests.support.waiting import wait_for


def user(user_id, department, roles, active=True):
    return build_event("user.created", {"id": user_id, "username": user_id, "display_name": user_id,
                                        "department": department, "roles": roles, "active": active},
                       source="accounts", aggregate_id=user_id, correlation_id="c", actor=None, aggregate_version=1)


def inspections(event_type, aggregate_id, **payload):
    return build_event(event_type, {**payload_schema(event_type, 1).example, **payload}, source="inspections",
                       aggregate_id=aggregate_id, correlation_id=uuid.uuid4().hex, actor=None)


@pytest.fixture
def db(container_factory, service_config, service_db, rabbit_config):
    container = container_factory(NotificationsService, {**service_config, "EVENT_MAX_ATTEMPTS": 50})
    container.start()
    database = service_db("notifications")
    for event in (user("u-insp1", "inspection", ["inspector"]), user("u-insp2", "inspection", ["inspector"]),
                  user("u-insp-gone", "inspection", ["inspector"], active=False),
                  user("u-owner", "public_interest", ["prosecutor"]),
                  user("u-pi-head", "public_interest", ["department_head"]),
                  user("u-crim-head", "criminal", ["department_head"])):
        publish_event(rabbit_config["AMQP_URI"], "accounts", event)
    wait_for(lambda: database.users.count_documents({}) == 6, message="users projected")
    return database


def notices(db, ref_id, count):
    return wait_for(lambda: list(db.notifications.find({"ref.id": ref_id}))
                    if db.notifications.count_documents({"ref.id": ref_id}) >= count else None,
                    timeout=15, message=f"{count} notices for {ref_id}")


def test_an_overdue_finding_reaches_the_inspectors_of_its_inspection(db, rabbit_config):
    inspection_id, finding_id = uuid.uuid4().hex, uuid.uuid4().hex
    amqp = rabbit_config["AMQP_URI"]
    publish_event(amqp, "inspections", inspections(
        "inspection.recorded", inspection_id, inspection_id=inspection_id,
        inspector_ids=["u-insp1", "u-insp2", "u-insp-gone"]))
    wait_for(lambda: db.subjects.find_one({"_id": f"inspection:{inspection_id}"}), message="inspectors remembered")
    overdue = inspections("finding.overdue", finding_id, finding_id=finding_id, inspection_id=inspection_id)
    publish_event(amqp, "inspections", overdue)
    publish_event(amqp, "inspections", overdue)     # delivered twice: still one notice each
    found = notices(db, finding_id, 2)
    wait_for(lambda: db.inbox_processed.find_one({"event_id": overdue["event_id"]}), message="processed")
    assert sorted(n["recipient_id"] for n in db.notifications.find({"ref.id": finding_id})) == ["u-insp1", "u-insp2"]
    assert {n["type"] for n in found} == {"finding.overdue"}
    assert found[0]["ref"] == {"kind": "inspection_finding", "id": finding_id}
    assert "逾期未整改" in found[0]["title"] and "整改期限" in found[0]["body"]
    # The deactivated inspector gets nothing, recorded as skipped.
    skipped = list(db.deliveries.find({"event_id": overdue["event_id"], "recipient_id": "u-insp-gone"}))
    assert skipped and {d["status"] for d in skipped} == {"skipped"}
    assert {d["reason"] for d in skipped} == {"recipient_deactivated"}


def test_an_overdue_task_reaches_the_owner_and_escalates_to_the_department_head(db, rabbit_config):
    task_id = uuid.uuid4().hex
    publish_event(rabbit_config["AMQP_URI"], "inspections", inspections(
        "supervision_task.overdue", task_id, task_id=task_id, owner_id="u-owner", department="public_interest"))
    found = notices(db, task_id, 2)
    assert sorted(n["recipient_id"] for n in found) == ["u-owner", "u-pi-head"]
    assert {n["type"] for n in found} == {"supervision_task.overdue"}
    assert all("已逾期" in n["title"] for n in found)


def test_a_task_created_without_an_owner_reaches_the_head_of_its_department(db, rabbit_config):
    task_id = uuid.uuid4().hex
    publish_event(rabbit_config["AMQP_URI"], "inspections", inspections(
        "supervision_task.created", task_id, task_id=task_id, owner_id=None, department="criminal",
        source={"kind": "recommendation", "id": uuid.uuid4().hex}))
    [note] = notices(db, task_id, 1)
    assert note["recipient_id"] == "u-crim-head" and "尚未指定责任人" in note["body"]
