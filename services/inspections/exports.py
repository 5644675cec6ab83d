"""The inspections dataset of an approved data export (``export_rows``): pure, no broker, no
database. One row per finding (hazard) of an on-site inspection, with the inspected institution,
category, severity, rectification due date and status.

The exports service asks, acting as itself (``EXPORTS_ACTOR``) for an export the chief procurator
approved; this service checks the fields and filters again against the shared registry
(contracts/rpc/exports_v1.py), so a column outside it can never leave. ``overdue`` is computed from
the rectification due date and today (as ``domain.finding_view``), never stored."""
from datetime import date, datetime

from contracts.rpc.exports_v1 import DATASETS
from services.inspections import domain

DATASET = DATASETS["inspections"]


ensure_export_call = DATASET.ensure_export_call


def checked(query):
    """(fields, query filters for the findings collection) or ValidationFailed naming the field."""
    fields, filters = DATASET.checked(query)
    selector = {key: filters[key] for key in ("status", "severity", "category") if filters.get(key)}
    if filters.get("target_kind"):
        selector["target.kind"] = filters["target_kind"]
    inspected = {}  # inspection days are stored as ISO dates: they compare as strings
    if filters.get("from_"):
        inspected["$gte"] = filters["from_"].isoformat()
    if filters.get("to"):
        inspected["$lte"] = filters["to"].isoformat()
    if inspected:
        selector["inspected_on"] = inspected
    return fields, selector


def _value(finding, name, today):
    target = finding.get("target") or {}
    if name == "finding_id":
        return finding["_id"]
    if name in ("target_name", "target_kind", "target_address"):
        value = target.get(name[len("target_"):])
    elif name == "rectified_on":
        value = (finding.get("rectification") or {}).get("rectified_on")
    elif name == "overdue":
        value = domain.finding_view(finding, today)["overdue"]
    elif name == "reinspections":
        value = len(finding.get("reinspections") or [])
    elif name == "recorded_by":
        value = finding.get("created_by")
    else:
        value = finding.get(name)
    return value.isoformat() if isinstance(value, (date, datetime)) else value


def rows(findings, fields, today, limit):
    """(rows, truncated): the values of ``fields`` only, in that order, at most ``limit`` rows."""
    out = [[_value(finding, name, today) for name in fields] for finding in findings]
    return out[:limit], len(out) > limit
