"""Budgeting events: the submitter (remembered from budget.request_submitted) hears of the review and
the decision; the inspection office of a procurement started."""
import time
import uuid

import pytest

import contracts.events  # noqa: F401
from contracts.envelope import build_event
from services.notifications.service import NotificationsService
from tests.support.amqp import publish_event
from tests.support.waiting import wait_for

REQUEST = {"year": 2026, "department": "criminal", "category": "equipment", "title": "办案区同步录音录像设备更新"}


def user(user_id, department, roles):
    return build_event("user.created", {"id": user_id, "username": user_id, "display_name": user_id,
                                        "department": department, "roles": roles, "active": True},
                       source="accounts", aggregate_id=user_id, correlation_id="c", actor=None, aggregate_version=1)


def budget(event_type, request_id, **payload):
    return build_event(event_type, {"request_id": request_id, **REQUEST, **payload}, source="budgeting",
                       aggregate_id=request_id, correlation_id=uuid.uuid4().hex, actor=None)


SUBMITTED = {"amount_fen": 12000000, "exceeds_available": False, "requested_by": "u-li"}
REVIEWED = {"requested_amount_fen": 12000000, "approved_amount_fen": 10000000, "comment": None, "status": "reviewed"}


@pytest.fixture
def max_attempts():
    return 3


@pytest.fixture
def db(container_factory, service_config, service_db, rabbit_config, max_attempts):
    container = container_factory(NotificationsService, {**service_config, "EVENT_MAX_ATTEMPTS": max_attempts})
    container.start()
    database = service_db("notifications")
    for event in (user("u-li", "criminal", ["prosecutor"]), user("u-insp", "inspection", ["inspector"]),
                  user("u-insp-head", "inspection", ["department_head"]), user("u-fin", "finance", ["finance"])):
        publish_event(rabbit_config["AMQP_URI"], "accounts", event)
    wait_for(lambda: database.users.count_documents({}) == 4, message="users projected")
    return database


def test_the_submitter_hears_of_the_review_and_the_decision(db, rabbit_config):
    request_id = uuid.uuid4().hex
    publish_event(rabbit_config["AMQP_URI"], "budgeting", budget("budget.request_submitted", request_id, **SUBMITTED))
    wait_for(lambda: db.subjects.find_one({"_id": f"budget_request:{request_id}"}), message="remembered")
    publish_event(rabbit_config["AMQP_URI"], "budgeting", budget("budget.request_reviewed", request_id, **REVIEWED))
    publish_event(rabbit_config["AMQP_URI"], "budgeting", budget(
        "budget.request_decided", request_id, decision="approved", amount_fen=10000000, minutes_ref="党组会〔2026〕12号"))
    # The submitter hears of the review and the decision; finance of the submission; the inspection
    # office (检务督察全程监督) of all three.
    wait_for(lambda: db.notifications.count_documents({"ref.id": request_id}) == 9, message="nine notices")
    notes = list(db.notifications.find({"ref.id": request_id, "recipient_id": "u-li"}))
    assert {n["type"] for n in notes} == {"budget.request_reviewed", "budget.request_decided"} and len(notes) == 2
    assert {n["type"] for n in db.notifications.find({"ref.id": request_id, "recipient_id": "u-fin"})} == \
        {"budget.request_submitted"}
    for office in ("u-insp", "u-insp-head"):
        assert sorted(n["type"] for n in db.notifications.find({"ref.id": request_id, "recipient_id": office})) == \
            ["budget.request_decided", "budget.request_reviewed", "budget.request_submitted"]
    reviewed = next(n for n in notes if n["type"] == "budget.request_reviewed")
    assert "审核金额 100,000.00 元" in reviewed["body"] and "审核意见：无" in reviewed["body"]
    assert reviewed["ref"] == {"kind": "budget_request", "id": request_id}


@pytest.mark.parametrize("max_attempts", [50])
def test_a_review_processed_before_the_submission_is_retried_not_dropped(db, rabbit_config, max_attempts):
    request_id = uuid.uuid4().hex
    review = budget("budget.request_reviewed", request_id, **REVIEWED)
    publish_event(rabbit_config["AMQP_URI"], "budgeting", review)
    time.sleep(1)  # several failed attempts (retry delay 200 ms): nothing remembered yet
    assert db.inbox_processed.find_one({"event_id": review["event_id"]}) is None
    assert db.notifications.count_documents({"ref.id": request_id}) == 0
    publish_event(rabbit_config["AMQP_URI"], "budgeting", budget("budget.request_submitted", request_id, **SUBMITTED))
    [note] = wait_for(lambda: list(db.notifications.find({"ref.id": request_id, "recipient_id": "u-li"})), timeout=15,
                      message="notice")
    assert note["type"] == "budget.request_reviewed"


def test_a_procurement_started_reaches_the_inspection_office(db, rabbit_config):
    request_id = uuid.uuid4().hex
    publish_event(rabbit_config["AMQP_URI"], "budgeting", budget(
        "budget.procurement_started", request_id, amount_fen=10000000, method="tender", vendor="某科技有限公司",
        started_on="2026-11-26"))
    notes = wait_for(lambda: list(db.notifications.find({"ref.id": request_id})) if
                     db.notifications.count_documents({"ref.id": request_id}) == 2 else None, message="notices")
    assert {n["recipient_id"] for n in notes} == {"u-insp", "u-insp-head"}
    assert "公开招标" in notes[0]["body"] and "某科技有限公司" in notes[0]["body"]
