"""The budgeting service's own database: the only module that touches it.

Collections:
- ``allocations``: one document per year × department × category (its id is that key) holding the
  ledger — allocated, committed, spent and available (= allocated − committed − spent, kept in the
  document so the database can check it) — and the append-only list of its revisions.
- ``requests`` (versioned aggregates) and ``request_history`` (append-only: every transition, who
  and when, written in the transition's transaction).
- ``vehicles`` (versioned: a booking bumps its vehicle's version) and ``bookings``.
- the kit's ``outbox``.

The no-overdraw guarantee: a step that lowers an allocation's available amount (an approval, a
supplementary review) changes the ledger with one conditional update, ``available_fen >= amount``,
inside the transaction that also writes the request (write-if-unchanged on its version), its
history and its events. If the condition fails the transaction is aborted: nothing of the step is
written. Two concurrent approvals both write the one ledger document, so the database serialises
them (a write conflict is retried by kit.mongo on the fresh ledger), and the second sees what the
first committed.

The no-overlap guarantee: a booking reads the vehicle's bookings overlapping its slot and bumps the
vehicle's version (write-if-unchanged) in one transaction, so of two concurrent bookings of one
vehicle one loses the version race, is decided again, and then sees the other's booking (409).
"""
from pymongo import ASCENDING, DESCENDING, IndexModel
from pymongo.errors import DuplicateKeyError

from kit import clock
from kit.aggregate import Aggregates, Stale, retrying
from kit.errors import Conflict, NotFound
from kit.pagination import paginate
from kit.storage import Store
from services.budgeting import domain

ALLOCATIONS, REQUESTS, HISTORY = "allocations", "requests", "request_history"
VEHICLES, BOOKINGS = "vehicles", "bookings"

_LIST = [("created_at", DESCENDING), ("_id", DESCENDING)]

INDEXES = {
    ALLOCATIONS: [
        IndexModel([("year", ASCENDING), ("department", ASCENDING), ("category", ASCENDING)], unique=True,
                   name="one_per_year_department_category"),
        IndexModel(_LIST),
        IndexModel([("year", ASCENDING), *_LIST]),
        IndexModel([("department", ASCENDING), *_LIST]),
    ],
    REQUESTS: [
        IndexModel(_LIST),
        IndexModel([("year", ASCENDING), *_LIST]),
        IndexModel([("department", ASCENDING), *_LIST]),
        IndexModel([("status", ASCENDING), *_LIST]),
        IndexModel([("year", ASCENDING), ("department", ASCENDING), ("status", ASCENDING), *_LIST]),
    ],
    HISTORY: [IndexModel([("request_id", ASCENDING), ("at", ASCENDING), ("_id", ASCENDING)])],
    VEHICLES: [IndexModel([("plate", ASCENDING)], unique=True, name="plate_unique"), IndexModel(_LIST)],
    BOOKINGS: [
        IndexModel([("vehicle_id", ASCENDING), ("status", ASCENDING), ("starts_at", ASCENDING)]),
        IndexModel([("vehicle_id", ASCENDING), *_LIST]),
    ],
}


def _plate_taken(vehicle):
    return Conflict(f"车牌号已登记：{vehicle['plate']}", fields={"plate": ["车牌号已登记"]})


class BudgetStore(Store):
    def __init__(self, db, outbox):
        super().__init__(db, outbox)
        self.allocations = db[ALLOCATIONS]
        self.requests = Aggregates(self, REQUESTS, not_found="预算申请不存在")
        self.vehicles = Aggregates(self, VEHICLES, not_found="车辆不存在", duplicate=_plate_taken)
        self.bookings = Aggregates(self, BOOKINGS, not_found="用车预约不存在")
        self._history = db[HISTORY]

    # -- allocations -------------------------------------------------------------------------------
    def allocation(self, allocation_id, session=None):
        return self.allocations.find_one({"_id": allocation_id}, session=session)

    def set_allocation(self, data, actor):
        """Set the allocation of its key, or revise it (a revision appended, never a rewrite), with its
        event; decided again if the ledger moved meanwhile (an approval bumps its version)."""
        key = domain.allocation_id(data["year"], data["department"], data["category"])

        def attempt():
            current = self.allocation(key)
            now = clock.now()
            if current is None:
                doc, events = domain.new_allocation(data, actor, now)

                def insert(session):
                    self.allocations.insert_one(doc, session=session)
                    self.emit(session, key, events, aggregate_version=1)
                    return doc
                try:
                    return self.transaction(insert)
                except DuplicateKeyError:
                    raise Stale() from None  # set by someone else meanwhile: revise it instead
            changes, revision, events = domain.revise_allocation(current, data, actor, now)

            def revise(session):
                result = self.allocations.update_one(
                    {"_id": key, "version": current["version"]},
                    {"$set": {**changes, "updated_at": now}, "$push": {"revisions": revision},
                     "$inc": {"version": 1}}, session=session)
                if result.matched_count != 1:
                    raise Stale()
                self.emit(session, key, events, aggregate_version=current["version"] + 1)
                return self.allocation(key, session)
            return self.transaction(revise)
        return retrying(attempt)

    def balances(self, *, year, department, category, limit, cursor):
        query = {name: value for name, value in (("year", year), ("department", department), ("category", category))
                 if value is not None}
        return paginate(self.allocations, query, limit, cursor)

    def _apply_ledger(self, session, allocation_id, delta, field_name):
        """Move the ledger of ``allocation_id`` by ``delta`` in ``session``; where it lowers what is
        available, only if available stays ≥ 0 (else Conflict, and the caller's transaction aborts)."""
        condition = {"_id": allocation_id}
        if delta.lowers_available:
            condition["available_fen"] = {"$gte": -delta.available_fen}
        result = self.allocations.update_one(condition, {
            "$inc": {"committed_fen": delta.committed_fen, "spent_fen": delta.spent_fen,
                     "available_fen": delta.available_fen, "version": 1},
            "$set": {"updated_at": clock.now()}}, session=session)
        if result.matched_count == 1:
            return
        current = self.allocation(allocation_id, session)
        if current is None:
            raise Conflict("该年度、部门、科目尚未下达预算指标", fields={field_name: ["尚未下达预算指标，无可用额度"]})
        raise domain.overdraw(current, -delta.available_fen, field_name)

    # -- requests ----------------------------------------------------------------------------------
    def submit(self, request, events, history):
        def work(session):
            self.requests.stage_insert(session, request, events)
            self._append_history(session, request["_id"], history)
            return request
        return self.transaction(work)

    def change_request(self, request_id, decide):
        """``decide(request) -> domain.Step``; the request (if unchanged since read), its ledger effect,
        its history entry and its events commit together or not at all."""
        def attempt():
            request = self.requests.get(request_id)
            step = decide(request)

            def work(session):
                changed = self.requests.stage_change(session, request, step.changes, step.events)
                if step.ledger is not None:
                    key = domain.allocation_id(request["year"], request["department"], request["category"])
                    self._apply_ledger(session, key, step.ledger, step.ledger_field)
                self._append_history(session, request_id, step.history)
                return changed
            return self.transaction(work)
        return retrying(attempt)

    def _append_history(self, session, request_id, entry):
        self._history.insert_one({"request_id": request_id, **entry}, session=session)

    def history_of(self, request_id):
        return list(self._history.find({"request_id": request_id}, {"_id": 0, "request_id": 0})
                    .sort([("at", ASCENDING), ("_id", ASCENDING)]))

    def search_requests(self, *, year, department, status, limit, cursor):
        query = {name: value for name, value in (("year", year), ("department", department), ("status", status))
                 if value is not None}
        return paginate(self.requests.collection, query, limit, cursor)

    # -- reports -----------------------------------------------------------------------------------
    def year_figures(self, year):
        allocations = list(self.allocations.find({"year": year}, {"department": 1, "category": 1, "allocated_fen": 1,
                                                                  "committed_fen": 1, "spent_fen": 1}))
        requests = list(self.requests.collection.find({"year": year}, {"department": 1, "category": 1, "status": 1,
                                                                       "submitted_on": 1, "decided_on": 1}))
        return allocations, requests

    # -- vehicles ----------------------------------------------------------------------------------
    def list_vehicles(self, limit, cursor):
        return paginate(self.vehicles.collection, {}, limit, cursor)

    def book(self, vehicle_id, build):
        """``build(vehicle) -> (booking, events)``: inserted unless it overlaps a booking of the vehicle
        (409), under concurrency too (see the module's doc)."""
        def attempt():
            vehicle = self.vehicles.get(vehicle_id)
            booking, events = build(vehicle)

            def work(session):
                clash = self.bookings.collection.find_one(
                    {"vehicle_id": vehicle_id, **domain.overlaps(booking["starts_at"], booking["ends_at"])},
                    session=session)
                if clash is not None:
                    raise Conflict("该车辆在此时段已被预约", fields={"starts_at": [
                        f"与已有预约（{clash['starts_at'].isoformat()} – {clash['ends_at'].isoformat()}）时段重叠"]})
                # The version bump is what makes two concurrent bookings of one vehicle collide.
                self.vehicles.stage_change(session, vehicle, {"last_booked_at": clock.now()}, [])
                self.bookings.collection.insert_one(booking, session=session)
                self.emit(session, booking["_id"], events, aggregate_version=1)
                return booking
            return self.transaction(work)
        return retrying(attempt)

    def bookings_of(self, vehicle_id, *, from_, to, limit, cursor):
        query = {"vehicle_id": vehicle_id}
        if from_ is not None:
            query["ends_at"] = {"$gt": from_}
        if to is not None:
            query["starts_at"] = {"$lt": to}
        return paginate(self.bookings.collection, query, limit, cursor)

    def booking_of(self, vehicle_id, booking_id):
        booking = self.bookings.get(booking_id)
        if booking["vehicle_id"] != vehicle_id:
            raise NotFound(self.bookings.not_found)
        return booking
