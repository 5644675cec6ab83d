"""A legal deadline firing on a platform whose clock runs 30 days ahead (PINGJIAN_CLOCK_OFFSET_DAYS):
the reverse referral's "overdue" fires once, and the suspect's referral shows as overdue."""
import time
from datetime import date, timedelta

import pytest

from tests.e2e.conftest import local_stack
from tests.support.api import Api, unique_case_no
from tests.support.waiting import wait_for

OFFSET_DAYS = 30


@pytest.fixture(scope="module")
def ahead(request):
    # Only what the test uses (users and logins, the cases, the gateway): a platform start is the
    # slowest step of the e2e layer, and the other six services would only idle here.
    with local_stack(request, with_relay_proxy=False, services=("accounts", "cases"),
                     PINGJIAN_CLOCK_OFFSET_DAYS=str(OFFSET_DAYS),
                     PINGJIAN_ALLOW_FAKE_CLOCK="1", DEADLINE_POLL_SECONDS="0.5") as started:
        yield started


def test_an_unrecorded_referral_is_announced_overdue_once(ahead):
    admin = Api(ahead.base_url).login(ahead.admin_user, ahead.admin_password)
    _, head = admin.create_user("department_head", "criminal")
    prosecutor_user, prosecutor = admin.create_user("prosecutor", "criminal")
    case = head.post("/v1/cases", json={"case_no": unique_case_no(), "title": "逾期移送", "category": "criminal",
                                        "department": "criminal", "handler_id": prosecutor_user["id"]}).json()
    decided_on = date(2026, 11, 2)  # in the past for the platform, in a year the calendar knows
    suspect = prosecutor.post(f"/v1/cases/{case['id']}/suspects", json={
        "name": "赵某", "id_number": "110101199003072316", "layer": "peripheral", "charges": ["helping_network_crime"],
        "decision": {"decision": "non_prosecution", "decided_on": decided_on.isoformat(), "reason": "情节轻微",
                     "administrative_penalty_warranted": True}})
    assert suspect.status_code == 201, suspect.text
    outbox = ahead.db("cases").outbox
    query = {"aggregate_id": suspect.json()["id"], "type": "case.referral_overdue"}
    wait_for(lambda: outbox.count_documents(query) == 1, timeout=30, message="the overdue event")
    time.sleep(2)  # several more polls of the deadline timer: still one
    assert outbox.count_documents(query) == 1
    [event] = outbox.find(query)
    due = suspect.json()["referral"]["due_on"]
    assert event["envelope"]["payload"]["referral_due_on"] == due and date.fromisoformat(due) > decided_on
    shown = prosecutor.get(f"/v1/cases/{case['id']}/suspects/{suspect.json()['id']}").json()
    assert shown["referral"]["overdue"] is True
    assert ahead.db("cases").deadlines.find_one({"aggregate_id": suspect.json()["id"]})["status"] == "fired"
    # The platform's "now" is ahead too: what it stamps is 30 days from real time.
    assert date.fromisoformat(case["created_at"][:10]) >= date.today() + timedelta(days=OFFSET_DAYS - 1)
