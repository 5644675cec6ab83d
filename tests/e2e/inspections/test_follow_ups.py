"""The automatic follow-ups on the whole platform: real envelopes published twice on the producers'
exchanges, one task each, seen through the gateway."""
import uuid
from pathlib import Path

import pytest

from kit import calendar, clock
from tests.support.amqp import publish_event
from tests.support.duplicates import wait_until_ignored_in_log
from tests.support.upstream import procurement_started, recommendation_replied
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
    replied = recommendation_replied(recommendation_id, received_on=today, title="加强养老机构消防安全监管")
    started = procurement_started(request_id, started_on=today, title="同步录音录像设备", amount_fen=12000000)
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
    # The second delivery of each was consumed and ignored (the service says so), not merely given time.
    for event in (replied, started):
        wait_until_ignored_in_log(Path(stack.log_dir, "inspections.log"), event["event_id"], 1)
    assert len(tasks_from(recommendation_id, "public_interest")) == 1 and len(tasks_from(request_id, "inspection")) == 1
