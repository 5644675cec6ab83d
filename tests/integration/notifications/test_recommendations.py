"""Recommendations events: the drafter (named by every payload) hears of approval and the reply; the
drafter's department head of the deadline; the chief procurator of a very overdue one."""
import uuid

import pytest

import contracts.events  # noqa: F401
from contracts.envelope import build_event, payload_schema
from services.notifications.service import NotificationsService
from tests.support.amqp import publish_event
from tests.support.waiting import wait_for


def user(user_id, department, roles):
    return build_event("user.created", {"id": user_id, "username": user_id, "display_name": user_id,
                                        "department": department, "roles": roles, "active": True},
                       source="accounts", aggregate_id=user_id, correlation_id="c", actor=None, aggregate_version=1)


def recommendation(event_type, recommendation_id, **payload):
    return build_event(event_type, {**payload_schema(event_type, 1).example, "recommendation_id": recommendation_id,
                                    "department": "civil", "drafted_by": "u-drafter", **payload},
                       source="recommendations", aggregate_id=recommendation_id,
                       correlation_id=uuid.uuid4().hex, actor=None)


@pytest.fixture
def db(container_factory, service_config, service_db, rabbit_config):
    container = container_factory(NotificationsService, service_config)
    container.start()
    database = service_db("notifications")
    for event in (user("u-drafter", "civil", ["prosecutor"]), user("u-civil-head", "civil", ["department_head"]),
                  user("u-chief", "leadership", ["chief_procurator"])):
        publish_event(rabbit_config["AMQP_URI"], "accounts", event)
    wait_for(lambda: database.users.count_documents({}) == 3, message="users projected")
    return database


def by_type(db, ref_id, count):
    notes = wait_for(lambda: list(db.notifications.find({"ref.id": ref_id}))
                     if db.notifications.count_documents({"ref.id": ref_id}) >= count else None,
                     timeout=15, message=f"{count} notices")
    found = {}
    for note in notes:
        found.setdefault(note["type"], set()).add(note["recipient_id"])
    return found


def test_each_recommendation_event_reaches_its_recipients(db, rabbit_config):
    rec_id = uuid.uuid4().hex
    for event_type in ("recommendation.approved", "recommendation.due_soon", "recommendation.overdue",
                       "recommendation.very_overdue", "recommendation.replied"):
        publish_event(rabbit_config["AMQP_URI"], "recommendations", recommendation(event_type, rec_id))
    assert by_type(db, rec_id, 7) == {
        "recommendation.approved": {"u-drafter"},
        "recommendation.due_soon": {"u-drafter", "u-civil-head"},
        "recommendation.overdue": {"u-drafter", "u-civil-head"},
        "recommendation.very_overdue": {"u-chief"},
        "recommendation.replied": {"u-drafter"},
    }
    note = db.notifications.find_one({"ref.id": rec_id, "type": "recommendation.very_overdue"})
    assert note["ref"] == {"kind": "recommendation", "id": rec_id} and "提请检察长关注" in note["body"]


def test_a_rejection_reaches_the_drafter_with_the_comment(db, rabbit_config):
    rec_id = uuid.uuid4().hex
    publish_event(rabbit_config["AMQP_URI"], "recommendations", recommendation(
        "recommendation.rejected", rec_id, comment="请补充整改期限"))
    [note] = wait_for(lambda: list(db.notifications.find({"ref.id": rec_id})), timeout=15, message="notice")
    assert note["recipient_id"] == "u-drafter" and "退回意见：请补充整改期限" in note["body"]
