"""The cases dataset of an approved data export (``export_rows``): pure, no broker, no database.

The exports service asks, acting as itself (``EXPORTS_ACTOR``) for an export the chief procurator
approved; this service checks the fields and filters again against the shared registry
(contracts/rpc/exports_v1.py), so a column outside it can never leave, and masks id numbers unless
the approval included them. One row per case, or, when a suspect column is asked for, one row per
suspect (a case without suspects still gives one row, its suspect cells empty)."""
from contracts.rpc.exports_v1 import DATASETS, day_range, requester_of
from kit import clock
from kit.errors import Forbidden
from services.cases import policy
from services.cases.suspects import mask_id_number

DATASET = DATASETS["cases"]


ensure_export_call = DATASET.ensure_export_call


def checked(query):
    """(fields, query filters for the cases collection, requester) or ValidationFailed naming the field.
    The filters only narrow the requester's own read scope (their department's cases and the ones they
    handle, unless their role sees every department), whatever they say (issue 19)."""
    fields, filters = DATASET.checked(query)
    requester = requester_of(query)
    selector = {key: filters[key] for key in ("department", "category", "status") if filters.get(key)}
    registered = day_range(filters.get("from_"), filters.get("to"))  # registration days
    if registered:
        selector["created_at"] = registered
    return fields, DATASET.restrict(selector, requester), requester


def visible(cases, requester):
    """Only the cases the requester may read through the API (the query's scope, checked again)."""
    out = []
    for case in cases:
        try:
            policy.ensure_can_view(requester, case)
        except Forbidden:  # not theirs to read
            continue
        out.append(case)
    return out


def unmasked_for(requester, include_id_numbers):
    """Per case: whether its id numbers leave whole — only when the approval included them and the
    requester sees them whole through the API (the handler, the department's head, admin)."""
    return lambda case: bool(include_id_numbers) and policy.may_see_personal_data(requester, case)


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
    """(rows, truncated): the values of ``fields`` only, in that order, at most ``limit`` rows.
    ``include_id_numbers``: a bool, or a function of the case (``unmasked_for``)."""
    out = []
    per_suspect = wants_suspects(fields)
    unmasked = include_id_numbers if callable(include_id_numbers) else (lambda case: bool(include_id_numbers))
    for case in cases:
        suspects = (suspects_by_case.get(case["_id"]) or [None]) if per_suspect else [None]
        whole = unmasked(case)
        for suspect in suspects:
            out.append([_suspect_value(suspect, name, whole) if name.startswith("suspect_")
                        and name != "suspect_count" else _case_value(case, name) for name in fields])
    return out[:limit], len(out) > limit
