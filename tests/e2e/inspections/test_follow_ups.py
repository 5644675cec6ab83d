"""The automatic follow-ups on the whole platform: real envelopes published twice on the producers'
exchanges, one task each, seen through the gateway."""
import time
import uuid

import pytest

import contracts.events  # noqa: F401  (registers every payload schema)
from contracts.envelope import build_event
from kit import calendar, clock
from tests.support.amqp import publish_event
from tests.support.waiting import wait_for


@pytest.fixture(scope="module")
def inspector(admin):
    return admin.create_user("inspector", "inspection")


def test_an_adopted_recommendation_and_a_procurement_each_get_one_task(stack, inspector):
    if not stack.amqp_uri:
        pytest.skip("publishes on the platform's broker (local platform only)")
    _, insp = inspector
    recommendation_id, request_id = uuid.uuid4().hex, uuid.uuid4().hex
    today = clock.today()
    replied = build_event("recommendation.replied", {
        "recommendation_id": recommendation_id, "case_id": None, "kind": "social_governance",
        "department": "public_interest", "target_unit": "某区民政局", "title": "加强养老机构消防安全监管",
        "adoption": "adopted", "received_on": today.isoformat(), "reply_due_on": today.isoformat()},
        source="recommendations", aggregate_id=recommendation_id, correlation_id=uuid.uuid4().hex, actor=None)
    started = build_event("budget.procurement_started", {
        "request_id": request_id, "year": today.year, "department": "general", "category": "equipment",
        "title": "同步录音录像设备", "amount_fen": 12000000, "method": "public_tender", "vendor": None,
        "started_on": today.isoformat()},
        source="budgeting", aggregate_id=request_id, correlation_id=uuid.uuid4().hex, actor=None)
    for _ in range(2):
        publish_event(stack.amqp_uri, "recommendations", replied)
        publish_event(stack.amqp_uri, "budgeting", started)

    def tasks_from(source_id, department):
        items = insp.get("/v1/supervision-tasks", params={"department": department, "limit": 100}).json()["items"]
        return [t for t in items if (t["source"] or {}).get("id") == source_id]

    [follow_up] = wait_for(lambda: tasks_from(recommendation_id, "public_interest"), message="the follow-up")
    [oversight] = wait_for(lambda: tasks_from(request_id, "inspection"), message="the oversight task")
    assert follow_up["kind"] == "follow_up" and follow_up["source"]["kind"] == "recommendation"
    assert follow_up["due_on"] == calendar.add_months(today, 3).isoformat() and follow_up["status"] == "open"
    assert oversight["kind"] == "procurement_oversight" and oversight["source"]["kind"] == "budget_request"
    db = stack.db("inspections")
    wait_for(lambda: db.inbox_processed.count_documents({"event_id": {"$in": [replied["event_id"],
                                                                              started["event_id"]]}}) == 2,
             message="both processed")
    time.sleep(1)  # the duplicates are delivered as well by now
    assert len(tasks_from(recommendation_id, "public_interest")) == 1 and len(tasks_from(request_id, "inspection")) == 1
