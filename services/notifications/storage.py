"""The notifications service's own database: the only module that touches it."""
from pymongo import ASCENDING, DESCENDING, IndexModel

from kit.errors import NotFound
from kit import clock
from kit.pagination import paginate
from kit.storage import Store

NOTIFICATIONS = "notifications"

INDEXES = {
    NOTIFICATIONS: [
        # One notification per (event, recipient, channel), however often the event arrives.
        IndexModel([("event_id", ASCENDING), ("recipient_id", ASCENDING), ("channel", ASCENDING)],
                   unique=True, name="one_per_event_recipient_channel"),
        IndexModel([("recipient_id", ASCENDING), ("created_at", DESCENDING), ("_id", DESCENDING)]),
    ],
}


class NotificationStore(Store):
    def __init__(self, db, outbox):
        super().__init__(db, outbox)
        self._notifications = db[NOTIFICATIONS]

    def insert_many(self, notifications, session):
        if notifications:
            self._notifications.insert_many(notifications, session=session)

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
