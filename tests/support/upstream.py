"""Envelopes of the events the inspections service consumes from other services, built from the
producer's own contract example (whatever the registered schema of that type is), with the fields a
test cares about set: a producer adding a field to its contract does not break these tests."""
import uuid

import contracts.events  # noqa: F401  (registers every payload schema)
from contracts.envelope import build_event, payload_schema


def _example(event_type):
    return dict(type(payload_schema(event_type, 1)).example)


def recommendation_replied(recommendation_id, *, received_on, adoption="adopted", department="public_interest",
                           title="关于加强养老机构消防安全监管的检察建议", occurred_at=None):
    payload = {**_example("recommendation.replied"), "recommendation_id": recommendation_id, "adoption": adoption,
               "department": department, "title": title, "received_on": received_on.isoformat(),
               "reply_due_on": received_on.isoformat()}
    return _envelope("recommendation.replied", payload, "recommendations", recommendation_id, occurred_at)


def procurement_started(request_id, *, started_on, title="办案区同步录音录像设备更新", amount_fen=38000000,
                        occurred_at=None):
    payload = {**_example("budget.procurement_started"), "request_id": request_id, "title": title,
               "amount_fen": amount_fen, "year": started_on.year, "started_on": started_on.isoformat()}
    return _envelope("budget.procurement_started", payload, "budgeting", request_id, occurred_at)


def _envelope(event_type, payload, source, aggregate_id, occurred_at):
    envelope = build_event(event_type, payload, source=source, aggregate_id=aggregate_id,
                           correlation_id=uuid.uuid4().hex, actor=None)
    if occurred_at is not None:
        envelope["occurred_at"] = occurred_at.isoformat(timespec="milliseconds").replace("+00:00", "Z")
    return envelope
