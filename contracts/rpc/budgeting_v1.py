"""RPC contract of the ``budgeting`` service, version 1 (also the HTTP bodies of /v1/budget and
/v1/vehicles). Every amount is integer fen (``contracts.fields.money``): a float, a string, a
negative or an absurd amount (> 10^13 fen) is a 400 naming the field."""
from marshmallow import Schema, ValidationError, fields, pre_load, validate, validates, validates_schema

from contracts import enums
from contracts.fields import code, day, line, money, text, utc_datetime
from contracts.rpc.common import FromWireName, PageQuery, refuse_naive_datetimes

MIN_YEAR, MAX_YEAR = 2000, 2100


def year(strict=True, **kwargs):
    """A budget year: a JSON integer in a body; in a query string (text) ``strict=False``."""
    return fields.Integer(strict=strict, validate=validate.Range(min=MIN_YEAR, max=MAX_YEAR,
                                                               error="年度应在 {min} 到 {max} 之间"), **kwargs)


def _positive(value):
    if value is not None and value <= 0:
        raise ValidationError("金额应大于 0")


# -- allocations and the ledger ----------------------------------------------------------------------
class SetAllocation(Schema):
    """Set (first time) or revise the allocation of one year × department × category. A revision needs
    a reason: it is kept, with who made it, next to every earlier one."""
    year = year(required=True)
    department = code(enums.DEPARTMENTS, required=True)
    category = code(enums.BUDGET_CATEGORIES, required=True)
    amount_fen = money(required=True)
    reason = text(1, 500, load_default=None, allow_none=True)


class Revision(Schema):
    revision = fields.Integer()
    from_fen = fields.Integer(allow_none=True)
    to_fen = fields.Integer()
    reason = fields.String(allow_none=True)
    by = fields.String()
    at = fields.DateTime(format="iso")


class Allocation(Schema):
    id = fields.String(attribute="_id")
    year = fields.Integer()
    department = fields.String()
    category = fields.String()
    allocated_fen = fields.Integer()
    committed_fen = fields.Integer()
    spent_fen = fields.Integer()
    available_fen = fields.Integer()
    revisions = fields.List(fields.Nested(Revision))
    version = fields.Integer()
    created_at = fields.DateTime(format="iso")
    updated_at = fields.DateTime(format="iso")


class BalanceQuery(PageQuery):
    year = year(strict=False, load_default=None)
    department = code(enums.DEPARTMENTS, load_default=None)
    category = code(enums.BUDGET_CATEGORIES, load_default=None)


class BalancePage(Schema):
    items = fields.List(fields.Nested(Allocation))
    next_cursor = fields.String(allow_none=True)


# -- requests ------------------------------------------------------------------------------------------
class NewRequest(Schema):
    year = year(required=True)
    department = code(enums.DEPARTMENTS, required=True)
    category = code(enums.BUDGET_CATEGORIES, required=True)
    title = line(1, 200, required=True)
    amount_fen = money(required=True)
    justification = text(1, 5000, required=True)

    @validates("amount_fen")
    def _positive_amount(self, value, **kwargs):
        _positive(value)


class ReviewRequest(Schema):
    approved_amount_fen = money(required=True)
    comment = text(1, 2000, load_default=None, allow_none=True)

    @validates("approved_amount_fen")
    def _positive_amount(self, value, **kwargs):
        _positive(value)


class DecideRequest(Schema):
    decision = code(enums.BUDGET_DECISIONS, required=True)
    minutes_ref = line(1, 100, required=True)


class StartProcurement(Schema):
    method = code(enums.PROCUREMENT_METHODS, required=True)
    vendor = line(1, 200, load_default=None, allow_none=True)


class CompleteProcurement(Schema):
    actual_amount_fen = money(required=True)
    accepted_on = day(required=True)


class CancelRequest(Schema):
    reason = text(1, 1000, load_default=None, allow_none=True)


class Procurement(Schema):
    method = fields.String()
    vendor = fields.String(allow_none=True)
    started_on = day()
    actual_amount_fen = fields.Integer(allow_none=True)
    accepted_on = day(allow_none=True)


class RequestHistoryEntry(Schema):
    at = fields.DateTime(format="iso")
    by = fields.String()
    action = fields.String()
    from_status = fields.String(allow_none=True, attribute="from", data_key="from")
    to_status = fields.String(attribute="to", data_key="to")
    details = fields.Dict()


class BudgetRequest(Schema):
    id = fields.String(attribute="_id")
    year = fields.Integer()
    department = fields.String()
    category = fields.String()
    title = fields.String()
    justification = fields.String()
    amount_fen = fields.Integer()
    approved_amount_fen = fields.Integer(allow_none=True)
    committed_fen = fields.Integer()
    exceeds_available = fields.Boolean()
    status = fields.String()
    review_comment = fields.String(allow_none=True)
    decision = fields.String(allow_none=True)
    minutes_ref = fields.String(allow_none=True)
    procurement = fields.Nested(Procurement, allow_none=True)
    requested_by = fields.String()
    submitted_on = day()
    decided_on = day(allow_none=True)
    history = fields.List(fields.Nested(RequestHistoryEntry))
    version = fields.Integer()
    created_at = fields.DateTime(format="iso")
    updated_at = fields.DateTime(format="iso")


class RequestQuery(PageQuery):
    year = year(strict=False, load_default=None)
    department = code(enums.DEPARTMENTS, load_default=None)
    status = code(enums.BUDGET_REQUEST_STATUSES, load_default=None)


class RequestPage(Schema):
    items = fields.List(fields.Nested(BudgetRequest))
    next_cursor = fields.String(allow_none=True)


# -- reports -----------------------------------------------------------------------------------------
class ExecutionQuery(Schema):
    year = year(strict=False, required=True)


class ExecutionFigures(Schema):
    allocated_fen = fields.Integer()
    committed_fen = fields.Integer()
    spent_fen = fields.Integer()
    available_fen = fields.Integer()
    # spent / allocated, rounded to 4 decimals (0.8125 = 81.25%); null when nothing is allocated.
    execution_rate = fields.Float(allow_none=True)
    requests_by_status = fields.Dict(keys=fields.String(), values=fields.Integer())


class ExecutionRow(ExecutionFigures):
    department = fields.String()
    category = fields.String()


class ExecutionReport(Schema):
    year = fields.Integer()
    rows = fields.List(fields.Nested(ExecutionRow))
    totals = fields.Nested(ExecutionFigures)
    requests_by_status = fields.Dict(keys=fields.String(), values=fields.Integer())
    # Mean of (decided_on − submitted_on) in calendar days (Asia/Shanghai) over the requests the party
    # group decided, rounded to 2 decimals; null when none was decided.
    average_days_to_decision = fields.Float(allow_none=True)
    decided_requests = fields.Integer()


# -- vehicles ----------------------------------------------------------------------------------------
class NewVehicle(Schema):
    plate = line(2, 16, required=True)
    model = line(1, 100, required=True)
    seats = fields.Integer(strict=True, required=True,
                           validate=validate.Range(min=1, max=100, error="座位数应在 {min} 到 {max} 之间"))


class Vehicle(Schema):
    id = fields.String(attribute="_id")
    plate = fields.String()
    model = fields.String()
    seats = fields.Integer()
    created_at = fields.DateTime(format="iso")


class VehiclePage(Schema):
    items = fields.List(fields.Nested(Vehicle))
    next_cursor = fields.String(allow_none=True)


class NewBooking(Schema):
    """A slot to come: it starts after now and lasts at most VEHICLE_BOOKING_MAX_DAYS (the budgeting
    domain checks both). Date-times carry their timezone (``+08:00`` or ``Z``); one without is a 400."""
    starts_at = utc_datetime(required=True, metadata={"description": "开始时间（须注明时区，如 +08:00）"})
    ends_at = utc_datetime(required=True, metadata={"description": "结束时间（须注明时区，如 +08:00）"})
    purpose = line(1, 200, required=True)
    case_id = line(1, 64, load_default=None, allow_none=True)

    @pre_load
    def _aware(self, data, **kwargs):
        return refuse_naive_datetimes(data, "starts_at", "ends_at")

    @validates_schema
    def _ends_after_start(self, data, **kwargs):
        if data.get("starts_at") and data.get("ends_at") and data["ends_at"] <= data["starts_at"]:
            raise ValidationError("结束时间应晚于开始时间", "ends_at")


class Booking(Schema):
    id = fields.String(attribute="_id")
    vehicle_id = fields.String()
    plate = fields.String()
    starts_at = fields.DateTime(format="iso")
    ends_at = fields.DateTime(format="iso")
    purpose = fields.String()
    case_id = fields.String(allow_none=True)
    status = fields.String()
    booked_by = fields.String()
    cancelled_by = fields.String(allow_none=True)
    created_at = fields.DateTime(format="iso")


class BookingQuery(PageQuery, FromWireName):
    """Bookings overlapping [from, to) (either end open when absent)."""
    from_ = utc_datetime(load_default=None, data_key="from")
    to = utc_datetime(load_default=None)

    @pre_load
    def _aware(self, data, **kwargs):
        return refuse_naive_datetimes(data, "from", "from_", "to")


    @validates_schema
    def _ordered(self, data, **kwargs):
        if data.get("from_") and data.get("to") and data["to"] <= data["from_"]:
            raise ValidationError("结束时间应晚于开始时间", "to")


class BookingPage(Schema):
    items = fields.List(fields.Nested(Booking))
    next_cursor = fields.String(allow_none=True)
