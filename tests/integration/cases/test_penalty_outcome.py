"""The reverse referral's outcome reaching the cases service: recommendation.replied of a
procuratorial opinion with a penalty outcome is written on the suspect once, however often it is
delivered; other replies change nothing."""
import copy
import time
from datetime import date

import pytest
from nameko.standalone.rpc import ServiceRpcProxy

from contracts.envelope import build_event
from services.cases.service import CasesService
from tests.support.amqp import publish_event
from tests.support.waiting import wait_for

HEAD = {"user_id": "u-head", "roles": ["department_head"], "department": "criminal"}


@pytest.fixture
def cases(container_factory, service_config):
    container_factory(CasesService, service_config).start()

    def call(method, **kwargs):
        with ServiceRpcProxy("cases", service_config, context_data={"actor": HEAD}) as proxy:
            return getattr(proxy, method)(**kwargs)
    return call


def replied(case_id, suspect_id, kind="procuratorial_opinion", penalty=True):
    payload = {"recommendation_id": "r-1", "case_id": case_id, "case_no": "N-1", "kind": kind,
               "department": "administrative", "target_unit": "某区公安分局", "title": "检察意见", "status": "replied",
               "drafted_by": None, "suspect_id": suspect_id, "received_on": "2026-11-20",
               "reply_due_on": "2027-01-20", "on_time": True, "adoption": "adopted", "content": "已处罚",
               "penalty_outcome": {"decision": "penalized", "decided_on": "2026-11-18", "penalty": "罚款五百元"}
               if penalty else None}
    return build_event("recommendation.replied", payload, source="recommendations", aggregate_id="r-1",
                       correlation_id="corr-reply", actor=None)


def test_the_penalty_outcome_is_written_once_on_the_suspect(cases, rabbit_config, service_db):
    case = cases("register_case", body={"case_no": "N-1", "title": "帮信案", "category": "criminal",
                                        "department": "criminal", "accepted_on": "2026-10-08"})
    suspect = cases("add_suspect", case_id=case["id"], body={
        "name": "王某", "id_number": "110101199003072316", "layer": "peripheral", "charges": ["helping_network_crime"],
        "decision": {"decision": "non_prosecution", "decided_on": date(2026, 11, 2).isoformat(), "reason": "情节轻微",
                     "administrative_penalty_warranted": True}})
    other = replied(case["id"], suspect["id"], kind="social_governance", penalty=False)
    event = replied(case["id"], suspect["id"])
    for envelope in (other, event, copy.deepcopy(event)):
        publish_event(rabbit_config["AMQP_URI"], "recommendations", envelope)
    db = service_db("cases")
    wait_for(lambda: db.inbox_processed.count_documents({}) >= 2, message="the replies handled")
    stored = wait_for(lambda: db.suspects.find_one({"_id": suspect["id"], "administrative_penalty": {"$ne": None}}),
                      message="the penalty outcome")
    time.sleep(1)  # the redelivered copy is handled by now (queued right behind the first)
    stored = db.suspects.find_one({"_id": suspect["id"]})
    assert stored["administrative_penalty"]["penalty"] == "罚款五百元"
    assert stored["referral"]["closed_on"] == "2026-11-20"
    assert stored["version"] == suspect["version"] + 1  # written once
    assert db.deadlines.find_one({"aggregate_id": suspect["id"]})["status"] == "cancelled"
    assert db.history.count_documents({"subject": f"suspect:{suspect['id']}"}) == 2  # added, then the outcome
