"""The accounts service's own database: the only module that touches it.

Collections: ``users`` (versioned aggregates), ``login_failures`` (recent failed logins per
account and per client address), ``migrations`` (one record per one-off data move, with its lock).
"""
import logging
import os
import socket
import uuid
from datetime import date, timedelta, timezone

from pymongo import ASCENDING, DESCENDING, IndexModel, ReturnDocument
from pymongo.errors import DuplicateKeyError, PyMongoError

from kit import calendar_store
from kit.aggregate import Aggregates
from kit.context import Context
from kit.errors import Conflict
from kit import clock
from kit.pagination import paginate
from kit.preflight import ensure_not_published
from kit.retention import Purge
from kit.storage import Storage, Store
from services.accounts import domain, legacy, passwords

log = logging.getLogger("pingjian.accounts")

USERS, LOGIN_FAILURES, MIGRATIONS, ENDED_SESSIONS = "users", "login_failures", "migrations", "ended_sessions"
# The calendar's loads (one line per version) and its reminders (the last per set of missing years).
CALENDAR_LOADS, CALENDAR_WARNINGS = "calendar_loads", "calendar_warnings"

INDEXES = {
    USERS: [IndexModel([("username_key", ASCENDING)], unique=True, name="username_key_unique"),
            IndexModel([("department", ASCENDING), ("created_at", DESCENDING), ("_id", DESCENDING)]),
            IndexModel([("created_at", DESCENDING), ("_id", DESCENDING)])],
    LOGIN_FAILURES: [IndexModel([("updated_at", ASCENDING)])],
    ENDED_SESSIONS: [IndexModel([("expires_at", ASCENDING)])],
}


def _username_taken(user):
    return Conflict(f"用户名已存在：{user['username']}", fields={"username": ["用户名已存在（不区分大小写与全角半角）"]})


def _aware(times):
    """Failure times as pymongo reads them back (naive UTC), made aware."""
    return [t if t.tzinfo else t.replace(tzinfo=timezone.utc) for t in times]


class AccountStore(Store):
    def __init__(self, db, outbox):
        super().__init__(db, outbox)
        self.users = Aggregates(self, USERS, not_found="用户不存在", duplicate=_username_taken)
        self._failures = db[LOGIN_FAILURES]

    def find(self, user_id):
        return self.users.collection.find_one({"_id": user_id})

    # -- sessions ended by a logout -----------------------------------------------------
    def end_session(self, session_id, user_id, expires_at, events):
        """Record the logout with its event, once: ending an ended session again changes nothing."""
        def work(session):
            if self.db[ENDED_SESSIONS].find_one({"_id": session_id}, {"_id": 1}, session=session):
                return False
            self.db[ENDED_SESSIONS].insert_one({"_id": session_id, "user_id": user_id, "expires_at": expires_at,
                                                "ended_at": clock.now()}, session=session)
            self.emit(session, user_id, events)
            return True
        try:
            return self.transaction(work)
        except DuplicateKeyError:  # a concurrent logout of the same session won
            return False

    def session_ended(self, session_id):
        return self.db[ENDED_SESSIONS].find_one({"_id": session_id}, {"_id": 1}) is not None

    def purge_ended_sessions(self, now):
        """Ended sessions whose token has expired anyway are of no further use."""
        return self.db[ENDED_SESSIONS].delete_many({"expires_at": {"$lt": now}}).deleted_count

    def find_by_username(self, username):
        return self.users.collection.find_one({"username_key": domain.normalize_username(username)[1]})

    def search(self, *, department, limit, cursor):
        return paginate(self.users.collection, {"department": department} if department else {}, limit, cursor)

    # -- login throttling ------------------------------------------------------
    def failures_of(self, keys):
        """{key: [failure times]} of these keys (a key without failures: [])."""
        found = {doc["_id"]: doc.get("failures", []) for doc in self._failures.find({"_id": {"$in": list(keys)}})}
        return {key: _aware(found.get(key, [])) for key in keys}

    def record_failure(self, keys_and_limits, now, events=(), aggregate_id=None):
        """Count a failed login against each key (keeping the newest ``limit.keep``), and publish the
        throttles it started (``events``) through the outbox, in one transaction."""
        def work(session):
            for key, limit in keys_and_limits:
                self._failures.update_one({"_id": key}, {"$push": {"failures": {"$each": [now], "$slice": -limit.keep}},
                                                         "$set": {"updated_at": now}}, upsert=True, session=session)
            if events:
                self.emit(session, aggregate_id, list(events))
        self.transaction(work)

    def clear_failures(self, key):
        self._failures.delete_one({"_id": key})

    def failure_retention(self, config):
        """Failure records older than the window are useless: keep the collection small."""
        return Purge(self._failures, "updated_at", keep_days=float(config.get("LOGIN_WINDOW_SECONDS", 900)) / 86400,
                     every_seconds=float(config.get("RETENTION_CHECK_SECONDS", 3600)))

    # -- one-off moves -----------------------------------------------------------
    def migration_done(self, name):
        return self.db[MIGRATIONS].count_documents({"_id": name, "status": "done"}, limit=1) == 1

    def lock_migration(self, name, owner, seconds=120):
        """True if ``owner`` now holds the migration's lock (free, expired, or already its own)."""
        now = clock.now()
        try:
            self.db[MIGRATIONS].find_one_and_update(
                {"_id": name, "status": {"$ne": "done"}, "$or": [{"owner": owner}, {"expires_at": {"$lte": now}}]},
                {"$set": {"owner": owner, "expires_at": now + timedelta(seconds=seconds), "status": "running"}},
                upsert=True, return_document=ReturnDocument.AFTER)
            return True
        except DuplicateKeyError:  # another replica holds it, or it is done
            return False

    def finish_migration(self, name, counts, complete):
        """``complete``: nothing is left to move, never run again; otherwise the next start retries
        (what moved is then "already_here") and releases the lock now."""
        self.db[MIGRATIONS].update_one({"_id": name}, {"$set": {
            "status": "done" if complete else "incomplete", "finished_at": clock.now(), "counts": counts,
            "expires_at": clock.now() - timedelta(seconds=1)}})

    def import_user(self, user):
        """Insert a user moved from elsewhere (its id kept) with its user.created event. Returns
        "moved", "already_here" (this id is here: an earlier, interrupted run moved it) or "clashed"
        (another account here has the same username once normalised)."""
        if self.find(user["_id"]) is not None:
            return "already_here"
        try:
            self.users.insert(user, domain.creation_events(user))
            return "moved"
        except Conflict:
            return "clashed"

    # -- the working-day calendar (kit/calendar_store.py: the same documents every copy keeps) -------
    def calendar_schedule(self, year):
        return calendar_store.loaded_schedule(self.db, year)

    def load_calendar(self, year, decide):
        """``decide(kept) -> (doc, events)`` over the year's loaded schedule, committed with its
        events and a line in ``calendar_loads`` (who loaded what, when) when anything changed."""
        def work(session):
            kept = calendar_store.loaded_schedule(self.db, year, session)
            doc, events = decide(kept)
            if events:
                self.db[calendar_store.SCHEDULES].replace_one({"_id": year}, doc, upsert=True, session=session)
                self.db[CALENDAR_LOADS].insert_one({**doc, "_id": f"{year}:{doc['version']}"}, session=session)
                self.emit(session, f"calendar:{year}", events)
            return doc
        return self.transaction(work)

    def warn_missing_calendar(self, events, today, every_days=7):
        """Emit ``events`` (the missing-schedule reminder) unless the same years were reminded of
        within ``every_days``: a weekly reminder, whatever the job's period."""
        if not events:
            return False
        key = ",".join(str(year) for year in events[0][1]["years"])

        def work(session):
            last = self.db[CALENDAR_WARNINGS].find_one({"_id": key}, session=session)
            if last and (today - date.fromisoformat(last["warned_on"])).days < every_days:
                return False
            self.db[CALENDAR_WARNINGS].replace_one({"_id": key}, {"_id": key, "warned_on": today.isoformat()},
                                                   upsert=True, session=session)
            self.emit(session, f"calendar:{key}", events)
            return True
        return self.transaction(work)


class AccountStorage(Storage):
    """``Storage`` for accounts, plus what happens once at start: users of the gateway's old database
    move here (once, under a lock), then the bootstrap admin is created if absent."""

    def setup(self):
        super().setup()
        # Before anything serves: the README's development password is refused outside make run.
        ensure_not_published("PINGJIAN_ADMIN_PASSWORD", self.container.config.get("PINGJIAN_ADMIN_PASSWORD"))
        passwords.configure(self.container.config)
        self.failure_retention = AccountStore(self.db, None).failure_retention(self.container.config)

    def worker_teardown(self, worker_ctx):
        super().worker_teardown(worker_ctx)
        try:
            self.failure_retention.maybe_run()
        except PyMongoError as exc:  # it can wait for the next interval
            log.warning("login failure retention skipped: %s", exc)

    def start(self):
        super().start()
        store = self.store_cls(self.db, self.writer(Context({"correlation_id": f"accounts-start-{uuid.uuid4().hex}"})))
        if self._import_legacy_users(store):
            # Not while another replica is moving the old users: an old "admin" must not meet a new one.
            self._bootstrap_admin(store)

    def _import_legacy_users(self, store, name="gateway-users-v1"):
        """Move the old gateway's users here; False if another replica is doing it right now (it
        then also creates the bootstrap admin)."""
        if store.migration_done(name):
            return True
        owner = f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"
        if not store.lock_migration(name, owner):
            log.info("another accounts replica is moving the gateway's users; not this one")
            return False
        counts = {"moved": 0, "already_here": 0, "clashed": 0, "refused": 0}
        for old in legacy.gateway_users(self.container.config):
            user = legacy.as_account(old)
            outcome = store.import_user(user) if user is not None else "refused"
            counts[outcome] += 1
            if outcome in ("clashed", "refused"):
                log.error("legacy account %s (%r) not moved: %s", old.get("_id"), old.get("username"),
                          "its username clashes with another account once normalised (rename it and restart)"
                          if outcome == "clashed" else "it has no username")
        complete = not (counts["clashed"] or counts["refused"])
        store.finish_migration(name, counts, complete)
        log.info("moved users from the gateway's old database: %s%s", counts,
                 "" if complete else " (some were not moved: the next start tries them again)",
                 extra={"migration": name, **counts})
        return True

    def _bootstrap_admin(self, store):
        config = self.container.config
        username, password = config.get("PINGJIAN_ADMIN_USER"), config.get("PINGJIAN_ADMIN_PASSWORD")
        if not username or not password:
            log.warning("PINGJIAN_ADMIN_USER / PINGJIAN_ADMIN_PASSWORD not set: no bootstrap admin")
            return
        if store.find_by_username(username) is not None:
            return  # never overwritten: the admin may have changed the password since
        problems = domain.password_problems(password, username)
        if problems:
            log.warning("the bootstrap admin's password does not meet the password policy (%s); change it "
                        "after the first login", "; ".join(problems))
        user = domain.new_user({"username": username, "display_name": "系统管理员", "department": "general",
                                "roles": ["admin"]}, passwords.hash_password(password), "bootstrap", clock.now())
        try:
            store.users.insert(user, domain.creation_events(user))
            log.info("bootstrap admin %s created", username)
        except Conflict:  # another replica created it first
            pass
