"""The budget dataset of an approved data export (``export_rows``): budget requests, one row each.
Pure; the exports service asks, acting as itself for an export the chief procurator approved, and
the fields and filters are checked again against the shared registry (contracts/rpc/exports_v1.py)."""
from contracts.rpc.exports_v1 import DATASETS, requester_of

DATASET = DATASETS["budget"]


ensure_export_call = DATASET.ensure_export_call


def checked(query):
    """(fields, query filters for the requests collection) or ValidationFailed naming the field."""
    fields, filters = DATASET.checked(query)
    selector = {key: value for key, value in filters.items() if value is not None}
    # Only the requester's department's requests unless their role sees every department (issue 19).
    return fields, DATASET.restrict(selector, requester_of(query))


def _value(request, name):
    if name == "request_id":
        return request["_id"]
    value = request.get(name)
    return value.isoformat() if hasattr(value, "isoformat") else value


def rows(requests, fields, limit):
    out = [[_value(request, name) for name in fields] for request in requests]
    return out[:limit], len(out) > limit
