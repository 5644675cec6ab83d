"""Budgeting rules, free of any broker or database: allocations and their revisions, the ledger
arithmetic, the request state machine and the events each step produces.

A request step returns a ``Step``: the request's changes, its events, the effect on the ledger of
its allocation (``LedgerDelta``: committed and spent move; available = allocated − committed −
spent follows) and the history entry. The store applies all of them in one transaction, and applies
a delta that lowers ``available`` only where ``available`` stays ≥ 0 (storage.py): that condition,
checked by the database inside the transaction, is what keeps two concurrent approvals from
overdrawing an allocation together.
"""
import uuid
from dataclasses import dataclass
from datetime import timedelta

from kit import plausible
from kit.errors import Conflict, ValidationFailed

DEFAULT_TENDER_THRESHOLD_FEN = 200_000_000  # 2,000,000 yuan (goods and services)

# submitted → reviewed → approved | rejected; approved → in_procurement → completed; any state that
# is not final → cancelled. ``review`` again while in procurement is finance's approval of an
# actual amount above the approved one (the status stays in_procurement).
TRANSITIONS = {
    "submitted": ("reviewed", "cancelled"),
    "reviewed": ("reviewed", "approved", "rejected", "cancelled"),
    "approved": ("in_procurement", "cancelled"),
    "in_procurement": ("in_procurement", "completed", "cancelled"),
    "rejected": (),
    "completed": (),
    "cancelled": (),
}
FINAL = ("rejected", "completed", "cancelled")
# States in which the request holds a commitment on its allocation's ledger.
COMMITTED_STATES = ("approved", "in_procurement")

STATUS_LABELS = {"submitted": "已提交", "reviewed": "计财已审核", "approved": "党组已批准", "rejected": "党组未批准",
                 "in_procurement": "采购中", "completed": "已完成", "cancelled": "已取消"}


# -- allocations -----------------------------------------------------------------------------------
def allocation_id(year, department, category):
    """One allocation per year × department × category: its id is that key (a unique key for free)."""
    return f"{year}:{department}:{category}"


def available(allocation):
    """allocated − committed − spent (0 when there is no allocation)."""
    if allocation is None:
        return 0
    return allocation["allocated_fen"] - allocation["committed_fen"] - allocation["spent_fen"]


def new_allocation(data, actor, now):
    """The first allocation of its key: revision 1, nothing committed or spent."""
    revision = {"revision": 1, "from_fen": None, "to_fen": data["amount_fen"], "reason": data.get("reason"),
                "by": actor.user_id, "at": now}
    doc = {"_id": allocation_id(data["year"], data["department"], data["category"]),
           "year": data["year"], "department": data["department"], "category": data["category"],
           "allocated_fen": data["amount_fen"], "committed_fen": 0, "spent_fen": 0,
           "available_fen": data["amount_fen"], "revisions": [revision], "version": 1,
           "created_by": actor.user_id, "created_at": now, "updated_at": now}
    return doc, [_allocation_event(doc, None, revision)]


def revise_allocation(allocation, data, actor, now):
    """A revision of an existing allocation: (set, revision, events) — the new amount, the revision
    appended to the allocation's own list (never rewritten), and the event. Lowering it below what
    is already committed and spent is refused (409): it would overdraw the ledger."""
    if not data.get("reason"):
        raise ValidationFailed("调整预算指标须说明理由", fields={"reason": ["调整已下达的预算指标时必填"]})
    amount = data["amount_fen"]
    used = allocation["committed_fen"] + allocation["spent_fen"]
    if amount < used:
        raise Conflict(f"调整后的指标不能低于已占用与已支出之和（{used} 分）",
                       fields={"amount_fen": [f"不能低于已占用与已支出之和 {used} 分"]})
    revision = {"revision": len(allocation["revisions"]) + 1, "from_fen": allocation["allocated_fen"],
                "to_fen": amount, "reason": data["reason"], "by": actor.user_id, "at": now}
    changes = {"allocated_fen": amount, "available_fen": amount - used}
    return changes, revision, [_allocation_event({**allocation, **changes}, allocation["allocated_fen"], revision)]


def _allocation_event(doc, previous, revision):
    return ("budget.allocation_set", {
        "allocation_id": doc["_id"], "year": doc["year"], "department": doc["department"],
        "category": doc["category"], "allocated_fen": doc["allocated_fen"], "previous_allocated_fen": previous,
        "revision": revision["revision"], "reason": revision["reason"]})


# -- the ledger ------------------------------------------------------------------------------------
@dataclass(frozen=True)
class LedgerDelta:
    committed_fen: int = 0
    spent_fen: int = 0

    @property
    def available_fen(self):
        return -(self.committed_fen + self.spent_fen)

    @property
    def lowers_available(self):
        return self.available_fen < 0


def apply_delta(allocation, delta):
    """The ledger after ``delta`` (what the store does in the database); Conflict if it would overdraw."""
    after = {**allocation, "committed_fen": allocation["committed_fen"] + delta.committed_fen,
             "spent_fen": allocation["spent_fen"] + delta.spent_fen,
             "available_fen": allocation["available_fen"] + delta.available_fen}
    if delta.lowers_available and after["available_fen"] < 0:
        raise overdraw(allocation, -delta.available_fen)
    return after


def overdraw(allocation, amount, field_name="decision"):
    have = available(allocation)
    return Conflict(f"可用额度不足：需占用 {amount} 分，可用 {have} 分",
                    fields={field_name: [f"批准后可用额度将为负（可用 {have} 分，需 {amount} 分）"]})


# -- requests --------------------------------------------------------------------------------------
@dataclass
class Step:
    changes: dict
    events: list
    history: dict
    ledger: LedgerDelta = None
    # The field a refused ledger change is reported on (a 409 naming it).
    ledger_field: str = "decision"


def _ref(request):
    return {"request_id": request["_id"], "year": request["year"], "department": request["department"],
            "category": request["category"], "title": request["title"]}


def _history(action, by, now, from_status, to_status, **details):
    return {"action": action, "by": by, "at": now, "from": from_status, "to": to_status, "details": details}


def _ensure_transition(request, target, field_name="status"):
    current = request["status"]
    if target not in TRANSITIONS[current]:
        allowed = "、".join(STATUS_LABELS[s] for s in TRANSITIONS[current] if s != current) or "无"
        raise Conflict(f"预算申请当前为「{STATUS_LABELS[current]}」，不能变为「{STATUS_LABELS[target]}」（允许：{allowed}）",
                       fields={field_name: [f"不允许的状态变更：{current} → {target}"]})


def new_request(data, actor, allocation, now, today):
    """A submitted request; flagged ``exceeds_available`` when it asks for more than is available now."""
    request = {
        "_id": uuid.uuid4().hex,
        "year": data["year"], "department": data["department"], "category": data["category"],
        "title": data["title"], "justification": data["justification"], "amount_fen": data["amount_fen"],
        "approved_amount_fen": None, "committed_fen": 0,
        "exceeds_available": data["amount_fen"] > available(allocation),
        "status": "submitted", "review_comment": None, "decision": None, "minutes_ref": None,
        "procurement": None, "requested_by": actor.user_id, "submitted_on": today.isoformat(),
        "decided_on": None, "version": 1, "created_at": now, "updated_at": now,
    }
    event = ("budget.request_submitted", {**_ref(request), "amount_fen": request["amount_fen"],
                                          "exceeds_available": request["exceeds_available"],
                                          "requested_by": actor.user_id})
    history = _history("submitted", actor.user_id, now, None, "submitted", amount_fen=request["amount_fen"])
    return request, [event], history


def review(request, data, actor, now):
    """Finance's review: the approved amount (≤ requested) → reviewed. While in procurement, a review
    raises the approved amount (an actual amount above it needs this) and commits the difference."""
    amount = data["approved_amount_fen"]
    if request["status"] == "in_procurement":
        return _supplementary_review(request, data, actor, now)
    _ensure_transition(request, "reviewed")
    if amount > request["amount_fen"]:
        raise ValidationFailed("审核金额不能超过申请金额", fields={
            "approved_amount_fen": [f"不能超过申请金额 {request['amount_fen']} 分"]})
    changes = {"status": "reviewed", "approved_amount_fen": amount, "review_comment": data.get("comment")}
    event = ("budget.request_reviewed", {**_ref(request), "requested_amount_fen": request["amount_fen"],
                                         "approved_amount_fen": amount, "comment": data.get("comment"),
                                         "status": "reviewed"})
    history = _history("reviewed", actor.user_id, now, request["status"], "reviewed", approved_amount_fen=amount,
                       comment=data.get("comment"))
    return Step(changes, [event], history)


def _supplementary_review(request, data, actor, now):
    amount = data["approved_amount_fen"]
    if amount <= request["committed_fen"]:
        raise ValidationFailed("追加审核金额应大于原批准金额", fields={
            "approved_amount_fen": [f"应大于原批准金额 {request['committed_fen']} 分"]})
    extra = amount - request["committed_fen"]
    changes = {"approved_amount_fen": amount, "committed_fen": amount, "review_comment": data.get("comment")}
    event = ("budget.request_reviewed", {**_ref(request), "requested_amount_fen": request["amount_fen"],
                                         "approved_amount_fen": amount, "comment": data.get("comment"),
                                         "status": "in_procurement"})
    history = _history("supplementary_review", actor.user_id, now, "in_procurement", "in_procurement",
                       approved_amount_fen=amount, committed_more_fen=extra, comment=data.get("comment"))
    return Step(changes, [event], history, LedgerDelta(committed_fen=extra), "approved_amount_fen")


def decide(request, data, actor, now, today):
    """The party group's decision: approved commits the reviewed amount on the ledger (refused with
    409 if available would go below 0), rejected ends the request."""
    target = data["decision"]
    _ensure_transition(request, target, "decision")
    amount = request["approved_amount_fen"]
    changes = {"status": target, "decision": target, "minutes_ref": data["minutes_ref"],
               "decided_on": today.isoformat()}
    ledger = None
    if target == "approved":
        changes["committed_fen"] = amount
        ledger = LedgerDelta(committed_fen=amount)
    event = ("budget.request_decided", {**_ref(request), "decision": target, "amount_fen": amount,
                                        "minutes_ref": data["minutes_ref"]})
    history = _history("decided", actor.user_id, now, request["status"], target, decision=target,
                       amount_fen=amount, minutes_ref=data["minutes_ref"])
    return Step(changes, [event], history, ledger, "decision")


def start_procurement(request, data, actor, now, today, tender_threshold_fen=DEFAULT_TENDER_THRESHOLD_FEN):
    """approved → in_procurement. At or above the tender threshold only a tender is allowed."""
    _ensure_transition(request, "in_procurement")
    if request["status"] != "approved":  # in_procurement → in_procurement is the supplementary review only
        raise Conflict("采购已启动", fields={"status": ["采购已启动，不能重复启动"]})
    ensure_method_allowed(request["committed_fen"], data["method"], tender_threshold_fen)
    procurement = {"method": data["method"], "vendor": data.get("vendor"), "started_on": today.isoformat(),
                   "actual_amount_fen": None, "accepted_on": None}
    event = ("budget.procurement_started", {**_ref(request), "amount_fen": request["committed_fen"],
                                            "method": data["method"], "vendor": data.get("vendor"),
                                            "started_on": today.isoformat()})
    history = _history("procurement_started", actor.user_id, now, "approved", "in_procurement",
                       method=data["method"], vendor=data.get("vendor"))
    return Step({"status": "in_procurement", "procurement": procurement}, [event], history)


def ensure_method_allowed(amount_fen, method, tender_threshold_fen=DEFAULT_TENDER_THRESHOLD_FEN):
    if amount_fen >= tender_threshold_fen and method != "tender":
        raise ValidationFailed("达到公开招标限额的采购须采用公开招标", fields={
            "method": [f"金额 {amount_fen} 分达到公开招标限额 {tender_threshold_fen} 分，采购方式须为 tender"]})


def complete_procurement(request, data, actor, now):
    """in_procurement → completed: the commitment becomes spending of the actual amount; what was
    approved but not spent is released. An actual amount above the approved one needs finance's
    review first (409)."""
    _ensure_transition(request, "completed")
    actual, committed = data["actual_amount_fen"], request["committed_fen"]
    if actual > committed:
        raise Conflict("实际金额超过批准金额，须先经计财再次审核追加", fields={
            "actual_amount_fen": [f"超过批准金额 {committed} 分；请计财再次审核（review）追加后再验收"]})
    accepted_on = data["accepted_on"].isoformat()
    procurement = {**request["procurement"], "actual_amount_fen": actual, "accepted_on": accepted_on}
    event = ("budget.procurement_completed", {
        **_ref(request), "amount_fen": committed, "actual_amount_fen": actual, "released_fen": committed - actual,
        "accepted_on": accepted_on, "method": procurement["method"], "vendor": procurement["vendor"]})
    history = _history("procurement_completed", actor.user_id, now, "in_procurement", "completed",
                       actual_amount_fen=actual, released_fen=committed - actual, accepted_on=accepted_on)
    changes = {"status": "completed", "procurement": procurement, "committed_fen": 0, "spent_fen": actual}
    return Step(changes, [event], history, LedgerDelta(committed_fen=-committed, spent_fen=actual))


def cancel(request, data, actor, now):
    """Any state that is not final → cancelled; a commitment held is released."""
    _ensure_transition(request, "cancelled")
    released = request["committed_fen"] if request["status"] in COMMITTED_STATES else 0
    event = ("budget.request_cancelled", {**_ref(request), "previous_status": request["status"],
                                          "released_fen": released, "reason": data.get("reason")})
    history = _history("cancelled", actor.user_id, now, request["status"], "cancelled", released_fen=released,
                       reason=data.get("reason"))
    ledger = LedgerDelta(committed_fen=-released) if released else None
    return Step({"status": "cancelled", "committed_fen": 0}, [event], history, ledger)


# -- vehicles --------------------------------------------------------------------------------------
def new_vehicle(data, actor, now):
    return {"_id": uuid.uuid4().hex, "plate": data["plate"].upper(), "model": data["model"], "seats": data["seats"],
            "version": 1, "created_by": actor.user_id, "created_at": now, "updated_at": now}


def overlaps(starts_at, ends_at):
    """The query of a vehicle's bookings overlapping [starts_at, ends_at): half-open slots, so one
    booking may end exactly when the next begins."""
    return {"status": "booked", "starts_at": {"$lt": ends_at}, "ends_at": {"$gt": starts_at}}


DEFAULT_BOOKING_MAX_DAYS = 30


def new_booking(vehicle, data, actor, now, max_days=DEFAULT_BOOKING_MAX_DAYS):
    """A booking is of a slot to come (starts after ``now``) of at most ``max_days``
    (VEHICLE_BOOKING_MAX_DAYS): a ten-year booking blocked a car, one in the past was accepted."""
    plausible.ensure_future_slot(data["starts_at"], data["ends_at"], now, timedelta(days=max_days))
    booking = {"_id": uuid.uuid4().hex, "vehicle_id": vehicle["_id"], "plate": vehicle["plate"],
               "starts_at": data["starts_at"], "ends_at": data["ends_at"], "purpose": data["purpose"],
               "case_id": data.get("case_id"), "status": "booked", "booked_by": actor.user_id,
               "cancelled_by": None, "version": 1, "created_at": now, "updated_at": now}
    event = ("vehicle.booked", {**_booking_ref(booking), "purpose": booking["purpose"], "case_id": booking["case_id"],
                                "booked_by": actor.user_id})
    return booking, [event]


def cancel_booking(booking, actor):
    if booking["status"] == "cancelled":
        raise Conflict("该预约已取消", fields={"status": ["预约已取消"]})
    return ({"status": "cancelled", "cancelled_by": actor.user_id},
            [("vehicle.booking_cancelled", {**_booking_ref(booking), "cancelled_by": actor.user_id})])


def _booking_ref(booking):
    return {"booking_id": booking["_id"], "vehicle_id": booking["vehicle_id"], "plate": booking["plate"],
            "starts_at": booking["starts_at"].isoformat(), "ends_at": booking["ends_at"].isoformat()}
