"""The working-day calendar's rules (工作日历), free of any broker or database: the accounts service
owns the schedules an admin loads, as it owns the other platform settings an admin keeps.

- ``year_of``: the year of ``PUT/GET /v1/calendar/{year}``, inside the platform's date window.
- ``load``: (doc, events) for a year's schedule loaded by an admin: refused with the fields named
  when unsound (kit.calendar.problems); a schedule identical to the one in force changes nothing
  and announces nothing, so loading it again is harmless; otherwise a new version, announced with
  ``calendar.schedule_loaded`` carrying the whole schedule.
- ``effective``: what ``GET`` shows: the loaded schedule, else the library's, else none (provisional).
- ``missing_events``: the weekly reminder to the admins from 1 November while a year is missing.
"""
from contracts.fields import EARLIEST_DAY, LATEST_DAY
from kit import calendar
from kit.errors import ValidationFailed


def year_of(text):
    text = str(text)
    if not (text.isascii() and text.isdigit()) or not EARLIEST_DAY.year <= int(text) <= LATEST_DAY.year:
        raise ValidationFailed("年份无效", fields={"year": [f"应为 {EARLIEST_DAY.year} 到 {LATEST_DAY.year} 之间的年份"]})
    return int(text)


def load(year, body, kept, loaded_by, now):
    """(doc, events) for ``body`` (holidays and workdays, dates) loaded as ``year``'s schedule over
    ``kept`` (the loaded document in force, or None); (kept, []) when nothing changes."""
    holidays, workdays = list(body["holidays"]), list(body["workdays"])
    found = calendar.problems(year, holidays, workdays)
    if found:
        raise ValidationFailed("放假安排有误", fields=found)
    holidays = sorted(day.isoformat() for day in set(holidays))
    workdays = sorted(day.isoformat() for day in set(workdays))
    if kept and kept["holidays"] == holidays and kept["workdays"] == workdays:
        return kept, []
    doc = {"_id": year, "year": year, "holidays": holidays, "workdays": workdays,
           "version": (kept["version"] if kept else 0) + 1, "loaded_by": loaded_by,
           "loaded_at": now.isoformat(timespec="milliseconds")}
    payload = {key: doc[key] for key in ("year", "holidays", "workdays", "version", "loaded_by", "loaded_at")}
    return doc, [("calendar.schedule_loaded", payload)]


def effective(year, kept):
    """The schedule in force for ``year`` and where it comes from."""
    if kept:
        return {**kept, "source": calendar.LOADED, "provisional": False}
    library = calendar.Schedule.from_library(year)
    if library:
        return {"year": year, "source": calendar.LIBRARY, "provisional": False,
                "holidays": sorted(d.isoformat() for d in library.holidays),
                "workdays": sorted(d.isoformat() for d in library.workdays)}
    return {"year": year, "source": "none", "provisional": True, "holidays": [], "workdays": []}


def missing_events(working_calendar, today):
    missing = working_calendar.missing_years(today)
    if not missing:
        return []
    return [("calendar.schedule_missing", {"year": missing[0], "years": missing, "checked_on": today.isoformat(),
                                           "message": working_calendar.missing_warning(today)})]
