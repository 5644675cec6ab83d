"""A data-check run: the rules of services/cases/checks.py over the case cards in scope, with what the
store keeps of the findings — new ones opened (with their event), those still there seen again,
those no longer found resolved. It touches the database only through the store."""
from datetime import timedelta

from services.cases import checks

# Scopes: the daily run covers cases changed since yesterday (日清日结), the weekly one the key
# fields of every case (每周巡查), the monthly one and a requested run every rule on every case.
DAILY_LOOKBACK = timedelta(days=2)


def run(store, scope, *, today, now, department=None):
    rules = checks.scope_rules(scope)
    changed_since = now - DAILY_LOOKBACK if scope == "daily" else None
    summary = {"scope": scope, "cases": 0, "opened": 0, "still_open": 0, "resolved": 0}
    for batch in store.cases_for_checks(department=department, changed_since=changed_since):
        handlers = store.users_by_id({case["handler_id"] for case, _ in batch if case.get("handler_id")})
        open_now = store.open_findings([case["_id"] for case, _ in batch], rules)
        seen = set()
        for case, suspects in batch:
            card = checks.Card(case, suspects, handlers.get(case.get("handler_id")))
            for rule, subject, message in checks.findings(card, today, rules):
                finding_id = checks.finding_id(rule, case["_id"], subject)
                seen.add(finding_id)
                if finding_id in open_now:
                    continue
                finding = {"_id": finding_id, "rule": rule, "case_id": case["_id"], "case_no": case["case_no"],
                           "subject": subject, "department": case["department"],
                           "owner_id": case.get("handler_id"), "message": message, "created_at": now}
                if store.open_finding(finding, _opened_event(case, finding)):
                    summary["opened"] += 1
        summary["cases"] += len(batch)
        summary["still_open"] += len(seen & open_now.keys())
        store.still_open(seen & open_now.keys(), now)
        gone = open_now.keys() - seen
        store.resolve_findings(gone, now)
        summary["resolved"] += len(gone)
    return summary


def _opened_event(case, finding):
    return ("data_check.finding_opened", {
        "case_id": case["_id"], "case_no": case["case_no"], "title": case["title"], "department": case["department"],
        "finding_id": finding["_id"], "rule": finding["rule"], "subject": finding["subject"],
        "message": finding["message"], "owner_id": finding["owner_id"]})
