"""The budgeting service in a real nameko container on real RabbitMQ and SecantusDB: the ledger is
never overdrawn and a vehicle never double-booked, with real parallel calls."""
import eventlet
import pytest
from nameko.standalone.rpc import ServiceRpcProxy

from contracts.envelope import parse_event
from kit.errors import Conflict, Forbidden, ValidationFailed
from services.budgeting.service import BudgetingService
from tests.support.amqp import Tap
from tests.support.waiting import wait_for

FINANCE = {"user_id": "u-fin", "roles": ["finance"], "department": "finance"}
PARTY = {"user_id": "u-party", "roles": ["party_group"], "department": "leadership"}
HEAD = {"user_id": "u-head", "roles": ["department_head"], "department": "criminal"}
CIVIL = {"user_id": "u-civil", "roles": ["prosecutor"], "department": "civil"}
KEY = {"year": 2026, "department": "criminal", "category": "equipment"}
UNIT = 1_000_000  # 10,000 yuan


@pytest.fixture
def budgeting(container_factory, service_config):
    container = container_factory(BudgetingService, {**service_config, "BUDGET_TENDER_THRESHOLD_FEN": 5 * UNIT})
    container.start()

    def call(method, actor=FINANCE, **kwargs):
        with ServiceRpcProxy("budgeting", service_config, context_data={"actor": actor,
                                                                        "correlation_id": "corr-budget"}) as proxy:
            return getattr(proxy, method)(**kwargs)
    return call


def _reviewed(budgeting, amount=UNIT, title="设备"):
    request = budgeting("submit_request", actor=HEAD, body={**KEY, "title": title, "amount_fen": amount,
                                                            "justification": "办案需要"})
    return budgeting("review_request", request_id=request["id"], body={"approved_amount_fen": amount})


def test_the_whole_path_publishes_its_events_and_keeps_an_append_only_history(budgeting, rabbit_config):
    tap = Tap(rabbit_config["AMQP_URI"], "budgeting")
    budgeting("set_allocation", body={**KEY, "amount_fen": 10 * UNIT})
    request = budgeting("submit_request", actor=HEAD, body={**KEY, "title": "同步录音录像设备", "amount_fen": 3 * UNIT,
                                                            "justification": "设备老化"})
    assert request["status"] == "submitted" and request["exceeds_available"] is False
    budgeting("review_request", request_id=request["id"], body={"approved_amount_fen": 2 * UNIT, "comment": "核减"})
    budgeting("decide_request", actor=PARTY, request_id=request["id"],
              body={"decision": "approved", "minutes_ref": "党组会〔2026〕3号"})
    [balance] = budgeting("balances", query={"year": 2026})["items"]
    assert (balance["committed_fen"], balance["available_fen"]) == (2 * UNIT, 8 * UNIT)
    budgeting("start_procurement", request_id=request["id"], body={"method": "centralized", "vendor": "某公司"})
    done = budgeting("complete_procurement", request_id=request["id"],
                     body={"actual_amount_fen": 2 * UNIT - 5000, "accepted_on": "2026-03-20"})
    assert done["status"] == "completed"
    assert [h["action"] for h in done["history"]] == ["submitted", "reviewed", "decided", "procurement_started",
                                                      "procurement_completed"]
    [balance] = budgeting("balances", query={"year": 2026})["items"]
    assert (balance["allocated_fen"], balance["committed_fen"], balance["spent_fen"], balance["available_fen"]) == (
        10 * UNIT, 0, 2 * UNIT - 5000, 8 * UNIT + 5000)
    received = []
    wait_for(lambda: received.extend(tap.drain()) or len(received) >= 6, message="six budgeting events")
    events = [parse_event(m.payload) for m in received]
    assert [e["type"] for e in events] == ["budget.allocation_set", "budget.request_submitted",
                                           "budget.request_reviewed", "budget.request_decided",
                                           "budget.procurement_started", "budget.procurement_completed"]
    started = events[4]["payload"]
    assert started["amount_fen"] == 2 * UNIT and started["vendor"] == "某公司" and started["method"] == "centralized"


def test_twenty_concurrent_approvals_against_room_for_seven(budgeting, service_db):
    budgeting("set_allocation", body={**KEY, "amount_fen": 7 * UNIT})
    requests = [_reviewed(budgeting, UNIT, f"设备{i}") for i in range(20)]
    pool = eventlet.GreenPool(20)

    def approve(request):
        try:
            budgeting("decide_request", actor=PARTY, request_id=request["id"],
                      body={"decision": "approved", "minutes_ref": "党组会〔2026〕4号"})
            return "approved"
        except Conflict:
            return "refused"
    outcomes = list(pool.imap(approve, requests))
    assert outcomes.count("approved") == 7 and outcomes.count("refused") == 13
    db = service_db("budgeting")
    ledger = db.allocations.find_one()
    approved = list(db.requests.find({"status": "approved"}))
    assert len(approved) == 7 and ledger["available_fen"] == 0
    assert ledger["committed_fen"] == sum(r["committed_fen"] for r in approved) == 7 * UNIT
    assert db.requests.count_documents({"status": "reviewed"}) == 13
    # Nothing of a refused approval was written: no history entry, no event.
    assert db.request_history.count_documents({"action": "decided"}) == 7
    assert db.outbox.count_documents({"type": "budget.request_decided"}) == 7


def test_an_approval_that_would_overdraw_is_refused_and_writes_nothing(budgeting, service_db):
    budgeting("set_allocation", body={**KEY, "amount_fen": UNIT})
    request = budgeting("submit_request", actor=HEAD, body={**KEY, "title": "大额", "amount_fen": 2 * UNIT,
                                                            "justification": "需要"})
    assert request["exceeds_available"] is True
    budgeting("review_request", request_id=request["id"], body={"approved_amount_fen": 2 * UNIT})
    with pytest.raises(Conflict) as err:
        budgeting("decide_request", actor=PARTY, request_id=request["id"],
                  body={"decision": "approved", "minutes_ref": "m"})
    assert "decision" in err.value.fields
    db = service_db("budgeting")
    assert db.requests.find_one()["status"] == "reviewed" and db.allocations.find_one()["committed_fen"] == 0


def test_revisions_are_appended_and_cannot_undercut_commitments(budgeting):
    budgeting("set_allocation", body={**KEY, "amount_fen": 5 * UNIT})
    request = _reviewed(budgeting, 3 * UNIT)
    budgeting("decide_request", actor=PARTY, request_id=request["id"], body={"decision": "approved", "minutes_ref": "m"})
    with pytest.raises(ValidationFailed) as err:
        budgeting("set_allocation", body={**KEY, "amount_fen": 6 * UNIT})
    assert "reason" in err.value.fields
    with pytest.raises(Conflict) as err:
        budgeting("set_allocation", body={**KEY, "amount_fen": 2 * UNIT, "reason": "核减"})
    assert "amount_fen" in err.value.fields
    revised = budgeting("set_allocation", body={**KEY, "amount_fen": 4 * UNIT, "reason": "年中调整"})
    assert [(r["from_fen"], r["to_fen"], r["reason"]) for r in revised["revisions"]] == [
        (None, 5 * UNIT, None), (5 * UNIT, 4 * UNIT, "年中调整")]
    assert revised["available_fen"] == UNIT and revised["revisions"][1]["by"] == "u-fin"


def test_cancelled_procurement_releases_and_tender_threshold_is_configured(budgeting):
    budgeting("set_allocation", body={**KEY, "amount_fen": 10 * UNIT})
    request = _reviewed(budgeting, 5 * UNIT)
    budgeting("decide_request", actor=PARTY, request_id=request["id"], body={"decision": "approved", "minutes_ref": "m"})
    with pytest.raises(ValidationFailed) as err:
        budgeting("start_procurement", request_id=request["id"], body={"method": "centralized"})
    assert "method" in err.value.fields
    budgeting("start_procurement", request_id=request["id"], body={"method": "tender"})
    with pytest.raises(Forbidden):
        budgeting("cancel_request", actor=HEAD, request_id=request["id"], body={})
    cancelled = budgeting("cancel_request", request_id=request["id"], body={"reason": "需求取消"})
    assert cancelled["status"] == "cancelled" and cancelled["history"][-1]["details"]["released_fen"] == 5 * UNIT
    [balance] = budgeting("balances", query={})["items"]
    assert (balance["committed_fen"], balance["available_fen"]) == (0, 10 * UNIT)


def test_roles_are_checked_before_anything_is_written(budgeting, service_db):
    with pytest.raises(Forbidden):
        budgeting("set_allocation", actor=HEAD, body={**KEY, "amount_fen": UNIT})
    with pytest.raises(Forbidden):
        budgeting("submit_request", actor=CIVIL, body={**KEY, "title": "x", "amount_fen": 1, "justification": "y"})
    request = _reviewed(budgeting)
    for actor, method, body in ((FINANCE, "decide_request", {"decision": "approved", "minutes_ref": "m"}),
                                (HEAD, "review_request", {"approved_amount_fen": 1}),
                                (PARTY, "start_procurement", {"method": "self"})):
        with pytest.raises(Forbidden):
            budgeting(method, actor=actor, request_id=request["id"], body=body)
    with pytest.raises(Forbidden):
        budgeting("get_request", actor=CIVIL, request_id=request["id"])
    db = service_db("budgeting")
    assert db.allocations.count_documents({}) == 0 and db.requests.find_one()["version"] == 2


def test_ten_concurrent_bookings_of_one_slot_one_wins(budgeting, service_db):
    vehicle = budgeting("register_vehicle", body={"plate": "京A12345", "model": "帕萨特", "seats": 5})
    with pytest.raises(Conflict) as err:
        budgeting("register_vehicle", body={"plate": "京a12345", "model": "帕萨特", "seats": 5})
    assert "plate" in err.value.fields
    pool = eventlet.GreenPool(10)

    def book(i):
        try:
            budgeting("book_vehicle", actor=HEAD, vehicle_id=vehicle["id"],
                      body={"starts_at": f"2031-03-02T0{i % 3}:30:00Z", "ends_at": "2031-03-02T05:00:00Z",
                            "purpose": f"提讯{i}"})
            return "booked"
        except Conflict:
            return "refused"
    outcomes = list(pool.imap(book, range(10)))
    assert outcomes.count("booked") == 1, outcomes
    assert service_db("budgeting").bookings.count_documents({}) == 1
    # A slot in the past, one over VEHICLE_BOOKING_MAX_DAYS, and a date-time without a timezone:
    # refused naming the field, nothing written (issue 19).
    for body, field in (({"starts_at": "2020-03-02T01:00:00Z", "ends_at": "2020-03-02T02:00:00Z"}, "starts_at"),
                        ({"starts_at": "2031-04-01T01:00:00Z", "ends_at": "2041-04-01T01:00:00Z"}, "ends_at"),
                        ({"starts_at": "2031-04-01T09:30:00", "ends_at": "2031-04-01T10:00:00+08:00"}, "starts_at")):
        with pytest.raises(ValidationFailed) as err:
            budgeting("book_vehicle", actor=HEAD, vehicle_id=vehicle["id"], body={**body, "purpose": "提讯"})
        assert field in err.value.fields
    assert service_db("budgeting").bookings.count_documents({}) == 1
    # Back to back is not an overlap; after a cancellation the slot is free again.
    after = budgeting("book_vehicle", actor=HEAD, vehicle_id=vehicle["id"],
                      body={"starts_at": "2031-03-02T05:00:00Z", "ends_at": "2031-03-02T06:00:00Z", "purpose": "返程"})
    [first] = [b for b in budgeting("list_bookings", vehicle_id=vehicle["id"],
                                    query={"to": "2031-03-02T05:00:00Z"})["items"]]
    assert first["id"] != after["id"]
    with pytest.raises(Forbidden):
        budgeting("cancel_booking", actor=CIVIL, vehicle_id=vehicle["id"], booking_id=first["id"])
    budgeting("cancel_booking", actor=HEAD, vehicle_id=vehicle["id"], booking_id=first["id"])
    budgeting("book_vehicle", actor=CIVIL, vehicle_id=vehicle["id"],
              body={"starts_at": "2031-03-02T01:00:00Z", "ends_at": "2031-03-02T02:00:00Z", "purpose": "调查"})


def test_revisions_racing_approvals_keep_the_ledger_consistent(budgeting, service_db):
    budgeting("set_allocation", body={**KEY, "amount_fen": 10 * UNIT})
    requests = [_reviewed(budgeting, UNIT, f"设备{i}") for i in range(10)]
    approved_calls, revised_calls = [], []

    def approve(request):
        try:
            budgeting("decide_request", actor=PARTY, request_id=request["id"],
                      body={"decision": "approved", "minutes_ref": "m"})
            approved_calls.append(request["id"])
        except Conflict:
            pass

    def revise(amount):
        try:
            budgeting("set_allocation", body={**KEY, "amount_fen": amount, "reason": "调整"})
            revised_calls.append(amount)
        except Conflict:
            pass  # below what was committed by then, or still racing after its retries: refused whole
    pool = eventlet.GreenPool(16)
    for i, request in enumerate(requests):
        pool.spawn(approve, request)
        if i % 2:
            pool.spawn(revise, (4 + i // 2) * UNIT)
    pool.waitall()
    db = service_db("budgeting")
    ledger = db.allocations.find_one()
    approved = list(db.requests.find({"status": "approved"}))
    # The race really ran (approvals and revisions both succeeded: not an invariant held as 0 == 0), and the
    # ledger holds exactly what the callers were told succeeded.
    assert approved_calls and revised_calls, (approved_calls, revised_calls)
    assert sorted(r["_id"] for r in approved) == sorted(approved_calls)
    assert len(ledger["revisions"]) == 1 + len(revised_calls)
    assert ledger["committed_fen"] == sum(r["committed_fen"] for r in approved) == len(approved_calls) * UNIT
    assert ledger["available_fen"] == ledger["allocated_fen"] - ledger["committed_fen"] >= 0
    assert ledger["allocated_fen"] == ledger["revisions"][-1]["to_fen"]
    assert [r["revision"] for r in ledger["revisions"]] == list(range(1, len(ledger["revisions"]) + 1))
    assert db.outbox.count_documents({"type": "budget.allocation_set"}) == len(ledger["revisions"])
