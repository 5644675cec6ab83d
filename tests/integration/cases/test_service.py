"""The cases service in a real nameko container: state change and event commit together."""
import eventlet
import pytest
from nameko.standalone.rpc import ServiceRpcProxy

from contracts.envelope import parse_event
from kit.errors import Conflict, Forbidden
from services.cases.service import CasesService
from tests.support.amqp import Tap
from tests.support.waiting import wait_for

HEAD = {"user_id": "u-head", "roles": ["department_head"], "department": "criminal"}
CIVIL_PROSECUTOR = {"user_id": "u-civil", "roles": ["prosecutor"], "department": "civil"}
CASE_MANAGER = {"user_id": "u-cm", "roles": ["case_manager"], "department": "case_management"}


def prosecutor(user_id, department="criminal"):
    """The handler account the gateway resolves and hands over with an assignment."""
    return {"user_id": user_id, "roles": ["prosecutor"], "department": department}


NEW_CASE = {"case_no": "平检刑诉〔2026〕1号", "title": "张某诈骗案", "category": "criminal", "department": "criminal"}


@pytest.fixture
def cases(container_factory, service_config):
    container = container_factory(CasesService, service_config)
    container.start()

    def call(method, actor=HEAD, correlation_id="corr-it", **kwargs):
        # Over real RPC, as the gateway calls: the command entrypoint loads and checks the input.
        with ServiceRpcProxy("cases", service_config, context_data={"actor": actor,
                                                                    "correlation_id": correlation_id}) as proxy:
            return getattr(proxy, method)(**kwargs)
    return call


def test_register_assign_transition_publish_their_events_in_order(cases, rabbit_config):
    tap = Tap(rabbit_config["AMQP_URI"], "cases")
    case = cases("register_case", body=NEW_CASE)
    cases("assign_case", case_id=case["id"], body={"handler_id": "u-pros"}, handler=prosecutor("u-pros"))
    cases("transition_case", case_id=case["id"], body={"to": "under_review"})
    received = []
    wait_for(lambda: received.extend(tap.drain()) or len(received) >= 3, message="three case events")
    events = [parse_event(m.payload) for m in received]
    assert [e["type"] for e in events] == ["case.registered", "case.assigned", "case.status_changed"]
    assert all(e["aggregate_id"] == case["id"] and e["correlation_id"] == "corr-it" for e in events)
    assert events[1]["actor"] == HEAD
    assert events[2]["payload"]["to_status"] == "under_review"


def test_duplicate_case_no_is_a_conflict_and_writes_nothing(cases, service_db):
    cases("register_case", body=NEW_CASE)
    with pytest.raises(Conflict) as err:
        cases("register_case", body={**NEW_CASE, "title": "另一个案件"})
    assert "case_no" in err.value.fields
    db = service_db("cases")
    assert db.cases.count_documents({}) == 1
    assert db.outbox.count_documents({}) == 1  # only the first case's case.registered


def test_other_department_cannot_read_or_change_and_nothing_changes(cases, service_db):
    case = cases("register_case", body=NEW_CASE)
    for method, kwargs in [("get_case", {"case_id": case["id"]}),
                           ("transition_case", {"case_id": case["id"], "body": {"to": "under_review"}})]:
        with pytest.raises(Forbidden):
            cases(method, actor=CIVIL_PROSECUTOR, **kwargs)
    assert service_db("cases").cases.find_one()["version"] == 1
    assert service_db("cases").outbox.count_documents({}) == 1


def test_list_is_paginated_newest_first_and_scoped(cases):
    ids = [cases("register_case", body={**NEW_CASE, "case_no": f"N-{i}", "title": f"案件{i}"})["id"] for i in range(5)]
    seen, cursor = [], None
    while True:
        page = cases("list_cases", query={"limit": 2, **({"cursor": cursor} if cursor else {})})
        seen += [item["id"] for item in page["items"]]
        cursor = page["next_cursor"]
        if not cursor:
            break
    assert seen == list(reversed(ids))
    assert cases("list_cases", query={"q": "案件3"})["items"][0]["case_no"] == "N-3"
    with pytest.raises(Forbidden):
        cases("list_cases", query={"department": "criminal"}, actor=CIVIL_PROSECUTOR)
    assert cases("list_cases", query={}, actor=CIVIL_PROSECUTOR)["items"] == []


def test_a_handler_from_another_department_finds_the_case_assigned_to_them(cases):
    mine = cases("register_case", body={**NEW_CASE, "case_no": "H-1", "title": "交办案件"})
    cases("register_case", body={**NEW_CASE, "case_no": "H-2", "title": "交办以外的案件"})
    civil_own = cases("register_case", body={**NEW_CASE, "case_no": "C-1", "title": "民事交办",
                                             "department": "civil"},
                      actor={**HEAD, "department": "civil"})
    # Across departments: only a cross-department role assigns so.
    cases("assign_case", case_id=mine["id"], body={"handler_id": "u-civil"}, handler=CIVIL_PROSECUTOR,
          actor=CASE_MANAGER)

    assert cases("get_case", case_id=mine["id"], actor=CIVIL_PROSECUTOR)["handler_id"] == "u-civil"
    listed = cases("list_cases", query={}, actor=CIVIL_PROSECUTOR)["items"]
    assert {item["id"] for item in listed} == {mine["id"], civil_own["id"]}
    # Both alternatives at once: (own department or handled) and (case_no or title matches).
    assert [i["id"] for i in cases("list_cases", query={"q": "交办"}, actor=CIVIL_PROSECUTOR)["items"]] == \
        [civil_own["id"], mine["id"]]
    # Asking for their own department means exactly that department.
    assert [i["id"] for i in cases("list_cases", query={"department": "civil"}, actor=CIVIL_PROSECUTOR)["items"]] == \
        [civil_own["id"]]


def test_concurrent_assignments_all_succeed_each_decided_on_fresh_state(cases, service_db, service_config):
    case = cases("register_case", body={**NEW_CASE, "case_no": "C-并发"})
    handlers = [f"u-{i}" for i in range(4)]  # each writer can lose at most 3 times: within the 5 attempts

    def assign(handler):  # over real RPC: entrypoint_hook cannot run two calls of one method at once
        with ServiceRpcProxy("cases", service_config, context_data={"actor": HEAD}) as proxy:
            return proxy.assign_case(case_id=case["id"], body={"handler_id": handler}, handler=prosecutor(handler))
    results = [thread.wait() for thread in [eventlet.spawn(assign, h) for h in handlers]]
    db = service_db("cases")
    stored = db.cases.find_one({"_id": case["id"]})
    assert sorted(r["version"] for r in results) == [2, 3, 4, 5]
    assert stored["version"] == 5
    assigned = sorted(db.outbox.find({"aggregate_id": case["id"], "type": "case.assigned"}), key=lambda r: r["seq"])
    # Each event names the handler it replaced: a chain, so no assignment was decided on stale state.
    chain = [(r["envelope"]["payload"]["previous_handler_id"], r["envelope"]["payload"]["handler_id"])
             for r in assigned]
    assert [prev for prev, _ in chain] == [None] + [new for _, new in chain[:-1]]
    assert sorted(new for _, new in chain) == handlers and stored["handler_id"] == chain[-1][1]
