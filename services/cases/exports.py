"""The cases dataset of an approved data export (``export_rows``): pure, no broker, no database.

The exports service asks, acting as itself (``EXPORTS_ACTOR``) for an export the chief procurator
approved; this service checks the fields and filters again against the shared registry
(contracts/rpc/exports_v1.py), so a column outside it can never leave, and masks id numbers unless
the approval included them. One row per case, or, when a suspect column is asked for, one row per
suspect (a case without suspects still gives one row, its suspect cells empty)."""
from datetime import datetime, time, timedelta, timezone

from marshmallow import ValidationError

from contracts.rpc.exports_v1 import DATASETS, EXPORT_SERVICE_ROLE
from kit import clock
from kit.errors import Forbidden, ValidationFailed
from services.cases.suspects import mask_id_number

DATASET = DATASETS["cases"]


def ensure_export_call(actor, export_id):
    """Only the exports service, naming the approved export it acts for, gets rows."""
    if EXPORT_SERVICE_ROLE not in actor.roles or not export_id:
        raise Forbidden("仅经批准的数据导出可调取案件数据")


def checked(query):
    """(fields, query filters for the cases collection) or ValidationFailed naming the field."""
    if query["dataset"] != DATASET.name:
        raise ValidationFailed("请求参数有误", fields={"dataset": [f"本服务只提供数据集 {DATASET.name}"]})
    unknown = [name for name in query["fields_"] if name not in DATASET.columns]
    if unknown:
        raise ValidationFailed("请求参数有误", fields={"fields": ["不可导出的字段：" + "、".join(unknown)]})
    try:
        filters = DATASET.filters().load(query["filters"] or {})
    except ValidationError as exc:
        raise ValidationFailed("请求参数有误", fields={"filters": exc.normalized_messages()}) from None
    selector = {key: filters[key] for key in ("department", "category", "status") if filters.get(key)}
    registered = {}
    if filters.get("from_"):
        registered["$gte"] = _start_of(filters["from_"])
    if filters.get("to"):
        registered["$lt"] = _start_of(filters["to"] + timedelta(days=1))
    if registered:
        selector["created_at"] = registered
    return list(query["fields_"]), selector


def _start_of(day):
    """The UTC instant an Asia/Shanghai calendar day begins (registration dates are such days)."""
    return datetime.combine(day, time(0, 0), tzinfo=clock.SHANGHAI).astimezone(timezone.utc)


def wants_suspects(fields):
    return any(name.startswith("suspect_") and name != "suspect_count" for name in fields)


def _case_value(case, name):
    if name == "registered_on":
        return case["created_at"].astimezone(clock.SHANGHAI).date().isoformat()
    return case.get(name)


def _suspect_value(suspect, name, include_id_numbers):
    if suspect is None:
        return None
    if name == "suspect_name":
        return suspect.get("name")
    if name == "suspect_id_number":
        number = suspect.get("id_number")
        return number if include_id_numbers else mask_id_number(number)
    if name == "suspect_charges":
        return list(suspect.get("charges") or [])
    if name == "suspect_decision":
        return (suspect.get("decision") or {}).get("decision")
    raise KeyError(name)


def rows(cases, suspects_by_case, fields, include_id_numbers, limit):
    """(rows, truncated): the values of ``fields`` only, in that order, at most ``limit`` rows."""
    out = []
    per_suspect = wants_suspects(fields)
    for case in cases:
        suspects = (suspects_by_case.get(case["_id"]) or [None]) if per_suspect else [None]
        for suspect in suspects:
            out.append([_suspect_value(suspect, name, include_id_numbers) if name.startswith("suspect_")
                        and name != "suspect_count" else _case_value(case, name) for name in fields])
    return out[:limit], len(out) > limit
