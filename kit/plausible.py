"""Plausibility of the dates a record holds (issue 19: a decision dated 9999-12-31, an inspection on
0001-01-01 and a ten-year vehicle booking were stored). Pure; each domain says which window applies
to each kind of date, in its own domain module, and calls these:

- a date of something that has happened (a decision, an inspection, an interference, a transfer) is
  not after today (Asia/Shanghai) and not before ``EARLIEST`` or before the record it belongs to
  began (a case's registration);
- a time slot that is to come (a vehicle booking) starts after now and lasts at most a configured
  length.

Every refusal is a ``ValidationFailed`` (400) naming the field. (The shared field types in
contracts/fields.py bound the form of a date; these bound its meaning in the domain.)
"""
from datetime import date

from kit.errors import ValidationFailed

# The platform holds no record of anything before this day (a date before it is a typing error).
EARLIEST = date(2000, 1, 1)


def _bad(field, message):
    return ValidationFailed(message, fields={field: [message]})


def ensure_past_or_today(value, today, field, *, earliest=None, earliest_reason=None):
    """``value`` (a date) happened: not after ``today``, not before ``earliest`` (default EARLIEST)."""
    if value is None:
        return value
    if value > today:
        raise _bad(field, f"日期不能晚于今天（{today.isoformat()}）")
    if value < EARLIEST:
        raise _bad(field, f"日期不能早于 {EARLIEST.isoformat()}")
    if earliest is not None and value < earliest:
        raise _bad(field, f"日期不能早于{earliest_reason or ''}（{earliest.isoformat()}）")
    return value


def ensure_future_slot(starts_at, ends_at, now, max_length, *, start_field="starts_at", end_field="ends_at"):
    """A slot to come: starts after ``now``, ends after it starts, lasts at most ``max_length``
    (a timedelta). Both are timezone-aware datetimes."""
    if starts_at <= now:
        raise _bad(start_field, "开始时间须晚于当前时间")
    if ends_at <= starts_at:
        raise _bad(end_field, "结束时间须晚于开始时间")
    if ends_at - starts_at > max_length:
        days = max_length.total_seconds() / 86400
        shown = f"{days:g} 天" if days >= 1 else f"{max_length.total_seconds() / 3600:g} 小时"
        raise _bad(end_field, f"单次预约不能超过 {shown}")
