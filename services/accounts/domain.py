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
    """Growing delays, never a hard lock (OWASP authentication cheat sheet, NIST SP 800-63B 5.2.2):
    up to ``limit`` failed logins within ``window`` cost nothing; from then on each failure must be
    followed by a pause before the next attempt — ``base_seconds``, then twice as long after each
    further failure, at most ``window`` — counted from the last failure. An attempt during the pause
    is refused (429) without checking the password and is not counted, so waiting always works."""
    limit: int
    window: timedelta
    base_seconds: float = 30.0

    KEEP = 16  # failures beyond ``limit`` still lengthening the pause (2**16 × base is past any window)

    @property
    def keep(self):
        """How many of the newest failures a key needs to remember."""
        return self.limit + self.KEEP

    def recent(self, failures, now):
        return sorted(t for t in failures if t > now - self.window)

    def pause_after(self, count):
        """Seconds of pause after ``count`` failures in the window (0: none)."""
        if count < self.limit:
            return 0.0
        return min(self.base_seconds * 2 ** min(count - self.limit, self.KEEP), self.window.total_seconds())

    def retry_after(self, failures, now):
        """Seconds until another attempt is allowed (0 = allowed now), given the failure times."""
        recent = self.recent(failures, now)
        pause = self.pause_after(len(recent))
        if not pause:
            return 0
        wait = (recent[-1] + timedelta(seconds=pause) - now).total_seconds()
        return max(math.ceil(wait), 1) if wait > 0 else 0


@dataclass(frozen=True)
class LoginPolicy:
    """Per account (username) and per client address, separately. The account's pause does not apply
    to a client address that has not been failing: anyone who knows a username (``admin`` is in the
    README) could otherwise keep its owner out; the owner logs in from their own machine while the
    attacker's addresses wait. (An attacker with many fresh addresses gets one guess from each while
    the account is paused; every throttle tells the owner and the admins.)"""
    per_account: Limit
    per_address: Limit

    @classmethod
    def from_config(cls, config):
        window = timedelta(seconds=float(config.get("LOGIN_WINDOW_SECONDS", 900)))
        base = float(config.get("LOGIN_THROTTLE_BASE_SECONDS", 30))
        return cls(Limit(int(config.get("LOGIN_MAX_FAILURES_PER_ACCOUNT", 5)), window, base),
                   Limit(int(config.get("LOGIN_MAX_FAILURES_PER_ADDRESS", 50)), window, base))

    def before_attempt(self, account_failures, address_failures, now):
        """(seconds to wait, or 0 to check the password; whether the address has been failing)."""
        address_wait = self.per_address.retry_after(address_failures, now)
        failing_address = bool(self.per_address.recent(address_failures, now))
        if address_wait:
            return address_wait, failing_address
        account_wait = self.per_account.retry_after(account_failures, now)
        if account_wait and failing_address:
            return account_wait, failing_address
        return 0, failing_address

    def throttles_after_failure(self, account_failures, address_failures, now):
        """The pauses a failure at ``now`` starts: [(kind, seconds)], kind ``account`` or ``address``."""
        started = []
        for kind, limit, failures in (("account", self.per_account, account_failures),
                                      ("address", self.per_address, address_failures)):
            wait = limit.retry_after([*failures, now], now)
            if wait:
                started.append((kind, wait))
        return started


def throttle_events(throttles, user, username, address, now):
    """``account.login_throttled`` for each pause a failure started: the account's owner (when the
    account exists) and the admins hear of it. An unknown username's account pause tells nobody
    (there is no owner, and a spray of made-up names must not flood the admins)."""
    events = []
    for kind, wait in throttles:
        if kind == "account" and user is None:
            continue
        events.append(("account.login_throttled", {
            "user_id": user["_id"] if user else None, "username": username, "kind": kind, "address": address,
            "retry_after": int(wait), "until": (now + timedelta(seconds=wait)).isoformat()}))
    return events


def account_key(username_key):
    return f"account:{username_key}"


def address_key(address):
    return f"address:{address or 'unknown'}"
