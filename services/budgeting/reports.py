"""The execution report of one year (预算执行情况), from the allocations and the requests: pure."""
from datetime import date

from contracts import enums

_DEPARTMENT_ORDER = {code: index for index, code in enumerate(enums.DEPARTMENTS)}
_CATEGORY_ORDER = {code: index for index, code in enumerate(enums.BUDGET_CATEGORIES)}


def _by_status(requests):
    counts = {status: 0 for status in enums.BUDGET_REQUEST_STATUSES}
    for request in requests:
        counts[request["status"]] += 1
    return counts


def _rate(spent, allocated):
    return round(spent / allocated, 4) if allocated else None


def _row(allocated, committed, spent, requests):
    return {"allocated_fen": allocated, "committed_fen": committed, "spent_fen": spent,
            "available_fen": allocated - committed - spent, "execution_rate": _rate(spent, allocated),
            "requests_by_status": _by_status(requests)}


def execution(year, allocations, requests):
    """Per department × category (every allocation, and every pair a request names without one):
    allocated, committed, spent, available, execution rate (spent / allocated) and the requests by
    status; the same in total; and the mean days from submission to the party group's decision."""
    keyed = {(a["department"], a["category"]): a for a in allocations}
    grouped = {}
    for request in requests:
        grouped.setdefault((request["department"], request["category"]), []).append(request)
    keys = sorted(set(keyed) | set(grouped), key=lambda k: (_DEPARTMENT_ORDER.get(k[0], 99), _CATEGORY_ORDER.get(k[1], 99)))
    rows = []
    for department, category in keys:
        allocation = keyed.get((department, category)) or {"allocated_fen": 0, "committed_fen": 0, "spent_fen": 0}
        rows.append({"department": department, "category": category,
                     **_row(allocation["allocated_fen"], allocation["committed_fen"], allocation["spent_fen"],
                            grouped.get((department, category), []))})
    totals = _row(sum(a["allocated_fen"] for a in allocations), sum(a["committed_fen"] for a in allocations),
                  sum(a["spent_fen"] for a in allocations), requests)
    days = [(date.fromisoformat(r["decided_on"]) - date.fromisoformat(r["submitted_on"])).days
            for r in requests if r.get("decided_on")]
    return {"year": year, "rows": rows, "totals": totals, "requests_by_status": totals["requests_by_status"],
            "average_days_to_decision": round(sum(days) / len(days), 2) if days else None,
            "decided_requests": len(days)}
