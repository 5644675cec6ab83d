"""Date rules: calendar months clamped to month end, calendar days, China's working days with
public holidays and adjusted working weekends (调休), and a loud failure for unknown years."""
from datetime import date

import pytest

from kit import calendar
from kit.calendar import CalendarUnknown


@pytest.mark.parametrize("start,months,due", [
    (date(2026, 1, 31), 2, date(2026, 3, 31)),
    (date(2025, 12, 31), 2, date(2026, 2, 28)),
    (date(2027, 12, 31), 2, date(2028, 2, 29)),   # leap year
    (date(2026, 3, 31), 1, date(2026, 4, 30)),
    (date(2026, 11, 15), 2, date(2027, 1, 15)),   # across a year end
    (date(2026, 5, 20), 0, date(2026, 5, 20)),
])
def test_calendar_months_clamp_to_the_end_of_the_month(start, months, due):
    assert calendar.add_months(start, months) == due


def test_calendar_days():
    assert calendar.add_days(date(2026, 2, 27), 2) == date(2026, 3, 1)
    assert calendar.add_days(date(2028, 2, 28), 1) == date(2028, 2, 29)


@pytest.mark.parametrize("day,working", [
    (date(2026, 10, 1), False), (date(2026, 10, 7), False),   # National Day break
    (date(2026, 10, 8), True),                                  # back to work, a Thursday
    (date(2026, 10, 10), True),                                 # an adjusted working Saturday
    (date(2026, 9, 20), True),                                  # an adjusted working Sunday
    (date(2026, 2, 17), False), (date(2026, 2, 23), False),     # Spring Festival break
    (date(2026, 2, 14), True), (date(2026, 2, 28), True),       # adjusted working Saturdays
    (date(2026, 3, 7), False), (date(2026, 3, 9), True),        # an ordinary weekend, an ordinary Monday
])
def test_working_days_follow_the_holiday_schedule_and_adjusted_weekends(day, working):
    assert calendar.is_working_day(day) is working


@pytest.mark.parametrize("decided,due", [
    (date(2026, 9, 29), date(2026, 10, 9)),    # 30 Sep, then 8 and 9 Oct: the break does not count
    (date(2026, 9, 30), date(2026, 10, 10)),   # the adjusted Saturday counts
    (date(2026, 10, 3), date(2026, 10, 10)),   # decided during the break
    (date(2026, 2, 13), date(2026, 2, 25)),    # 14 Feb (adjusted), then 24 and 25 Feb
    (date(2026, 3, 6), date(2026, 3, 11)),     # a Friday: an ordinary weekend in between
])
def test_three_working_days_after_a_decision(decided, due):
    assert calendar.add_working_days(decided, 3) == due
    assert calendar.working_days_between(decided, due) == 3


def test_a_year_the_calendar_does_not_know_fails_loudly_and_is_warned_about_ahead():
    unknown = date(calendar.last_known_year() + 1, 3, 2)
    with pytest.raises(CalendarUnknown) as refused:
        calendar.is_working_day(unknown)
    assert str(unknown.year) in refused.value.message and refused.value.http_status == 503
    with pytest.raises(CalendarUnknown):
        calendar.add_working_days(date(calendar.last_known_year(), 12, 30), 5)
    assert calendar.horizon_warning(date(calendar.last_known_year(), 6, 1)) is None
    warning = calendar.horizon_warning(date(calendar.last_known_year(), 11, 15))
    assert warning and str(calendar.last_known_year() + 1) in warning
