"""Budgeting rules without a broker: allocations and revisions, the ledger, the request state machine."""
from datetime import date, datetime, timedelta, timezone

import pytest

from kit.context import Actor
from kit.errors import Conflict, ValidationFailed
from services.budgeting import domain

NOW = datetime(2026, 3, 2, 2, 0, tzinfo=timezone.utc)
TODAY = date(2026, 3, 2)
FINANCE = Actor("u-fin", ("finance",), "finance")
HEAD = Actor("u-head", ("department_head",), "criminal")
PARTY = Actor("u-party", ("party_group",), "leadership")
BODY = {"year": 2026, "department": "criminal", "category": "equipment", "title": "同步录音录像设备",
        "amount_fen": 1_000_000, "justification": "老化"}


def allocation(amount=5_000_000, committed=0, spent=0):
    doc, _ = domain.new_allocation({"year": 2026, "department": "criminal", "category": "equipment",
                                    "amount_fen": amount, "reason": None}, FINANCE, NOW)
    return {**doc, "committed_fen": committed, "spent_fen": spent, "available_fen": amount - committed - spent}


def submitted(amount=1_000_000, alloc=None):
    request, events, history = domain.new_request({**BODY, "amount_fen": amount}, HEAD, alloc or allocation(), NOW,
                                                  TODAY)
    return request


def advance(request, step):
    return {**request, **step.changes}


def test_a_new_allocation_is_revision_one_with_its_event():
    doc, events = domain.new_allocation({**BODY, "amount_fen": 300, "reason": None}, FINANCE, NOW)
    assert doc["_id"] == "2026:criminal:equipment" and doc["available_fen"] == 300
    assert doc["revisions"] == [{"revision": 1, "from_fen": None, "to_fen": 300, "reason": None, "by": "u-fin",
                                 "at": NOW}]
    assert events[0][0] == "budget.allocation_set" and events[0][1]["previous_allocated_fen"] is None


def test_a_revision_is_appended_with_who_and_why_and_keeps_the_ledger_consistent():
    alloc = allocation(1000, committed=300, spent=200)
    changes, revision, events = domain.revise_allocation(alloc, {"amount_fen": 800, "reason": "追加"}, FINANCE, NOW)
    assert changes == {"allocated_fen": 800, "available_fen": 300}
    assert revision == {"revision": 2, "from_fen": 1000, "to_fen": 800, "reason": "追加", "by": "u-fin", "at": NOW}
    assert events[0][1]["previous_allocated_fen"] == 1000 and events[0][1]["revision"] == 2


def test_a_revision_needs_a_reason_and_cannot_go_below_what_is_used():
    alloc = allocation(1000, committed=300, spent=200)
    with pytest.raises(ValidationFailed) as err:
        domain.revise_allocation(alloc, {"amount_fen": 800, "reason": None}, FINANCE, NOW)
    assert "reason" in err.value.fields
    with pytest.raises(Conflict) as err:
        domain.revise_allocation(alloc, {"amount_fen": 499, "reason": "核减"}, FINANCE, NOW)
    assert "amount_fen" in err.value.fields


def test_ledger_arithmetic_and_overdraw_refusal():
    alloc = allocation(1000, committed=300, spent=200)
    assert domain.available(alloc) == 500 and domain.available(None) == 0
    after = domain.apply_delta(alloc, domain.LedgerDelta(committed_fen=500))
    assert (after["committed_fen"], after["available_fen"]) == (800, 0)
    with pytest.raises(Conflict):
        domain.apply_delta(alloc, domain.LedgerDelta(committed_fen=501))
    spent = domain.apply_delta(after, domain.LedgerDelta(committed_fen=-500, spent_fen=450))
    assert (spent["committed_fen"], spent["spent_fen"], spent["available_fen"]) == (300, 650, 50)


def test_a_request_above_what_is_available_is_accepted_but_flagged():
    assert submitted(1_000_000)["exceeds_available"] is False
    request = submitted(6_000_000)
    assert request["status"] == "submitted" and request["exceeds_available"] is True
    request, _, _ = domain.new_request(BODY, HEAD, None, NOW, TODAY)  # no allocation at all: nothing available
    assert request["exceeds_available"] is True


def test_the_whole_path_moves_the_ledger_commit_then_spend():
    request = submitted(1_000_000)
    step = domain.review(request, {"approved_amount_fen": 800_000, "comment": "核减"}, FINANCE, NOW)
    assert step.ledger is None and step.changes["status"] == "reviewed"
    request = advance(request, step)
    step = domain.decide(request, {"decision": "approved", "minutes_ref": "党组会〔2026〕3号"}, PARTY, NOW, TODAY)
    assert step.ledger == domain.LedgerDelta(committed_fen=800_000) and step.changes["decided_on"] == "2026-03-02"
    request = advance(request, step)
    step = domain.start_procurement(request, {"method": "centralized", "vendor": None}, FINANCE, NOW, TODAY)
    payload = step.events[0][1]
    assert step.events[0][0] == "budget.procurement_started"
    assert {k: payload[k] for k in ("request_id", "year", "department", "category", "title", "amount_fen", "method",
                                    "vendor", "started_on")} == {
        "request_id": request["_id"], "year": 2026, "department": "criminal", "category": "equipment",
        "title": "同步录音录像设备", "amount_fen": 800_000, "method": "centralized", "vendor": None,
        "started_on": "2026-03-02"}
    request = advance(request, step)
    step = domain.complete_procurement(request, {"actual_amount_fen": 750_000, "accepted_on": TODAY}, FINANCE, NOW)
    assert step.ledger == domain.LedgerDelta(committed_fen=-800_000, spent_fen=750_000)
    assert step.events[0][1]["released_fen"] == 50_000 and step.changes["status"] == "completed"


def test_review_cannot_approve_more_than_requested():
    with pytest.raises(ValidationFailed) as err:
        domain.review(submitted(1000), {"approved_amount_fen": 1001}, FINANCE, NOW)
    assert "approved_amount_fen" in err.value.fields


def test_a_rejection_commits_nothing_and_is_final():
    request = advance(submitted(), domain.review(submitted(), {"approved_amount_fen": 1000}, FINANCE, NOW))
    step = domain.decide(request, {"decision": "rejected", "minutes_ref": "m"}, PARTY, NOW, TODAY)
    assert step.ledger is None and step.changes["status"] == "rejected"
    rejected = advance(request, step)
    for attempt in (lambda: domain.cancel(rejected, {}, FINANCE, NOW),
                    lambda: domain.start_procurement(rejected, {"method": "self"}, FINANCE, NOW, TODAY)):
        with pytest.raises(Conflict):
            attempt()


def test_no_step_can_be_skipped():
    request = submitted()
    with pytest.raises(Conflict) as err:
        domain.decide(request, {"decision": "approved", "minutes_ref": "m"}, PARTY, NOW, TODAY)
    assert "decision" in err.value.fields
    with pytest.raises(Conflict):
        domain.start_procurement(request, {"method": "self"}, FINANCE, NOW, TODAY)
    with pytest.raises(Conflict):
        domain.complete_procurement(request, {"actual_amount_fen": 1, "accepted_on": TODAY}, FINANCE, NOW)


def _in_procurement(amount=1000):
    request = submitted(amount)
    request = advance(request, domain.review(request, {"approved_amount_fen": amount}, FINANCE, NOW))
    request = advance(request, domain.decide(request, {"decision": "approved", "minutes_ref": "m"}, PARTY, NOW, TODAY))
    return advance(request, domain.start_procurement(request, {"method": "tender"}, FINANCE, NOW, TODAY))


def test_an_actual_amount_above_the_approved_one_needs_finance_to_review_again():
    request = _in_procurement(1000)
    with pytest.raises(Conflict) as err:
        domain.complete_procurement(request, {"actual_amount_fen": 1200, "accepted_on": TODAY}, FINANCE, NOW)
    assert "actual_amount_fen" in err.value.fields
    step = domain.review(request, {"approved_amount_fen": 1200}, FINANCE, NOW)
    assert step.ledger == domain.LedgerDelta(committed_fen=200) and step.ledger_field == "approved_amount_fen"
    assert step.history["action"] == "supplementary_review"
    request = advance(request, step)
    assert request["status"] == "in_procurement"
    step = domain.complete_procurement(request, {"actual_amount_fen": 1200, "accepted_on": TODAY}, FINANCE, NOW)
    assert step.ledger == domain.LedgerDelta(committed_fen=-1200, spent_fen=1200)


def test_cancelling_releases_a_commitment_only_when_there_is_one():
    assert domain.cancel(submitted(), {}, HEAD, NOW).ledger is None
    step = domain.cancel(_in_procurement(1000), {"reason": "需求取消"}, FINANCE, NOW)
    assert step.ledger == domain.LedgerDelta(committed_fen=-1000)
    assert step.events[0][1] == {**step.events[0][1], "previous_status": "in_procurement", "released_fen": 1000}


def test_tender_threshold_guard_is_inclusive_and_configurable():
    domain.ensure_method_allowed(domain.DEFAULT_TENDER_THRESHOLD_FEN - 1, "centralized")
    domain.ensure_method_allowed(domain.DEFAULT_TENDER_THRESHOLD_FEN, "tender")
    with pytest.raises(ValidationFailed) as err:
        domain.ensure_method_allowed(200_000_000, "centralized")
    assert "method" in err.value.fields
    with pytest.raises(ValidationFailed):
        domain.ensure_method_allowed(500, "self", tender_threshold_fen=500)
    request = submitted(300_000_000, allocation(400_000_000))
    request = advance(request, domain.review(request, {"approved_amount_fen": 300_000_000}, FINANCE, NOW))
    request = advance(request, domain.decide(request, {"decision": "approved", "minutes_ref": "m"}, PARTY, NOW, TODAY))
    with pytest.raises(ValidationFailed):
        domain.start_procurement(request, {"method": "self"}, FINANCE, NOW, TODAY)


def test_bookings_overlap_on_half_open_slots():
    start, end = datetime(2026, 3, 2, 1, tzinfo=timezone.utc), datetime(2026, 3, 2, 3, tzinfo=timezone.utc)
    assert domain.overlaps(start, end) == {"status": "booked", "starts_at": {"$lt": end}, "ends_at": {"$gt": start}}
    vehicle = domain.new_vehicle({"plate": "京a12345", "model": "大众帕萨特", "seats": 5}, FINANCE, NOW)
    booking, events = domain.new_booking(vehicle, {"starts_at": start, "ends_at": end, "purpose": "提讯"}, HEAD,
                                         start - timedelta(days=1))
    assert vehicle["plate"] == "京A12345" and events[0][0] == "vehicle.booked"
    changes, events = domain.cancel_booking(booking, HEAD)
    assert changes["status"] == "cancelled" and events[0][0] == "vehicle.booking_cancelled"
    with pytest.raises(Conflict):
        domain.cancel_booking({**booking, **changes}, HEAD)


@pytest.mark.parametrize("starts,ends,field", [
    (datetime(2026, 3, 1, 23, tzinfo=timezone.utc), datetime(2026, 3, 2, 3, tzinfo=timezone.utc), "starts_at"),
    (datetime(2027, 1, 1, tzinfo=timezone.utc), datetime(2037, 1, 1, tzinfo=timezone.utc), "ends_at"),
    (datetime(2026, 3, 3, tzinfo=timezone.utc), datetime(2026, 4, 3, 0, 1, tzinfo=timezone.utc), "ends_at"),
])
def test_a_booking_starts_in_the_future_and_lasts_at_most_the_configured_days(starts, ends, field):
    vehicle = domain.new_vehicle({"plate": "京a12345", "model": "大众帕萨特", "seats": 5}, FINANCE, NOW)
    now = datetime(2026, 3, 2, tzinfo=timezone.utc)
    with pytest.raises(ValidationFailed) as err:
        domain.new_booking(vehicle, {"starts_at": starts, "ends_at": ends, "purpose": "提讯"}, HEAD, now, 30)
    assert field in err.value.fields
    domain.new_booking(vehicle, {"starts_at": starts, "ends_at": starts + timedelta(days=30), "purpose": "提讯"}, HEAD,
                       starts - timedelta(seconds=1), 30)
