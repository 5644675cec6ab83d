"""Who receives a notification: recipient specs of a rule resolved against the service's own
projection of users (kept from accounts' ``user.created/updated/deactivated`` events). Pure: the
caller hands in a ``Directory`` over that projection.

A user named directly by the event (``user:<field>``) and unknown to the projection yet (its
``user.created`` may still be on its way) still receives: the event says they are the handler.
A user the projection knows as deactivated receives nothing. Role and department lookups only
ever find active users."""
from dataclasses import dataclass


@dataclass(frozen=True)
class Recipient:
    user_id: str
    active: bool = True     # False: deactivated, their deliveries are recorded as skipped


class Directory:
    """What the resolver may ask of the users' projection (``storage.UserDirectory`` implements it
    over the database; tests hand in a list)."""

    def __init__(self, users):
        self._users = {user["_id"]: user for user in users}

    def get(self, user_id):
        return self._users.get(user_id)

    def active_with(self, *, role=None, department=None):
        return [user for user in self._users.values() if user.get("active")
                and (role is None or role in user.get("roles", ()))
                and (department is None or user.get("department") == department)]


def resolve(specs, payload, directory):
    """The recipients of ``specs`` for ``payload``, each once, in the order the specs name them."""
    found = {}
    for spec in specs:
        for recipient in _resolve_one(spec, payload, directory):
            found.setdefault(recipient.user_id, recipient)
    return list(found.values())


def _resolve_one(spec, payload, directory):
    if "|" in spec:
        # Alternatives: the first that finds anyone (the owner, else the department's head).
        for alternative in spec.split("|"):
            found = _resolve_one(alternative, payload, directory)
            if found:
                return found
        return []
    kind, _, arg = spec.partition(":")
    if kind == "user":
        return _named(directory, [payload.get(arg)])
    if kind == "users":
        return _named(directory, payload.get(arg) or [])
    if kind == "department_head":
        return _active(directory.active_with(role="department_head", department=payload.get(arg)))
    if kind == "department_head_of_user":
        user = directory.get(payload.get(arg)) if payload.get(arg) else None
        if user is None:
            return []
        return _active(directory.active_with(role="department_head", department=user.get("department")))
    if kind == "role":
        return _active(directory.active_with(role=arg))
    if kind == "department":
        return _active(directory.active_with(department=arg))
    raise ValueError(f"unknown recipient spec {spec!r}")


def _named(directory, user_ids):
    """Users the event names by id: unknown ones still receive, deactivated ones are marked."""
    recipients = []
    for user_id in user_ids:
        if not user_id:
            continue
        user = directory.get(user_id)
        recipients.append(Recipient(user_id, active=user is None or bool(user.get("active"))))
    return recipients


def _active(users):
    return [Recipient(user["_id"]) for user in sorted(users, key=lambda u: u["_id"])]
