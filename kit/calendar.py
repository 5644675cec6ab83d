"""The date rules every service shares: pure, with "today" always passed in.

- ``add_months``: calendar months, clamped to the end of the month (2026-01-31 + 2 months is
  2026-03-31; 2025-12-31 + 2 months is 2026-02-28; 2027-12-31 + 2 months is 2028-02-29).
- ``add_days``: calendar days.
- ``WorkingCalendar``: China's working days, public holidays and the adjusted working weekends (调休)
  included. A year's schedule comes from what an admin loaded (``PUT /v1/calendar/{year}``: the
  State Council publishes each year's schedule in the autumn before, long before a new release of
  the library) or else from the maintained ``chinesecalendar`` library.

A year with neither (the library knows 2004–2026 in the pinned release) is never a failure: its days count with
weekends only, and every date computed over it is ``provisional`` — said in every
response and event that carries it, and recomputed once when the year's schedule is loaded.
``missing_warning(today)`` says from 1 November that next year's schedule is still missing.
"""
import calendar as _gregorian
from dataclasses import dataclass
from datetime import date, timedelta

import chinese_calendar

# From this day of the year on, next year's schedule should be known (it is published in the autumn).
WARN_FROM = (11, 1)
LIBRARY, LOADED = "library", "loaded"


def add_months(start, months):
    month_index = start.month - 1 + months
    year, month = start.year + month_index // 12, month_index % 12 + 1
    return date(year, month, min(start.day, _gregorian.monthrange(year, month)[1]))


def add_days(start, days):
    return start + timedelta(days=days)


def library_years():
    """The years the pinned chinesecalendar release has a schedule for."""
    years = {day.year for day in chinese_calendar.constants.holidays}
    return range(min(years), max(years) + 1)


@dataclass(frozen=True)
class Schedule:
    """One year's official schedule: its public holidays and its adjusted working days (调休)."""
    year: int
    holidays: frozenset
    workdays: frozenset
    source: str = LOADED

    def is_working_day(self, day):
        if day in self.workdays:
            return True
        return day not in self.holidays and day.weekday() < 5

    @classmethod
    def from_library(cls, year):
        if year not in library_years():
            return None
        return cls(year, frozenset(d for d in chinese_calendar.constants.holidays if d.year == year),
                   frozenset(d for d in chinese_calendar.constants.workdays if d.year == year), LIBRARY)


def problems(year, holidays, workdays):
    """What is wrong with a schedule for ``year`` (field -> zh-CN messages); empty when it is sound:
    every date inside the year, no day both a holiday and a working day, working days on weekends."""
    found = {}
    for name, days in (("holidays", holidays), ("workdays", workdays)):
        outside = [day.isoformat() for day in days if day.year != year]
        if outside:
            found.setdefault(name, []).append(f"日期不在 {year} 年内：{'、'.join(outside)}")
        repeated = sorted({day.isoformat() for day in days if days.count(day) > 1})
        if repeated:
            found.setdefault(name, []).append(f"日期重复：{'、'.join(repeated)}")
    both = sorted(set(holidays) & set(workdays))
    if both:
        found.setdefault("workdays", []).append(
            f"同一天不能既是节假日又是调休上班日：{'、'.join(day.isoformat() for day in both)}")
    weekdays = sorted(day for day in workdays if day.weekday() < 5)
    if weekdays:
        found.setdefault("workdays", []).append(
            f"调休上班日应为周六或周日：{'、'.join(day.isoformat() for day in weekdays)}")
    return found


@dataclass(frozen=True)
class WorkingDate:
    """A date computed over working days; ``provisional`` when a year it spans had no schedule."""
    on: date
    provisional: bool


class WorkingCalendar:
    """The working days as the platform knows them: loaded schedules (``{year: Schedule}``) first,
    then the library, then weekends only (provisional)."""

    def __init__(self, loaded=None):
        self._loaded = dict(loaded or {})
        self._library = {}

    def schedule(self, year):
        """The schedule in force for ``year`` (loaded or library), or None when there is none."""
        if year in self._loaded:
            return self._loaded[year]
        if year not in self._library:
            self._library[year] = Schedule.from_library(year)
        return self._library[year]

    def knows(self, year):
        return self.schedule(year) is not None

    def is_working_day(self, day):
        schedule = self.schedule(day.year)
        return schedule.is_working_day(day) if schedule else day.weekday() < 5

    def add_working_days(self, start, days):
        """The ``days``-th working day after ``start`` (the day of the decision itself does not count)."""
        if days < 0:
            raise ValueError("days must not be negative")
        day, left, provisional = start, days, False
        while left:
            day += timedelta(days=1)
            provisional = provisional or not self.knows(day.year)
            if self.is_working_day(day):
                left -= 1
        return WorkingDate(day, provisional)

    def working_days_between(self, start, end):
        """Working days after ``start`` up to and including ``end``."""
        count, day = 0, start
        while day < end:
            day += timedelta(days=1)
            count += self.is_working_day(day)
        return count

    def missing_years(self, today):
        """The years whose schedule should be known by ``today`` and is not: this year, and from
        1 November next year too."""
        wanted = [today.year] + ([today.year + 1] if (today.month, today.day) >= WARN_FROM else [])
        return [year for year in wanted if not self.knows(year)]

    def missing_warning(self, today):
        """A zh-CN warning for /health and the admins while a schedule is missing; None otherwise."""
        missing = self.missing_years(today)
        if not missing:
            return None
        years = "、".join(f"{year} 年" for year in missing)
        return (f"工作日历缺少 {years}的放假安排：其间的工作日期限按仅周末休息暂定（provisional），"
                f"请管理员在国务院公布后通过 PUT /v1/calendar/{{year}} 录入")
