"""The working-day schedules a service computes with, kept in its own database.

The accounts service owns the schedules an admin loads (``PUT /v1/calendar/{year}``) and announces
each with ``calendar.schedule_loaded``; every service that computes working-day dates keeps a copy in
its own ``calendar_schedules`` collection (``FollowsCalendar`` below), so a computation reads its own
database and never calls back. One document per year (``_id`` = the year), the same shape in the
owner and in every copy: ``year``, ``holidays`` and ``workdays`` (ISO dates), ``version`` (1, 2, …
per year), ``loaded_by``, ``loaded_at``. A copy keeps the highest version it has seen, so a
redelivered or late older event changes nothing.
"""
from datetime import date

from kit import calendar
from kit.events import consumes

SCHEDULES = "calendar_schedules"


def schedule_of(doc):
    return calendar.Schedule(doc["year"], frozenset(date.fromisoformat(d) for d in doc["holidays"]),
                             frozenset(date.fromisoformat(d) for d in doc["workdays"]), calendar.LOADED)


def working_calendar(db, session=None):
    """The calendar as this database knows it: its loaded schedules over the library."""
    return calendar.WorkingCalendar({doc["year"]: schedule_of(doc)
                                     for doc in db[SCHEDULES].find({}, session=session)})


def loaded_schedule(db, year, session=None):
    return db[SCHEDULES].find_one({"_id": year}, session=session)


def keep_schedule(db, session, payload):
    """Keep ``payload`` (a ``calendar.schedule_loaded`` payload) unless a version as new is kept
    already; True if it was kept."""
    doc = {"_id": payload["year"], "year": payload["year"], "holidays": sorted(payload["holidays"]),
           "workdays": sorted(payload["workdays"]), "version": payload["version"],
           "loaded_by": payload.get("loaded_by"), "loaded_at": payload.get("loaded_at")}
    kept = db[SCHEDULES].find_one({"_id": doc["_id"]}, {"version": 1}, session=session)
    if kept and kept["version"] >= doc["version"]:
        return False
    db[SCHEDULES].replace_one({"_id": doc["_id"]}, doc, upsert=True, session=session)
    return True


class FollowsCalendar:
    """Mixin for a service that computes working-day dates (``store`` a kit Store, ``inbox`` an Inbox):
    it keeps every loaded schedule, then ``calendar_changed(session, year)`` — the service's hook to
    recompute the provisional dates of that year — runs in the same transaction."""

    follows_calendar = True

    @consumes("accounts", "calendar.schedule_loaded")
    def on_calendar_schedule_loaded(self, event, session):
        # One transaction with the inbox: kept and recomputed together, once per event. An older
        # version arriving late is not kept and recomputes nothing.
        if keep_schedule(self.store.db, session, event["payload"]):
            self.calendar_changed(session, event["payload"]["year"])

    def calendar_changed(self, session, year):
        """The service's hook; nothing to recompute by default."""
