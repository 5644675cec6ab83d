"""Date rules: calendar months clamped to month end, calendar days, China's working days with
public holidays and adjusted working weekends (调休) from the library or a loaded schedule, and
provisional dates (weekends only) over a year with neither — never a failure."""
from datetime import date

import pytest

from kit import calendar
from kit.calendar import Schedule, WorkingCalendar, WorkingDate

LIBRARY = WorkingCalendar()
# 2027 as an admin would load it: New Year's Day a holiday (a Friday), one adjusted working Sunday.
SCHEDULE_2027 = Schedule(2027, frozenset({date(2027, 1, 1), date(2027, 1, 2), date(2027, 1, 3)}),
                         frozenset({date(2027, 2, 7)}))


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
    assert LIBRARY.is_working_day(day) is working


@pytest.mark.parametrize("decided,due", [
    (date(2026, 9, 29), date(2026, 10, 9)),    # 30 Sep, then 8 and 9 Oct: the break does not count
    (date(2026, 9, 30), date(2026, 10, 10)),   # the adjusted Saturday counts
    (date(2026, 10, 3), date(2026, 10, 10)),   # decided during the break
    (date(2026, 2, 13), date(2026, 2, 25)),    # 14 Feb (adjusted), then 24 and 25 Feb
    (date(2026, 3, 6), date(2026, 3, 11)),     # a Friday: an ordinary weekend in between
])
def test_three_working_days_after_a_decision(decided, due):
    assert LIBRARY.add_working_days(decided, 3) == WorkingDate(due, False)
    assert LIBRARY.working_days_between(decided, due) == 3


def test_a_year_with_no_schedule_counts_weekends_only_and_is_provisional():
    unknown = max(calendar.library_years()) + 1
    assert not LIBRARY.knows(unknown)
    # Thursday 31 Dec 2026: Fri 1, Mon 4, Tue 5 Jan 2027 with weekends only.
    assert LIBRARY.add_working_days(date(2026, 12, 31), 3) == WorkingDate(date(2027, 1, 5), True)
    # Before the library's first year too (1 Jan 2004 is a holiday the library knows).
    assert LIBRARY.add_working_days(date(2003, 12, 30), 3) == WorkingDate(date(2004, 1, 5), True)
    assert LIBRARY.add_working_days(date(1950, 1, 1), 1) == WorkingDate(date(1950, 1, 2), True)
    assert LIBRARY.add_working_days(date(2099, 12, 31), 3).provisional


def test_a_loaded_schedule_takes_precedence_and_makes_dates_definite():
    loaded = WorkingCalendar({2027: SCHEDULE_2027})
    assert loaded.add_working_days(date(2026, 12, 31), 3) == WorkingDate(date(2027, 1, 6), False)
    assert loaded.is_working_day(date(2027, 2, 7))       # an adjusted working Sunday
    assert not loaded.is_working_day(date(2027, 1, 1))   # the holiday
    # Over the library's own year: a loaded 2026 without National Day makes 1 Oct a working Thursday.
    corrected = WorkingCalendar({2026: Schedule(2026, frozenset(), frozenset())})
    assert corrected.is_working_day(date(2026, 10, 1)) and not LIBRARY.is_working_day(date(2026, 10, 1))


def test_the_missing_schedule_is_warned_about_from_the_first_of_november():
    last = max(calendar.library_years())
    assert LIBRARY.missing_warning(date(last, 10, 31)) is None
    warning = LIBRARY.missing_warning(date(last, 11, 1))
    assert warning and str(last + 1) in warning
    assert WorkingCalendar({last + 1: SCHEDULE_2027}).missing_warning(date(last, 11, 1)) is None
    assert LIBRARY.missing_years(date(last + 1, 3, 1)) == [last + 1]


@pytest.mark.parametrize("holidays,workdays,fields", [
    ([date(2026, 12, 31)], [], {"holidays"}),                             # outside the year
    ([date(2027, 1, 1)], [date(2028, 1, 2)], {"workdays"}),
    ([date(2027, 2, 7)], [date(2027, 2, 7)], {"workdays"}),              # both a holiday and a working day
    ([date(2027, 1, 1), date(2027, 1, 1)], [], {"holidays"}),            # twice
    ([], [date(2027, 2, 8)], {"workdays"}),                               # a Monday is no adjusted working day
])
def test_an_unsound_schedule_names_its_field(holidays, workdays, fields):
    assert set(calendar.problems(2027, holidays, workdays)) == fields


def test_a_sound_schedule_has_no_problems():
    assert calendar.problems(2027, sorted(SCHEDULE_2027.holidays), sorted(SCHEDULE_2027.workdays)) == {}
