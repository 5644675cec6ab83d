"""The notifications service's own database: the only module that touches it."""
import uuid
from datetime import timedelta

from pymongo import ASCENDING, DESCENDING, IndexModel, ReturnDocument

from kit.errors import NotFound
from kit import clock
from kit.pagination import paginate
from kit.storage import Store
from services.notifications.domain import DELIVERED, FAILED, NEVER, QUEUED, SENT, SKIPPED
from services.notifications.recipients import Directory

NOTIFICATIONS, DELIVERIES, USERS, PREFERENCES, WEBHOOKS, SUBJECTS = (
    "notifications", "deliveries", "users", "preferences", "webhooks", "subjects")

_ONE_PER_EVENT_RECIPIENT_CHANNEL = [("event_id", ASCENDING), ("recipient_id", ASCENDING), ("channel", ASCENDING)]
_NEWEST = [("created_at", DESCENDING), ("_id", DESCENDING)]

INDEXES = {
    NOTIFICATIONS: [
        # One notification per (event, recipient, channel), however often the event arrives.
        IndexModel(_ONE_PER_EVENT_RECIPIENT_CHANNEL, unique=True, name="one_per_event_recipient_channel"),
        IndexModel([("recipient_id", ASCENDING), ("created_at", DESCENDING), ("_id", DESCENDING)]),
        IndexModel([("recipient_id", ASCENDING), ("channel", ASCENDING), ("read_at", ASCENDING)]),  # unread count
    ],
    DELIVERIES: [
        # The same guarantee for every outbound channel (e-mail per user, webhook per subscription).
        IndexModel(_ONE_PER_EVENT_RECIPIENT_CHANNEL, unique=True, name="one_per_event_recipient_channel"),
        IndexModel([("status", ASCENDING), ("next_attempt_at", ASCENDING)]),     # the sender's claim
        IndexModel([("status", ASCENDING), *_NEWEST]),                           # ?status=
        IndexModel(_NEWEST),
    ],
    USERS: [IndexModel([("department", ASCENDING), ("active", ASCENDING)]),
            IndexModel([("roles", ASCENDING), ("active", ASCENDING)])],
    WEBHOOKS: [IndexModel([("events", ASCENDING), ("active", ASCENDING)]), IndexModel(_NEWEST)],
}


class UserDirectory(Directory):
    """recipients.Directory over the users' projection, read in the caller's transaction."""

    def __init__(self, db, session):
        self._users_collection = db[USERS]
        self._session = session

    def get(self, user_id):
        return self._users_collection.find_one({"_id": user_id}, session=self._session)

    def active_with(self, *, role=None, department=None):
        query = {"active": True}
        if role is not None:
            query["roles"] = role
        if department is not None:
            query["department"] = department
        return list(self._users_collection.find(query, session=self._session))


class NotificationStore(Store):
    def __init__(self, db, outbox):
        super().__init__(db, outbox)
        self._notifications = db[NOTIFICATIONS]
        self._deliveries = db[DELIVERIES]

    # -- written in the inbox transaction ----------------------------------------------------------
    def insert_many(self, notifications, session):
        if notifications:
            self._notifications.insert_many(notifications, session=session)

    def insert_deliveries(self, deliveries, session):
        if deliveries:
            self._deliveries.insert_many(deliveries, session=session)

    def directory(self, session):
        return UserDirectory(self.db, session)

    def preferences_reader(self, session):
        cache = {}

        def read(user_id):
            if user_id not in cache:
                cache[user_id] = self.db[PREFERENCES].find_one({"_id": user_id}, session=session)
            return cache[user_id]
        return read

    def webhooks_for(self, event_type, session):
        return list(self.db[WEBHOOKS].find({"events": event_type, "active": True}, session=session))

    # -- what is remembered of a subject for later events (rules.Memory) ---------------------------
    def remember(self, session, key, fields):
        self.db[SUBJECTS].update_one({"_id": key}, {"$set": {**fields, "updated_at": clock.now()}},
                                     upsert=True, session=session)

    def recall(self, session, key):
        found = self.db[SUBJECTS].find_one({"_id": key}, session=session)
        if found:
            found.pop("_id", None)
            found.pop("updated_at", None)
        return found

    # -- what the service knows of users (from the accounts service's events) ---------------------
    def project_user(self, session, payload, version):
        """Keep the newest copy of an account: an older event arriving late changes nothing."""
        self.db[USERS].update_one(
            {"_id": payload["id"], "$or": [{"version": {"$lt": version}}, {"version": {"$exists": False}}]},
            {"$set": {"department": payload["department"], "roles": payload["roles"], "active": payload["active"],
                      "display_name": payload["display_name"], "email": payload.get("email"),
                      "version": version}},
            upsert=True, session=session)

    # -- the inbox ---------------------------------------------------------------------------------
    def for_recipient(self, recipient_id, *, unread_only, limit, cursor):
        query = {"recipient_id": recipient_id, "channel": "in_app"}
        if unread_only:
            query["read_at"] = None
        return paginate(self._notifications, query, limit, cursor)

    def mark_read(self, recipient_id, notification_id):
        """Mark read (first read time wins); NotFound unless it is the recipient's own."""
        query = {"_id": notification_id, "recipient_id": recipient_id}
        self._notifications.update_one({**query, "read_at": None}, {"$set": {"read_at": clock.now()}})
        notification = self._notifications.find_one(query)
        if notification is None:
            raise NotFound("通知不存在")
        return notification

    def unread_count(self, recipient_id):
        return self._notifications.count_documents({"recipient_id": recipient_id, "channel": "in_app",
                                                    "read_at": None})

    def mark_all_read(self, recipient_id):
        result = self._notifications.update_many({"recipient_id": recipient_id, "channel": "in_app", "read_at": None},
                                                 {"$set": {"read_at": clock.now()}})
        return result.modified_count

    # -- preferences -------------------------------------------------------------------------------
    def preferences(self, user_id):
        return self.db[PREFERENCES].find_one({"_id": user_id})

    def save_preferences(self, user_id, types, digest_hour):
        """Merge the switches sent into the stored ones (a type or channel not sent keeps its value)."""
        stored = self.preferences(user_id) or {}
        merged = {t: dict(c) for t, c in (stored.get("types") or {}).items()}
        for event_type, channels in types.items():
            merged.setdefault(event_type, {}).update(channels)
        update = {"types": merged, "updated_at": clock.now()}
        if digest_hour is not _KEEP:
            update["digest_hour"] = digest_hour
        return self.db[PREFERENCES].find_one_and_update({"_id": user_id}, {"$set": update}, upsert=True,
                                                        return_document=ReturnDocument.AFTER)

    # -- webhooks ----------------------------------------------------------------------------------
    def add_webhook(self, webhook):
        self.db[WEBHOOKS].insert_one(webhook)
        return webhook

    def webhooks(self, limit, cursor):
        return paginate(self.db[WEBHOOKS], {}, limit, cursor)

    # -- delivery records --------------------------------------------------------------------------
    def deliveries(self, *, status, limit, cursor):
        return paginate(self._deliveries, {"status": status} if status else {}, limit, cursor)


_KEEP = object()
KEEP = _KEEP  # save_preferences(digest_hour=KEEP): leave the stored digest hour as it is


class DeliveryQueue:
    """The claiming sender's view of the delivery records: claim with a lease, then settle.

    Like kit/deadlines.py: a claim sets ``owner`` and ``lease_until`` and counts the attempt; a
    settle only applies while this owner still holds the record, so a sender that outlived its
    lease cannot overwrite its successor's outcome. A sender that dies after sending and before
    settling leaves the record queued: it is sent again after the lease (at most once more)."""

    def __init__(self, db, owner, lease_seconds):
        self._deliveries = db[DELIVERIES]
        self._db = db
        self.owner = owner
        self.lease = timedelta(seconds=lease_seconds)

    def claim(self, channels):
        """One due record, claimed under a token of its own (this sender and the claim), so two
        claims of one process never settle each other's records."""
        now = clock.now()
        token = f"{self.owner}:{uuid.uuid4().hex[:8]}"
        return self._deliveries.find_one_and_update(
            {"status": QUEUED, "channel": {"$in": list(channels)}, "next_attempt_at": {"$lte": now},
             "lease_until": {"$lte": now}},
            {"$set": {"owner": token, "lease_until": now + self.lease, "updated_at": now},
             "$inc": {"attempts": 1}},
            sort=[("next_attempt_at", ASCENDING)], return_document=ReturnDocument.AFTER)

    def claim_digest_batch(self, record):
        """With ``record`` (a claimed digest e-mail) claim every other due digest e-mail of its
        recipient under the same token, so one message carries them all; returns the batch,
        ``record`` included. Called by the claiming loop before its next claim, so the loop cannot
        claim one of them separately meanwhile."""
        now = clock.now()
        same = {"recipient_id": record["recipient_id"], "channel": record["channel"], "digest": True, "status": QUEUED}
        self._deliveries.update_many(
            {**same, "next_attempt_at": {"$lte": now}, "lease_until": {"$lte": now}},
            {"$set": {"owner": record["owner"], "lease_until": now + self.lease, "updated_at": now},
             "$inc": {"attempts": 1}})
        return list(self._deliveries.find({**same, "owner": record["owner"]}))

    def user(self, user_id):
        return self._db[USERS].find_one({"_id": user_id})

    def webhook(self, webhook_id):
        return self._db[WEBHOOKS].find_one({"_id": webhook_id})

    def _settle(self, record, update, log_entry):
        now = clock.now()
        update.setdefault("$set", {}).update({"updated_at": now, "lease_until": NEVER, "owner": None})
        if log_entry is not None:
            update["$push"] = {"attempt_log": {"at": now, "attempt": record["attempts"], **log_entry}}
        result = self._deliveries.update_one({"_id": record["_id"], "owner": record["owner"], "status": QUEUED},
                                             update)
        return result.matched_count == 1

    def succeeded(self, record, status, log_entry, **fields):
        assert status in (SENT, DELIVERED)
        return self._settle(record, {"$set": {"status": status, f"{status}_at": clock.now(), "error": None,
                                              **fields}}, log_entry)

    def retry_at(self, record, when, error, log_entry):
        return self._settle(record, {"$set": {"next_attempt_at": when, "error": error}}, log_entry)

    def failed(self, record, reason, error, log_entry):
        return self._settle(record, {"$set": {"status": FAILED, "reason": reason, "error": error,
                                              "failed_at": clock.now()}}, log_entry)

    def skipped(self, record, reason, log_entry=None):
        return self._settle(record, {"$set": {"status": SKIPPED, "reason": reason}}, log_entry)
