"""Staff accounts, kept in the gateway's own database (``<prefix>_gateway``).

The only module that touches that database: users, and the login throttling
state (failed attempts per account and per client address). On start it
creates the first admin from PINGJIAN_ADMIN_USER / PINGJIAN_ADMIN_PASSWORD if
that account does not exist yet (never overwriting an existing one).
"""
import logging
import time
import uuid
import weakref
from dataclasses import dataclass
from datetime import timedelta
from typing import Optional

import pymongo
from pymongo import ASCENDING, IndexModel, ReturnDocument
from pymongo.errors import DuplicateKeyError

from gateway.auth import hash_password, normalize_username, password_problems, verify_password
from gateway.throttle import Limit, account_key, address_key
from kit.context import Actor
from kit.errors import Conflict, NotFound, TooManyRequests, Unauthorized, ValidationFailed
from kit.mongo import MongoDatabase, utcnow
from kit.pagination import paginate
from kit.retention import Purge

log = logging.getLogger("pingjian.gateway.users")

USERS = "users"
LOGIN_FAILURES = "login_failures"
INDEXES = {USERS: [IndexModel([("username_key", ASCENDING)], unique=True, name="username_key_unique"),
                   IndexModel([("department", ASCENDING), ("created_at", ASCENDING)])],
           LOGIN_FAILURES: [IndexModel([("updated_at", ASCENDING)])]}


@dataclass(frozen=True)
class LoginPolicy:
    per_account: Limit
    per_address: Limit

    @classmethod
    def from_config(cls, config):
        window = timedelta(seconds=float(config.get("LOGIN_WINDOW_SECONDS", 900)))
        return cls(Limit(int(config.get("LOGIN_MAX_FAILURES_PER_ACCOUNT", 5)), window),
                   Limit(int(config.get("LOGIN_MAX_FAILURES_PER_ADDRESS", 50)), window))


@dataclass(frozen=True)
class LoginAttempt:
    user: Optional[dict]     # the account, when the credentials were right
    account_id: Optional[str]  # the account the attempt was for, when it exists (for the access log)


class UserStore:
    def __init__(self, db, login_policy=None):
        self._users = db[USERS]
        self._failures = db[LOGIN_FAILURES]
        self._policy = login_policy or LoginPolicy.from_config({})

    def create(self, data, created_by):
        username, username_key = normalize_username(data["username"])
        user = {
            "_id": uuid.uuid4().hex,
            "username": username,
            "username_key": username_key,
            "password_hash": hash_password(data["password"]),
            "display_name": data["display_name"],
            "department": data["department"],
            "roles": list(dict.fromkeys(data["roles"])),
            "active": True,
            "created_at": utcnow(),
            "created_by": created_by,
        }
        try:
            self._users.insert_one(user)
        except DuplicateKeyError:
            raise Conflict(f"用户名已存在：{username}", fields={"username": ["用户名已存在（不区分大小写与全角半角）"]}) from None
        return user

    def get(self, user_id):
        user = self._users.find_one({"_id": user_id})
        if user is None:
            raise NotFound("用户不存在")
        return user

    def update(self, user_id, changes, changed_by):
        """Apply an admin's ``changes`` (display_name, department, roles, active). Any change to
        what a token vouches for (roles, department, active) raises the account's token version,
        so tokens issued before it stop working."""
        user = self.get(user_id)
        changes = {key: value for key, value in changes.items() if user.get(key) != value}
        if "roles" in changes:
            changes["roles"] = list(dict.fromkeys(changes["roles"]))
        if not changes:
            return user
        update = {"$set": {**changes, "updated_at": utcnow(), "updated_by": changed_by}}
        if changes.keys() & {"roles", "department", "active"}:
            update["$inc"] = {"token_version": 1}
        updated = self._users.find_one_and_update({"_id": user_id}, update, return_document=ReturnDocument.AFTER)
        forget_account(user_id)
        return updated

    def change_password(self, user, current_password, new_password):
        problems = password_problems(new_password, user["username"])
        if problems:
            raise ValidationFailed("新密码不符合要求", fields={"new_password": problems})
        if not verify_password(user["password_hash"], current_password):
            raise ValidationFailed("当前密码不正确", fields={"current_password": ["当前密码不正确"]})
        updated = self._users.find_one_and_update(
            {"_id": user["_id"]},
            {"$set": {"password_hash": hash_password(new_password), "password_changed_at": utcnow()},
             "$inc": {"token_version": 1}},
            return_document=ReturnDocument.AFTER)
        forget_account(user["_id"])
        return updated

    def find(self, user_id):
        return self._users.find_one({"_id": user_id})

    def ping(self, seconds=2):
        # Bounded, so /health answers quickly (503) while the database is away.
        with pymongo.timeout(seconds):
            self._users.database.command("ping")

    def find_active(self, user_id):
        return self._users.find_one({"_id": user_id, "active": True})

    def authenticate(self, username, password, address):
        """A LoginAttempt; TooManyRequests (429) while the account or the address is throttled.

        A throttled attempt is refused before the password is checked (even a right one), and is
        not counted itself, so waiting out ``Retry-After`` always works."""
        username_key = normalize_username(username)[1]
        keys = (account_key(username_key), address_key(address))
        self._refuse_if_throttled(keys)
        user = self._users.find_one({"username_key": username_key})
        ok = verify_password(user["password_hash"] if user else None, password) and user["active"]
        if ok:
            self._failures.delete_one({"_id": keys[0]})  # a successful login clears the account's count
            return LoginAttempt(user, user["_id"])
        now = utcnow()
        for key, limit in zip(keys, (self._policy.per_account, self._policy.per_address), strict=True):
            self._failures.update_one({"_id": key}, {"$push": {"failures": {"$each": [now], "$slice": -limit.limit}},
                                                     "$set": {"updated_at": now}}, upsert=True)
        return LoginAttempt(None, user["_id"] if user else None)

    def _refuse_if_throttled(self, keys):
        now = utcnow()
        records = {doc["_id"]: doc.get("failures", []) for doc in self._failures.find({"_id": {"$in": list(keys)}})}
        waits = [limit.retry_after(records.get(key, []), now)
                 for key, limit in zip(keys, (self._policy.per_account, self._policy.per_address), strict=True)]
        if max(waits) > 0:
            raise TooManyRequests("登录失败次数过多，请稍后再试", retry_after=max(waits))

    def unlock(self, user_id):
        """Forget the account's failed logins (an admin's unlock); its address counts stay."""
        user = self.get(user_id)
        self._failures.delete_one({"_id": account_key(user["username_key"])})
        return user

    def login_retention(self, config):
        """Failure records older than the window are useless; keep the collection small."""
        return Purge(self._failures, "updated_at", keep_days=float(config.get("LOGIN_WINDOW_SECONDS", 900)) / 86400,
                     every_seconds=float(config.get("RETENTION_CHECK_SECONDS", 3600)))

    def search(self, *, department, limit, cursor):
        query = {"department": department} if department else {}
        return paginate(self._users, query, limit, cursor)


class Users(MongoDatabase):
    """Injects a UserStore; ensures indexes and the bootstrap admin at start."""

    def __init__(self):
        super().__init__(indexes=INDEXES)

    def setup(self):
        super().setup()
        self.login_policy = LoginPolicy.from_config(self.container.config)
        self.retention = UserStore(self.db).login_retention(self.container.config)

    def start(self):
        _add_username_keys(self.db)  # before the unique index on them is built
        super().start()
        config = self.container.config
        username, password = config.get("PINGJIAN_ADMIN_USER"), config.get("PINGJIAN_ADMIN_PASSWORD")
        if not username or not password:
            log.warning("PINGJIAN_ADMIN_USER / PINGJIAN_ADMIN_PASSWORD not set: no bootstrap admin")
            return
        if self.db[USERS].count_documents({"username_key": normalize_username(username)[1]}, limit=1):
            return
        if password_problems(password, username):
            log.warning("the bootstrap admin's password does not meet the password policy "
                        "(%s); change it after the first login", "; ".join(password_problems(password, username)))
        try:
            UserStore(self.db).create({"username": username, "password": password, "display_name": "系统管理员",
                                       "department": "general", "roles": ["admin"]}, created_by="bootstrap")
            log.info("bootstrap admin %s created", username)
        except Conflict:  # another gateway replica created it first
            pass

    def get_dependency(self, worker_ctx):
        return UserStore(self.db, self.login_policy)

    def worker_teardown(self, worker_ctx):
        try:
            self.retention.maybe_run()
        except pymongo.errors.PyMongoError as exc:  # it can wait for the next interval
            log.warning("login failure retention skipped: %s", exc)


def _add_username_keys(db):
    """Accounts created before usernames were normalised get their key (idempotent). Two old
    accounts that differ only in case or width cannot both keep it: the later one is reported
    and given a placeholder key no login can produce (it cannot log in until renamed)."""
    seen, added = set(), 0
    for user in db[USERS].find({}, {"username": 1, "username_key": 1}).sort([("created_at", ASCENDING)]):
        key = user.get("username_key") or normalize_username(user["username"])[1]
        if key in seen:
            log.error("account %s (%s) clashes with an earlier account after normalisation; it cannot log in "
                      "until renamed", user["_id"], user["username"])
            db[USERS].update_one({"_id": user["_id"]}, {"$set": {"username_key": f"!clash:{user['_id']}"}})
            continue
        seen.add(key)
        if not user.get("username_key"):
            db[USERS].update_one({"_id": user["_id"]}, {"$set": {"username_key": key}})
            added += 1
    if added:
        log.info("normalised usernames of %d existing account(s)", added)


# Every account cache of this process: the process that changes an account forgets it at once
# (other replicas within ACCOUNT_CACHE_SECONDS; admin-only routes never trust the cache).
_account_caches = weakref.WeakSet()


def forget_account(user_id):
    for cache in list(_account_caches):
        cache.evict(user_id)


class Accounts:
    """Checks a verified token against the account as it is now, so a deactivated user, a changed
    role or a new password takes effect before the token expires. Each gateway process remembers
    an account for ``ttl_seconds`` (ACCOUNT_CACHE_SECONDS): a deactivation reaches every replica
    within that time, at the cost of one read per user per interval instead of one per request."""

    def __init__(self, store, ttl_seconds):
        self._store = store
        self._ttl = float(ttl_seconds)
        self._cache = {}  # user_id -> (account or None, read at)
        _account_caches.add(self)

    def actor(self, claimed, token_version, fresh=False):
        """The actor with the account's current roles and department; Unauthorized if the token
        was issued before a change that revoked it, or the account is gone or deactivated.
        ``fresh`` reads the account whatever the cache says (admin-only routes)."""
        account = self._account(claimed.user_id, fresh=fresh)
        if account is not None and int(account.get("token_version", 0)) < token_version:
            account = self._account(claimed.user_id, fresh=True)  # a newer token than we remember
        if account is None or not account.get("active") or int(account.get("token_version", 0)) != token_version:
            raise Unauthorized("访问令牌已失效（账户已停用或权限、密码已变更），请重新登录")
        return Actor(user_id=account["_id"], roles=tuple(account["roles"]), department=account["department"])

    def evict(self, user_id):
        """Forget what this process remembers of an account (it has just changed it)."""
        self._cache.pop(user_id, None)

    def _account(self, user_id, fresh=False):
        cached = self._cache.get(user_id)
        if not fresh and cached is not None and time.monotonic() - cached[1] < self._ttl:
            return cached[0]
        account = self._store.find(user_id)
        if len(self._cache) >= 4096:
            self._cache.clear()
        self._cache[user_id] = (account, time.monotonic())
        return account
