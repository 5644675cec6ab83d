"""The recommendations dataset of an approved data export (``export_rows``): pure, no broker, no
database. One row per recommendation (its card: kind, unit, title, service, reply and adoption,
follow-ups, closing).

The exports service asks, acting as itself (``EXPORTS_ACTOR``) for an export the chief procurator
approved; this service checks the fields and filters again against the shared registry
(contracts/rpc/exports_v1.py), so a column outside it can never leave. ``overdue`` is computed from
the reply due date and today, as everywhere else, never stored."""
from datetime import date, datetime

from contracts.rpc.exports_v1 import DATASETS, day_range, requester_of
from kit import clock
from services.recommendations import domain, policy

DATASET = DATASETS["recommendations"]


ensure_export_call = DATASET.ensure_export_call


def checked(query):
    """(fields, query filters for the recommendations collection) or ValidationFailed naming the field."""
    fields, filters = DATASET.checked(query)
    selector = {key: filters[key] for key in ("department", "kind", "status") if filters.get(key)}
    drafted = day_range(filters.get("from_"), filters.get("to"))  # drafting days
    if drafted:
        selector["created_at"] = drafted
    # The requester's department's recommendations and the ones they drafted, unless their role sees
    # every department, whatever the filters say (issue 19).
    return fields, DATASET.restrict(selector, requester_of(query))


def _value(rec, name, today):
    reply = rec.get("reply") or {}
    closing = rec.get("closing") or {}
    if name == "id":
        return rec["_id"]
    if name == "drafted_on":
        return rec["created_at"].astimezone(clock.SHANGHAI).date().isoformat()
    if name == "replied_on":
        value = reply.get("received_on")
    elif name == "adoption":
        value = reply.get("adoption")
    elif name == "replied_on_time":
        value = reply.get("on_time")
    elif name == "overdue":
        value = policy.lateness(rec, today)[0] if domain.awaiting_reply(rec) else False  # as domain.view
    elif name == "follow_up_count":
        value = len(rec.get("follow_ups") or [])
    elif name == "closed_on":
        value = closing.get("closed_on")
    elif name == "close_outcome":
        value = closing.get("outcome")
    else:
        value = rec.get(name)
    return value.isoformat() if isinstance(value, (date, datetime)) else value


def rows(recommendations, fields, today, limit):
    """(rows, truncated): the values of ``fields`` only, in that order, at most ``limit`` rows."""
    out = [[_value(rec, name, today) for name in fields] for rec in recommendations]
    return out[:limit], len(out) > limit
