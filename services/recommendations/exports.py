"""The recommendations dataset of an approved data export (``export_rows``): pure, no broker, no
database. One row per recommendation (its card: kind, unit, title, service, reply and adoption,
follow-ups, closing).

The exports service asks, acting as itself (``EXPORTS_ACTOR``) for an export the chief procurator
approved; this service checks the fields and filters again against the shared registry
(contracts/rpc/exports_v1.py), so a column outside it can never leave. ``overdue`` is computed from
the reply due date and today, as everywhere else, never stored."""
from datetime import date, datetime, time, timedelta, timezone

from marshmallow import ValidationError

from contracts.rpc.exports_v1 import DATASETS, EXPORT_SERVICE_ROLE
from kit import clock
from kit.errors import Forbidden, ValidationFailed
from services.recommendations import domain, policy

DATASET = DATASETS["recommendations"]


def ensure_export_call(actor, export_id):
    """Only the exports service, naming the approved export it acts for, gets rows."""
    if EXPORT_SERVICE_ROLE not in actor.roles or not export_id:
        raise Forbidden("仅经批准的数据导出可调取检察建议数据")


def checked(query):
    """(fields, query filters for the recommendations collection) or ValidationFailed naming the field."""
    if query["dataset"] != DATASET.name:
        raise ValidationFailed("请求参数有误", fields={"dataset": [f"本服务只提供数据集 {DATASET.name}"]})
    unknown = [name for name in query["fields_"] if name not in DATASET.columns]
    if unknown:
        raise ValidationFailed("请求参数有误", fields={"fields": ["不可导出的字段：" + "、".join(unknown)]})
    try:
        filters = DATASET.filters().load(query["filters"] or {})
    except ValidationError as exc:
        raise ValidationFailed("请求参数有误", fields={"filters": exc.normalized_messages()}) from None
    selector = {key: filters[key] for key in ("department", "kind", "status") if filters.get(key)}
    drafted = {}
    if filters.get("from_"):
        drafted["$gte"] = _start_of(filters["from_"])
    if filters.get("to"):
        drafted["$lt"] = _start_of(filters["to"] + timedelta(days=1))
    if drafted:
        selector["created_at"] = drafted
    return list(query["fields_"]), selector


def _start_of(day):
    """The UTC instant an Asia/Shanghai calendar day begins (drafting dates are such days)."""
    return datetime.combine(day, time(0, 0), tzinfo=clock.SHANGHAI).astimezone(timezone.utc)


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
