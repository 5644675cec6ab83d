"""A broker outage delays events, never drops or duplicates them.

The cases service's relay reaches RabbitMQ through a proxy the test cuts.
While it is cut, assignments still succeed (the events wait in the outbox);
after it returns, each prosecutor gets exactly one notification per assignment.
"""
import time

import pytest

from tests.support.api import unique_case_no
from tests.support.waiting import wait_for

ASSIGNMENTS = 6


def case_notifications(api, case_ids):
    items = api.get("/v1/me/notifications", params={"limit": 100}).json()["items"]
    return [n for n in items if n["ref"]["id"] in case_ids]


def test_assignments_during_relay_outage_are_notified_exactly_once_after_recovery(stack, criminal_head, admin):
    if stack.proxy is None:
        pytest.skip("needs the local platform's breakable relay link")
    _, head = criminal_head
    prosecutor_user, prosecutor = admin.create_user("prosecutor", "criminal")
    cases = [head.post("/v1/cases", json={"case_no": unique_case_no(), "title": f"断网测试{i}",
                                          "category": "criminal", "department": "criminal"}).json()
             for i in range(ASSIGNMENTS)]
    case_ids = {c["id"] for c in cases}

    stack.proxy.stop()
    try:
        for case in cases:
            response = head.post(f"/v1/cases/{case['id']}/assign", json={"handler_id": prosecutor_user["id"]})
            assert response.status_code == 200, response.text  # writes succeed while the broker is away
        time.sleep(1.5)
        assert case_notifications(prosecutor, case_ids) == []  # held in the outbox, not lost, not sent
        pending = stack.db("cases").outbox.count_documents({"aggregate_id": {"$in": list(case_ids)},
                                                            "type": "case.assigned", "status": "pending"})
        assert pending == ASSIGNMENTS
    finally:
        stack.proxy.start()

    wait_for(lambda: len(case_notifications(prosecutor, case_ids)) >= ASSIGNMENTS, timeout=60,
             message="every notification after recovery")
    time.sleep(2)  # would any duplicate still arrive?
    notes = case_notifications(prosecutor, case_ids)
    assert sorted(n["ref"]["id"] for n in notes) == sorted(case_ids)
