"""Staff accounts, kept in the gateway's own database (``<prefix>_gateway``).

The only module that touches that database. On start it creates the first
admin from PINGJIAN_ADMIN_USER / PINGJIAN_ADMIN_PASSWORD if that account does
not exist yet (never overwriting an existing one).
"""
import logging
import uuid

import pymongo

from pymongo import ASCENDING, IndexModel
from pymongo.errors import DuplicateKeyError

from gateway.auth import hash_password, verify_password
from kit.errors import Conflict, NotFound
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
