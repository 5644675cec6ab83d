"""Account rules, free of any broker or database: usernames, the password policy, what a change
does to a token, the events each change produces, and login throttling windows."""
import math
import unicodedata
import uuid
from dataclasses import dataclass
from datetime import timedelta

from contracts.rpc.accounts_v1 import MIN_PASSWORD_LENGTH

# A change to any of these ends every token issued before it (the token vouches for them).
TOKEN_FIELDS = ("roles", "department", "active")
SNAPSHOT_FIELDS = ("username", "display_name", "department", "roles", "active")


def session_ended_events(user_id, body):
    return [("session.ended", {"session_id": body["session_id"], "user_id": user_id,
                               "expires_at": body["expires_at"]})]


def normalize_username(username):
    """(the username as stored, its key for uniqueness and login).

    NFKC folds full-width and other compatibility forms ("ａｄｍｉｎ" is "admin"); the key is also
    case-folded, so two accounts cannot differ only in letter case or width."""
    stored = unicodedata.normalize("NFKC", username)
    return stored, unicodedata.normalize("NFKC", stored.casefold())


def password_problems(password, username):
    """What is wrong with ``password`` for the account ``username`` (empty: acceptable)."""
    problems = []
    if len(password) < MIN_PASSWORD_LENGTH:
        problems.append(f"密码至少 {MIN_PASSWORD_LENGTH} 个字符")
    if username and normalize_username(username)[1] in normalize_username(password)[1]:
        problems.append("密码不能包含用户名")
    return problems


def snapshot(user):
    """What events say about an account: everything but secrets."""
    data = {"id": user["_id"], **{key: user[key] for key in SNAPSHOT_FIELDS}}
    if user.get("email"):
        data["email"] = user["email"]
    return data


def new_user(data, password_hash, created_by, now):
    username, username_key = normalize_username(data["username"])
    user = {
        "_id": uuid.uuid4().hex,
        "username": username,
        "username_key": username_key,
        "password_hash": password_hash,
        "display_name": data["display_name"],
        "department": data["department"],
        "roles": list(dict.fromkeys(data["roles"])),
        "active": True,
        "token_version": 0,
        "created_at": now,
        "created_by": created_by,
    }
    if data.get("email"):
        user["email"] = data["email"]
    return user


def creation_events(user):
    return [("user.created", snapshot(user))]


def update(user, changes, changed_by):
    """(changes to write, events) for an admin's ``changes`` to ``user``; nothing if nothing differs.
    A change to roles, department or active raises the token version: older tokens stop working."""
    if "roles" in changes:
        changes = {**changes, "roles": list(dict.fromkeys(changes["roles"]))}
    changed = {key: value for key, value in changes.items() if user.get(key) != value}
    if not changed:
        return {}, []
    write = {**changed, "updated_by": changed_by}
    if changed.keys() & set(TOKEN_FIELDS):
        write["token_version"] = int(user.get("token_version", 0)) + 1
    after = {**user, **changed}
    if changed.get("active") is False:
        return write, [("user.deactivated", snapshot(after))]
    return write, [("user.updated", {**snapshot(after), "changed": sorted(changed)})]


def password_change(user, new_hash, now):
    """A new password ends every older token; other services need not hear of it (no event)."""
    return {"password_hash": new_hash, "password_changed_at": now,
            "token_version": int(user.get("token_version", 0)) + 1}, []


@dataclass(frozen=True)
class Limit:
    """At most ``limit`` failed logins within ``window``: a key is locked while its last ``limit``
    failures all lie in the window, and unlocks when the oldest of them leaves it."""
    limit: int
    window: timedelta

    def retry_after(self, failures, now):
        """Seconds until another attempt is allowed (0 = allowed now), given the failure times."""
        recent = sorted(t for t in failures if t > now - self.window)
        if len(recent) < self.limit:
            return 0
        unlock_at = recent[-self.limit] + self.window
        return max(math.ceil((unlock_at - now).total_seconds()), 1)


@dataclass(frozen=True)
class LoginPolicy:
    per_account: Limit
    per_address: Limit

    @classmethod
    def from_config(cls, config):
        window = timedelta(seconds=float(config.get("LOGIN_WINDOW_SECONDS", 900)))
        return cls(Limit(int(config.get("LOGIN_MAX_FAILURES_PER_ACCOUNT", 5)), window),
                   Limit(int(config.get("LOGIN_MAX_FAILURES_PER_ADDRESS", 50)), window))


def account_key(username_key):
    return f"account:{username_key}"


def address_key(address):
    return f"address:{address or 'unknown'}"
