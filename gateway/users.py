"""Staff accounts, kept in the gateway's own database (``<prefix>_gateway``).

The only module that touches that database. On start it creates the first
admin from PINGJIAN_ADMIN_USER / PINGJIAN_ADMIN_PASSWORD if that account does
not exist yet (never overwriting an existing one).
"""
import logging
import time
import uuid

import pymongo
from pymongo import ASCENDING, IndexModel, ReturnDocument
from pymongo.errors import DuplicateKeyError

from gateway.auth import hash_password, verify_password
from kit.context import Actor
from kit.errors import Conflict, NotFound, Unauthorized, ValidationFailed
from kit.mongo import MongoDatabase, utcnow
from kit.pagination import paginate

log = logging.getLogger("pingjian.gateway.users")

USERS = "users"
INDEXES = {USERS: [IndexModel([("username", ASCENDING)], unique=True, name="username_unique"),
                   IndexModel([("department", ASCENDING), ("created_at", ASCENDING)])]}


class UserStore:
    def __init__(self, db):
        self._users = db[USERS]

    def create(self, data, created_by):
        user = {
            "_id": uuid.uuid4().hex,
            "username": data["username"],
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
            raise Conflict(f"用户名已存在：{data['username']}", fields={"username": ["用户名已存在"]}) from None
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
        return self._users.find_one_and_update({"_id": user_id}, update, return_document=ReturnDocument.AFTER)

    def change_password(self, user, current_password, new_password):
        if not verify_password(user["password_hash"], current_password):
            raise ValidationFailed("当前密码不正确", fields={"current_password": ["当前密码不正确"]})
        return self._users.find_one_and_update(
            {"_id": user["_id"]},
            {"$set": {"password_hash": hash_password(new_password), "password_changed_at": utcnow()},
             "$inc": {"token_version": 1}},
            return_document=ReturnDocument.AFTER)

    def find(self, user_id):
        return self._users.find_one({"_id": user_id})

    def ping(self, seconds=2):
        # Bounded, so /health answers quickly (503) while the database is away.
        with pymongo.timeout(seconds):
            self._users.database.command("ping")

    def exists(self, user_id):
        return self._users.count_documents({"_id": user_id, "active": True}, limit=1) == 1

    def authenticate(self, username, password):
        """The active user with these credentials, or None."""
        user = self._users.find_one({"username": username, "active": True})
        ok = verify_password(user["password_hash"] if user else None, password)
        return user if ok else None

    def search(self, *, department, limit, cursor):
        query = {"department": department} if department else {}
        return paginate(self._users, query, limit, cursor)


class Users(MongoDatabase):
    """Injects a UserStore; ensures indexes and the bootstrap admin at start."""

    def __init__(self):
        super().__init__(indexes=INDEXES)

    def start(self):
        super().start()
        config = self.container.config
        username, password = config.get("PINGJIAN_ADMIN_USER"), config.get("PINGJIAN_ADMIN_PASSWORD")
        if not username or not password:
            log.warning("PINGJIAN_ADMIN_USER / PINGJIAN_ADMIN_PASSWORD not set: no bootstrap admin")
            return
        if self.db[USERS].count_documents({"username": username}, limit=1):
            return
        try:
            UserStore(self.db).create({"username": username, "password": password, "display_name": "系统管理员",
                                       "department": "general", "roles": ["admin"]}, created_by="bootstrap")
            log.info("bootstrap admin %s created", username)
        except Conflict:  # another gateway replica created it first
            pass

    def get_dependency(self, worker_ctx):
        return UserStore(self.db)


class Accounts:
    """Checks a verified token against the account as it is now, so a deactivated user, a changed
    role or a new password takes effect before the token expires. Each gateway process remembers
    an account for ``ttl_seconds`` (ACCOUNT_CACHE_SECONDS): a deactivation reaches every replica
    within that time, at the cost of one read per user per interval instead of one per request."""

    def __init__(self, store, ttl_seconds):
        self._store = store
        self._ttl = float(ttl_seconds)
        self._cache = {}  # user_id -> (account or None, read at)

    def actor(self, claimed, token_version):
        """The actor with the account's current roles and department; Unauthorized if the token
        was issued before a change that revoked it, or the account is gone or deactivated."""
        account = self._account(claimed.user_id)
        if account is not None and int(account.get("token_version", 0)) < token_version:
            account = self._account(claimed.user_id, fresh=True)  # a newer token than we remember
        if account is None or not account.get("active") or int(account.get("token_version", 0)) != token_version:
            raise Unauthorized("访问令牌已失效（账户已停用或权限、密码已变更），请重新登录")
        return Actor(user_id=account["_id"], roles=tuple(account["roles"]), department=account["department"])

    def _account(self, user_id, fresh=False):
        cached = self._cache.get(user_id)
        if not fresh and cached is not None and time.monotonic() - cached[1] < self._ttl:
            return cached[0]
        account = self._store.find(user_id)
        if len(self._cache) >= 4096:
            self._cache.clear()
        self._cache[user_id] = (account, time.monotonic())
        return account
