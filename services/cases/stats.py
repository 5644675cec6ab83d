"""Statistics counters, free of any broker or database: what each change adds to or takes from the
counters of the case's registration day and department (kept in the same transaction as the change,
so the statistics are exact and read from a few small documents at any scale)."""
from datetime import date, timedelta

from contracts import enums

MONEY = ("amount_involved_fen", "recovered_fen", "wage_owed_fen", "wage_recovered_fen")


def registered(case):
    return {"cases": 1, f"category.{case['category']}": 1, f"status.{case['status']}": 1}


def transitioned(before, after):
    return {f"status.{before}": -1, f"status.{after}": 1}


def suspect_changed(before, after):
    """The counter deltas of a suspect added (``before`` None) or changed."""
    delta = {}

    def add(key, amount):
        delta[key] = delta.get(key, 0) + amount
    for suspect, sign in ((before, -1), (after, 1)):
        if suspect:
            add(f"layer.{suspect['layer']}", sign)
            for charge in suspect.get("charges", []):
                add(f"charge.{charge}", sign)
    return {key: value for key, value in delta.items() if value}


def recovery_changed(before, after):
    before, after = before or {}, after or {}
    return {key: after.get(source, 0) - before.get(source, 0)
            for key, source in (("amount_involved_fen", "amount_involved_fen"), ("recovered_fen", "recovered_fen"))
            if after.get(source, 0) != before.get(source, 0)}


def wage_changed(before, after):
    before, after = before or {}, after or {}
    return {key: after.get(source, 0) - before.get(source, 0)
            for key, source in (("wage_owed_fen", "wages_owed_fen"), ("wage_recovered_fen", "recovered_fen"))
            if after.get(source, 0) != before.get(source, 0)}


def evaluated(grade):
    return {f"grade.{grade}": 1}


def counter_keys():
    """Every counter a statistics query sums."""
    keys = ["cases", *MONEY]
    keys += [f"category.{c}" for c in enums.CASE_CATEGORIES] + [f"status.{s}" for s in enums.CASE_STATUSES]
    keys += [f"charge.{c}" for c in enums.CHARGES] + [f"layer.{l}" for l in enums.SUSPECT_LAYERS]
    keys += [f"grade.{g}" for g in enums.EVALUATION_GRADES]
    return keys


def report(totals):
    """The statistics a reader gets from the summed counters."""
    def group(prefix, codes):
        return {code: totals.get(f"{prefix}.{code}", 0) for code in codes}
    involved, recovered = totals.get("amount_involved_fen", 0), totals.get("recovered_fen", 0)
    return {
        "cases": totals.get("cases", 0),
        "by_category": group("category", enums.CASE_CATEGORIES),
        "by_status": group("status", enums.CASE_STATUSES),
        "by_charge": group("charge", enums.CHARGES),
        "suspects_by_layer": group("layer", enums.SUSPECT_LAYERS),
        "amount_involved_fen": involved,
        "recovered_fen": recovered,
        "recovery_rate": round(recovered / involved, 4) if involved else None,
        "wage_owed_fen": totals.get("wage_owed_fen", 0),
        "wage_recovered_fen": totals.get("wage_recovered_fen", 0),
        "evaluations_by_grade": group("grade", enums.EVALUATION_GRADES),
    }


def _month_after(month):
    year, number = int(month[:4]), int(month[5:7])
    return f"{year + number // 12:04d}-{number % 12 + 1:02d}"


def _month_before(month):
    year, number = int(month[:4]), int(month[5:7])
    return f"{year - (number == 1):04d}-{(number - 2) % 12 + 1:02d}"


def _last_day(month):
    if month == "9999-12":
        return "9999-12-31"
    return (date.fromisoformat(_month_after(month) + "-01") - timedelta(days=1)).isoformat()


def whole_months(first_day, last_day):
    """(first, last) months ("YYYY-MM") wholly inside ``first_day``..``last_day`` (ISO dates), or
    (None, None) if there is none."""
    first = first_day[:7] if first_day.endswith("-01") else (_month_after(first_day[:7]) if first_day[:7] < "9999-12" else None)
    last = last_day[:7] if last_day == _last_day(last_day[:7]) else (_month_before(last_day[:7]) if last_day[:7] > "0001-01" else None)
    if first is None or last is None or first > last:
        return None, None
    return first, last


def edge_days(first_day, last_day, first_month, last_month):
    """The day ranges of ``first_day``..``last_day`` outside the whole months (0, 1 or 2 of them)."""
    edges = []
    if first_day < first_month + "-01":
        edges.append((first_day, (date.fromisoformat(first_month + "-01") - timedelta(days=1)).isoformat()))
    if last_day > _last_day(last_month):
        edges.append(((date.fromisoformat(_last_day(last_month)) + timedelta(days=1)).isoformat(), last_day))
    return edges
