"""The budget dataset of an approved data export (``export_rows``): budget requests, one row each.
Pure; the exports service asks, acting as itself for an export the chief procurator approved, and
the fields and filters are checked again against the shared registry (contracts/rpc/exports_v1.py)."""
from marshmallow import ValidationError

from contracts.rpc.exports_v1 import DATASETS, EXPORT_SERVICE_ROLE
from kit.errors import Forbidden, ValidationFailed

DATASET = DATASETS["budget"]


def ensure_export_call(actor, export_id):
    if EXPORT_SERVICE_ROLE not in actor.roles or not export_id:
        raise Forbidden("仅经批准的数据导出可调取预算数据")


def checked(query):
    """(fields, query filters for the requests collection) or ValidationFailed naming the field."""
    if query["dataset"] != DATASET.name:
        raise ValidationFailed("请求参数有误", fields={"dataset": [f"本服务只提供数据集 {DATASET.name}"]})
    unknown = [name for name in query["fields_"] if name not in DATASET.columns]
    if unknown:
        raise ValidationFailed("请求参数有误", fields={"fields": ["不可导出的字段：" + "、".join(unknown)]})
    try:
        filters = DATASET.filters().load(query["filters"] or {})
    except ValidationError as exc:
        raise ValidationFailed("请求参数有误", fields={"filters": exc.normalized_messages()}) from None
    return list(query["fields_"]), {key: value for key, value in filters.items() if value is not None}


def _value(request, name):
    if name == "request_id":
        return request["_id"]
    value = request.get(name)
    return value.isoformat() if hasattr(value, "isoformat") else value


def rows(requests, fields, limit):
    out = [[_value(request, name) for name in fields] for request in requests]
    return out[:limit], len(out) > limit
