"""Which notifications and deliveries an event produces, and their zh-CN wording. No I/O here.

``plan`` turns one event into
- in-app notifications (the inbox: written in the inbox transaction, readable at once), and
- delivery records for the outbound channels (e-mail, webhooks), written in the same transaction as
  ``queued`` and sent after commit by the claiming sender (``dispatch.py``); or ``skipped`` with a
  reason (the user switched the type off, has no address, was deactivated, no SMTP configured).
Both are unique per (event_id, recipient, channel), so a redelivered event adds nothing."""
import uuid
from datetime import datetime, timedelta, timezone

from kit.clock import SHANGHAI

from services.notifications import recipients as recipients_
from services.notifications import rules, templates
from services.notifications.rules import EMAIL, IN_APP, WEBHOOK

QUEUED, SENT, DELIVERED, FAILED, SKIPPED = "queued", "sent", "delivered", "failed", "skipped"
DELIVERY_STATUSES = (QUEUED, SENT, DELIVERED, FAILED, SKIPPED)
NEVER = datetime(1970, 1, 1, tzinfo=timezone.utc)

# Why a delivery was skipped or failed: codes (zh-CN labels in contracts/enums/notifications.py).
PREFERENCE_OFF, NO_EMAIL, DEACTIVATED, NO_SMTP = "preference_off", "no_email", "recipient_deactivated", "smtp_not_configured"


def _notification(event, recipient_id, title, body, ref, now, template):
    return {
        "_id": uuid.uuid4().hex,
        "recipient_id": recipient_id,
        "channel": IN_APP,
        "type": event["type"],
        "event_id": event["event_id"],
        "title": title,
        "body": body,
        "ref": ref,
        "template": template,
        "created_at": now,
        "read_at": None,
    }


def _delivery(event, channel, recipient_id, title, body, ref, now, template, *, status=QUEUED, reason=None,
              critical=False, **extra):
    return {
        "_id": uuid.uuid4().hex,
        "event_id": event["event_id"],
        "type": event["type"],
        "channel": channel,
        "recipient_id": recipient_id,
        "title": title,
        "body": body,
        "ref": ref,
        "template": template,
        "critical": critical,
        "status": status,
        "reason": reason,
        "error": None,
        "attempts": 0,
        "attempt_log": [],
        "next_attempt_at": now if status == QUEUED else None,
        "lease_until": NEVER,
        "owner": None,
        "created_at": now,
        "updated_at": now,
        "digest": False,
        **extra,
    }


def render(event, rule):
    title, body = templates.render(rule.template_file, event["payload"])
    kind, field = rule.ref
    return title, body, {"kind": kind, "id": event["payload"].get(field)}


def channel_enabled(preferences, rule, channel):
    """A user's switch for (type, channel); on unless switched off; critical types always on."""
    if rule.critical:
        return True
    return bool(((preferences or {}).get("types") or {}).get(rule.type, {}).get(channel, True))


def fields_not_in(rule, payload):
    """The payload fields a rule's ``user:``/``users:`` specs (or alternatives) name that the payload
    does not carry (to be found in what was remembered of the subject, rules.Memory)."""
    return [field for spec in rule.recipients for alternative in spec.split("|")
            for kind, _, field in [alternative.partition(":")]
            if kind in ("user", "users") and field not in payload]


def plan(event, rule, directory, preferences_of, webhooks, now, *, email_enabled, remembered=None):
    """(notifications, deliveries) for ``event`` under ``rule``.

    ``directory``: a recipients.Directory over the users' projection; ``preferences_of(user_id)``:
    that user's preferences document (or None); ``webhooks``: the active subscriptions to this type;
    ``remembered``: fields kept of the event's subject by an earlier event (rules.Memory)."""
    title, body, ref = render(event, rule)
    template = rule.template_file
    notifications, deliveries = [], []
    known = {**(remembered or {}), **event["payload"]}
    for recipient in recipients_.resolve(rule.recipients, known, directory):
        user = directory.get(recipient.user_id)
        preferences = preferences_of(recipient.user_id)
        for channel in rule.channels:
            common = (event, channel, recipient.user_id, title, body, ref, now, template)
            if not recipient.active:
                deliveries.append(_delivery(*common, status=SKIPPED, reason=DEACTIVATED, critical=rule.critical))
            elif not channel_enabled(preferences, rule, channel):
                deliveries.append(_delivery(*common, status=SKIPPED, reason=PREFERENCE_OFF))
            elif channel == IN_APP:
                notifications.append(_notification(event, recipient.user_id, title, body, ref, now, template))
            elif channel == EMAIL:
                if not email_enabled:
                    deliveries.append(_delivery(*common, status=SKIPPED, reason=NO_SMTP, critical=rule.critical))
                elif user is not None and not user.get("email"):
                    deliveries.append(_delivery(*common, status=SKIPPED, reason=NO_EMAIL, critical=rule.critical))
                elif not rule.critical and (preferences or {}).get("digest_hour") is not None:
                    # Held for the user's daily digest: one mail at that hour for everything queued.
                    digest_at = next_digest_at(now, preferences["digest_hour"])
                    deliveries.append(_delivery(*common, digest=True, next_attempt_at=digest_at))
                else:
                    # The address is read when sending: a user not yet projected may be by then.
                    deliveries.append(_delivery(*common, critical=rule.critical))
    for webhook in webhooks:
        deliveries.append(_delivery(event, WEBHOOK, f"webhook:{webhook['_id']}", title, body, ref, now, template,
                                    critical=rule.critical, webhook_id=webhook["_id"],
                                    payload=_jsonable(event["payload"])))
    return notifications, deliveries


def _jsonable(value):
    """The payload as the producer sent it (dates back to ISO text), for a webhook body."""
    if isinstance(value, dict):
        return {key: _jsonable(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [_jsonable(item) for item in value]
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return value


def for_case_assigned(event, now):
    """The in-app notification of a case assignment (the walking skeleton's function, kept)."""
    title, body, ref = render(event, rules.rule_for("case.assigned"))
    return [_notification(event, event["payload"]["handler_id"], title, body, ref, now,
                          rules.rule_for("case.assigned").template_file)]


def remembered_fields(memory, payload):
    """What a rules.Memory keeps of an event: (subject key, {field: value})."""
    kind, field = memory.ref
    return f"{kind}:{payload[field]}", {name: payload.get(name) for name in memory.fields}


def subject_key(rule, payload):
    kind, field = rule.subject_ref
    return f"{kind}:{payload.get(field)}"


# -- the daily digest ----------------------------------------------------------------------------------
def next_digest_at(now, hour):
    """The next ``hour``:00 Asia/Shanghai strictly after ``now``, in UTC."""
    local = now.astimezone(SHANGHAI)
    at = local.replace(hour=hour, minute=0, second=0, microsecond=0)
    if at <= local:
        at = (local + timedelta(days=1)).replace(hour=hour, minute=0, second=0, microsecond=0)
    return at.astimezone(timezone.utc)


def digest_message(records):
    """(title, body) of one digest mail for ``records`` (oldest first)."""
    return templates.render_digest([{"title": r["title"], "body": r["body"], "type": r["type"]}
                                    for r in sorted(records, key=lambda r: (r["created_at"], r["_id"]))])


# -- retries ----------------------------------------------------------------------------------------
def backoff_seconds(attempts, base, ceiling):
    """Exponential: base, 2·base, 4·base … after the 1st, 2nd, 3rd failed attempt, at most ceiling."""
    return min(base * (2 ** max(attempts - 1, 0)), ceiling)


# -- preferences -------------------------------------------------------------------------------------
def check_preferences(body):
    """Refuse switching off a critical type; returns the list of offending types (empty if fine)."""
    return sorted(t for t, channels in (body.get("types") or {}).items()
                  if t in rules.CRITICAL and not all(channels.values()))


def preferences_view(user_id, stored):
    """Every type with its channels' switches (defaults on), the critical flag, and the digest hour."""
    types = {}
    for rule in rules.RULES:
        types[rule.type] = {channel: channel_enabled(stored, rule, channel) for channel in rule.channels}
    return {"types": types,
            "critical_types": sorted(rules.CRITICAL),
            "labels": {rule.type: rule.label for rule in rules.RULES},
            "digest_hour": (stored or {}).get("digest_hour")}
