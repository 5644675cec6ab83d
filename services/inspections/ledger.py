"""The staff ledger (在案件中管人，在管人中管案): positive and negative entries about a person, each
linked to its source, from a rule table in config.yml (``INSPECTIONS_LEDGER_RULES``) — which fact
counts how much, in which category, is data, not code. Pure: no broker, no database.

A rule: ``{name, event, when: {payload field: value}, person: <payload field naming the user>,
source: [<source kind>, <payload field of its id>], category, points, label}``. ``event`` is an event
type the service consumes (``case.evaluated``, ``supervision_task.verified``, ...) or a fact it
derives (``data_check.finding_unresolved``: a data-check finding still recorded as open past its due
date; ``staff.discipline_recorded``: a discipline finding an inspector recorded with evidence).
An entry is written once per rule and source (its id says so), whatever the number of deliveries."""
import re
from dataclasses import dataclass
from datetime import date

from contracts.enums import LEDGER_CATEGORIES

PERIOD = re.compile(r"(\d{4})-Q([1-4])")


class BadRules(ValueError):
    """The configured rule table cannot be used (the service refuses to start with it)."""


@dataclass(frozen=True)
class Rule:
    name: str
    event: str
    when: tuple
    person: str
    source_kind: str
    source_id: str
    category: str
    points: int
    label: str

    def matches(self, event_type, payload):
        return event_type == self.event and all(payload.get(key) == value for key, value in self.when)


def rules_from_config(raw):
    """The rule table from config (a list of mappings); BadRules naming the rule otherwise."""
    rules = []
    for number, item in enumerate(raw or ()):
        try:
            source_kind, source_id = item["source"]
            rule = Rule(name=str(item["name"]), event=str(item["event"]), when=tuple(sorted((item.get("when") or {}).items())),
                        person=str(item["person"]), source_kind=str(source_kind), source_id=str(source_id),
                        category=str(item["category"]), points=int(item["points"]), label=str(item["label"]))
        except (KeyError, TypeError, ValueError) as exc:
            raise BadRules(f"INSPECTIONS_LEDGER_RULES[{number}]: {exc!r}") from None
        if rule.category not in LEDGER_CATEGORIES:
            raise BadRules(f"INSPECTIONS_LEDGER_RULES[{number}] ({rule.name}): unknown category {rule.category!r}")
        if rule.points == 0:
            raise BadRules(f"INSPECTIONS_LEDGER_RULES[{number}] ({rule.name}): points must not be 0")
        rules.append(rule)
    if len({rule.name for rule in rules}) != len(rules):
        raise BadRules("INSPECTIONS_LEDGER_RULES: rule names must be unique")
    return tuple(rules)


def period_of(day):
    return f"{day.year}-Q{(day.month - 1) // 3 + 1}"


def period_bounds(period):
    """(first day, last day) of ``2026-Q3``."""
    match = PERIOD.fullmatch(period)
    year, quarter = int(match.group(1)), int(match.group(2))
    first = date(year, 3 * quarter - 2, 1)
    last = date(year + 1, 1, 1) if quarter == 4 else date(year, 3 * quarter + 1, 1)
    return first, date.fromordinal(last.toordinal() - 1)


def entries_for(event_type, payload, occurred_on, rules, now, event_id=None):
    """The ledger entries a fact yields: one per matching rule naming a person."""
    entries = []
    for rule in rules:
        if not rule.matches(event_type, payload) or not payload.get(rule.person):
            continue
        source_id = str(payload.get(rule.source_id))
        entries.append({
            "_id": f"{rule.name}:{rule.source_kind}:{source_id}", "user_id": payload[rule.person],
            "rule": rule.name, "category": rule.category, "points": rule.points, "label": rule.label,
            "occurred_on": occurred_on.isoformat(), "period": period_of(occurred_on),
            "source": {"kind": rule.source_kind, "id": source_id, "event": event_type, "event_id": event_id},
            "created_at": now})
    return entries


def scorecard(user_id, period, entries):
    """Totals by category (positive, negative, net) of one person's entries in one period."""
    totals = {category: {"positive": 0, "negative": 0, "net": 0, "entries": 0} for category in LEDGER_CATEGORIES}
    for entry in entries:
        total = totals[entry["category"]]
        total["positive" if entry["points"] > 0 else "negative"] += entry["points"]
        total["net"] += entry["points"]
        total["entries"] += 1
    return {"user_id": user_id, "period": period, "totals": totals,
            "total": sum(total["net"] for total in totals.values()), "entries": list(entries)}
