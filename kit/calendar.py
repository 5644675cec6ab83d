"""The date rules every service shares: pure, with "today" always passed in.

- ``add_months``: calendar months, clamped to the end of the month (2026-01-31 + 2 months is
  2026-03-31; 2025-12-31 + 2 months is 2026-02-28; 2027-12-31 + 2 months is 2028-02-29).
- ``add_days``: calendar days.
- ``add_working_days`` / ``is_working_day``: China's working days, public holidays and the
  adjusted working weekends (调休) included, from the maintained ``chinesecalendar`` library.

A year the library does not know yet (the State Council publishes each year's schedule late in the
year before; a new release of the library follows) is never guessed: ``CalendarUnknown`` (a typed,
zh-CN error), and ``horizon_warning(today)`` says so ahead of time, for health checks.
"""
import calendar as _gregorian
from datetime import date, timedelta

import chinese_calendar

from kit.errors import DomainError

# How far ahead the health check looks for a year the calendar does not know yet.
WARN_DAYS_AHEAD = 60


class CalendarUnknown(DomainError):
    """A working-day question about a year whose holiday schedule is not known yet."""
    code = "calendar_unknown"
    http_status = 503


def add_months(start, months):
    month_index = start.month - 1 + months
    year, month = start.year + month_index // 12, month_index % 12 + 1
    return date(year, month, min(start.day, _gregorian.monthrange(year, month)[1]))


def add_days(start, days):
    return start + timedelta(days=days)


def last_known_year():
    return max(chinese_calendar.constants.holidays).year


def _known(day):
    if day.year > last_known_year() or day.year < 2004:
        raise CalendarUnknown(f"{day.year} 年的节假日安排尚未收录，无法计算工作日（请升级 chinesecalendar）",
                              fields={"date": [day.isoformat()]})


def is_working_day(day):
    _known(day)
    return chinese_calendar.is_workday(day)


def add_working_days(start, days):
    """The ``days``-th working day after ``start`` (the day of the decision itself does not count)."""
    if days < 0:
        raise ValueError("days must not be negative")
    day, left = start, days
    while left:
        day += timedelta(days=1)
        if is_working_day(day):
            left -= 1
    return day


def working_days_between(start, end):
    """Working days after ``start`` up to and including ``end``."""
    count, day = 0, start
    while day < end:
        day += timedelta(days=1)
        count += is_working_day(day)
    return count


def horizon_warning(today, days_ahead=WARN_DAYS_AHEAD):
    """A zh-CN warning when a date within ``days_ahead`` of ``today`` falls in a year the calendar
    does not know (working-day deadlines would fail then); None while all is known."""
    if (today + timedelta(days=days_ahead)).year > last_known_year():
        return (f"工作日历只收录到 {last_known_year()} 年：{last_known_year() + 1} 年起的工作日期限将无法计算，"
                f"请在国务院公布放假安排后升级 chinesecalendar")
    return None
