"""The recommendations service in a real nameko container on a real vhost and SecantusDB, next to a
real cases service: drafting on a case known from the cases events or, just registered, from the
cases service by RPC; each step and its event committed together; the reply deadline armed at
service and cancelled by the reply; the reverse referral delivered twice making one opinion."""
import copy
from datetime import date, timedelta

import pytest
from nameko.standalone.rpc import ServiceRpcProxy

from contracts.envelope import build_event
from contracts.rpc.exports_v1 import EXPORTS_ACTOR
from kit import calendar, clock
from kit.errors import Conflict, Forbidden, ValidationFailed
from services.cases.service import CasesService
from services.recommendations.service import RecommendationsService
from tests.support.amqp import publish_event
from tests.support.waiting import wait_for

HEAD = {"user_id": "u-head", "roles": ["department_head"], "department": "public_interest"}
PROSECUTOR = {"user_id": "u-pi", "roles": ["prosecutor"], "department": "public_interest"}
CIVIL = {"user_id": "u-civ", "roles": ["prosecutor"], "department": "civil"}
CHIEF = {"user_id": "u-chief", "roles": ["chief_procurator"], "department": "leadership"}
NEW_CASE = {"case_no": "平检公益〔2026〕7号", "title": "养老机构消防安全", "category": "public_interest",
            "department": "public_interest"}
BODY = {"kind": "public_interest", "target_unit": "某区民政局", "title": "关于养老机构消防安全的检察建议",
        "problems": ["消防通道堵塞"], "proposals": ["限期清理消防通道"]}


def caller(service, config):
    def call(method, actor=PROSECUTOR, **kwargs):
        with ServiceRpcProxy(service, config, context_data={"actor": actor, "correlation_id": "corr-rec"}) as proxy:
            return getattr(proxy, method)(**kwargs)
    return call


@pytest.fixture
def platform(container_factory, service_config):
    """Cases first, with a case registered before recommendations starts: its case.registered was
    routed to no queue of recommendations, so only the RPC fallback can know it."""
    config = {**service_config, "RPC_TIMEOUT_SECONDS": 5, "DEADLINE_POLL_SECONDS": 0.2}
    container_factory(CasesService, config).start()
    cases = caller("cases", config)
    early = cases("register_case", actor=HEAD, body=NEW_CASE)
    container_factory(RecommendationsService, config).start()
    return cases, caller("recommendations", config), early


def served(recs, case_id, served_on, **body):
    rec = recs("draft_recommendation", body={**BODY, "case_id": case_id, **body})
    recs("submit", recommendation_id=rec["id"])
    recs("approve", actor=CHIEF, recommendation_id=rec["id"])
    return recs("serve", recommendation_id=rec["id"], body={"served_on": served_on.isoformat(), "method": "written"})


def test_a_case_unknown_to_the_projection_is_asked_of_the_cases_service_once(platform, service_db):
    cases, recs, early = platform
    db = service_db("recommendations")
    assert db.cases.find_one({"_id": early["id"]}) is None  # not projected: registered before we listened
    rec = recs("draft_recommendation", body={**BODY, "case_id": early["id"]})
    assert rec["status"] == "draft" and rec["case_no"] == NEW_CASE["case_no"] and rec["department"] == "public_interest"
    assert db.cases.find_one({"_id": early["id"]})["department"] == "public_interest"  # kept


def test_a_case_registered_now_is_projected_from_its_events(platform, service_db):
    cases, recs, _ = platform
    case = cases("register_case", actor=HEAD, body={**NEW_CASE, "case_no": "平检公益〔2026〕8号"})
    # Whether the event or the RPC got there first, drafting works at once.
    rec = recs("draft_recommendation", body={**BODY, "case_id": case["id"]})
    assert rec["case_id"] == case["id"]
    wait_for(lambda: service_db("recommendations").cases.find_one({"_id": case["id"], "status_version": {"$gte": 1}}),
             message="the case projected from case.registered")


def test_a_missing_or_invisible_case_names_case_id_and_writes_nothing(platform, service_db):
    cases, recs, early = platform
    with pytest.raises(ValidationFailed) as err:
        recs("draft_recommendation", body={**BODY, "case_id": "no-such-case"})
    assert "case_id" in err.value.fields
    with pytest.raises(Forbidden) as err:
        recs("draft_recommendation", actor=CIVIL, body={**BODY, "case_id": early["id"]})
    assert "case_id" in err.value.fields
    db = service_db("recommendations")
    assert db.recommendations.count_documents({}) == 0 and db.outbox.count_documents({}) == 0


def test_each_step_commits_with_its_event_and_the_reply_deadline_follows(platform, service_db):
    _, recs, early = platform
    today = clock.today()
    rec = served(recs, early["id"], today - timedelta(days=10))
    assert rec["status"] == "served"
    assert rec["reply_due_on"] == calendar.add_months(today - timedelta(days=10), 2).isoformat()
    db = service_db("recommendations")
    deadlines = {d["threshold"]: d["status"] for d in db.deadlines.find({"aggregate_id": rec["id"]})}
    assert deadlines == {"due_soon_7d": "pending", "due_soon_1d": "pending", "due_soon_0d": "pending",
                         "overdue": "pending", "very_overdue": "pending"}
    replied = recs("record_reply", recommendation_id=rec["id"], body={
        "received_on": today.isoformat(), "adoption": "adopted", "content": "已整改"})
    assert replied["status"] == "replied" and replied["overdue"] is False
    assert {d["status"] for d in db.deadlines.find({"aggregate_id": rec["id"]})} == {"cancelled"}
    types = [r["type"] for r in db.outbox.find({"aggregate_id": rec["id"]}).sort("_id", 1)]
    assert sorted(types) == sorted(["recommendation.drafted", "recommendation.submitted", "recommendation.approved",
                                    "recommendation.served", "recommendation.replied"])
    [replied_event] = db.outbox.find({"aggregate_id": rec["id"], "type": "recommendation.replied"})
    payload = replied_event["envelope"]["payload"]
    assert payload["department"] == "public_interest" and payload["adoption"] == "adopted"
    assert payload["reply_due_on"] == rec["reply_due_on"] and payload["target_unit"] == "某区民政局"


def test_served_three_months_ago_is_overdue_at_once_and_fires_overdue_and_very_overdue(platform, service_db):
    _, recs, early = platform
    served_on = calendar.add_months(clock.today(), -3)
    rec = served(recs, early["id"], served_on)
    due = date.fromisoformat(rec["reply_due_on"])
    assert rec["overdue"] is True and rec["days_overdue"] == (clock.today() - due).days > 0
    listed = recs("list_recommendations", query={"overdue": True})["items"]
    assert [item["id"] for item in listed] == [rec["id"]]
    db = service_db("recommendations")
    wait_for(lambda: db.deadlines.count_documents({"aggregate_id": rec["id"], "status": "pending"}) == 0,
             message="every threshold handled")
    fired = sorted(r["type"] for r in db.outbox.find({"aggregate_id": rec["id"],
                                                      "type": {"$in": ["recommendation.due_soon",
                                                                       "recommendation.overdue",
                                                                       "recommendation.very_overdue"]}}))
    assert fired == ["recommendation.overdue", "recommendation.very_overdue"]  # "due soon" is past: skipped


def test_wrong_role_and_illegal_transition_change_nothing(platform, service_db):
    _, recs, early = platform
    rec = recs("draft_recommendation", body={**BODY, "case_id": early["id"]})
    with pytest.raises(Forbidden):
        recs("approve", actor=HEAD, recommendation_id=rec["id"])
    with pytest.raises(Conflict) as err:
        recs("serve", recommendation_id=rec["id"], body={"served_on": clock.today().isoformat(), "method": "written"})
    assert err.value.fields == {"status": ["draft"]}
    db = service_db("recommendations")
    assert db.recommendations.find_one({"_id": rec["id"]})["version"] == 1
    assert db.outbox.count_documents({"aggregate_id": rec["id"]}) == 1


def _decided_event(case):
    payload = {"case_id": case["id"], "case_no": case["case_no"], "title": case["title"], "department": "criminal",
               "handler_id": "u-crim", "suspect_id": "s-1", "suspect_name": "王某", "layer": "peripheral",
               "charges": ["helping_network_crime"], "decided_on": "2026-09-29", "reason": "情节轻微",
               "administrative_organ": "某区公安分局", "referral_due_on": "2026-10-09"}
    return build_event("case.non_prosecution_decided", payload, source="cases", aggregate_id="s-1",
                       correlation_id="corr-np", actor=None)


def test_a_non_prosecution_delivered_twice_makes_one_draft_opinion(platform, rabbit_config, service_db):
    _, recs, _ = platform
    case = {"id": "c-np", "case_no": "平检刑诉〔2026〕9号", "title": "帮信案"}
    event = _decided_event(case)
    publish_event(rabbit_config["AMQP_URI"], "cases", event)
    publish_event(rabbit_config["AMQP_URI"], "cases", copy.deepcopy(event))          # redelivered
    publish_event(rabbit_config["AMQP_URI"], "cases", _decided_event(case))           # announced again, new id
    db = service_db("recommendations")
    wait_for(lambda: db.inbox_processed.count_documents({}) >= 2, message="both events handled")
    wait_for(lambda: db.recommendations.count_documents({}) == 1, message="the opinion")
    opinion = db.recommendations.find_one()
    assert opinion["kind"] == "procuratorial_opinion" and opinion["status"] == "draft"
    assert opinion["department"] == "administrative" and opinion["target_unit"] == "某区公安分局"
    assert opinion["suspect_id"] == "s-1" and opinion["case_id"] == "c-np"
    assert db.outbox.count_documents({"type": "recommendation.drafted"}) == 1
    # The administrative department sees it; the criminal prosecutor does not work on it.
    admin_prosecutor = {"user_id": "u-adm", "roles": ["prosecutor"], "department": "administrative"}
    assert recs("get_recommendation", actor=admin_prosecutor, recommendation_id=opinion["_id"])["suspect_name"] == "王某"


def test_export_rows_over_real_rpc_only_to_the_exports_service(platform):
    """Defence in depth: the chief procurator or an admin calling ``export_rows`` directly is refused;
    the exports service (acting for an approved export) gets only the columns it asks for."""
    _, recs, early = platform
    rec = served(recs, early["id"], clock.today())
    query = {"dataset": "recommendations", "requester": {"user_id": "u-cm", "roles": ["case_manager"], "department": "case_management"}, "filters": {"status": "served"},
             "fields": ["id", "target_unit", "reply_due_on", "adoption"], "limit": 10}
    for actor in (CHIEF, {"user_id": "u-admin", "roles": ["admin"], "department": "general"}):
        with pytest.raises(Forbidden):
            recs("export_rows", actor=actor, export_id="e1", query=query)
    answer = recs("export_rows", actor=EXPORTS_ACTOR, export_id="e1", query=query)
    assert answer == {"rows": [[rec["id"], "某区民政局", rec["reply_due_on"], None]], "truncated": False}
    with pytest.raises(ValidationFailed) as err:
        recs("export_rows", actor=EXPORTS_ACTOR, export_id="e1", query={**query, "filters": {"kind": "nope"}})
    assert list(err.value.fields) == ["filters"]
