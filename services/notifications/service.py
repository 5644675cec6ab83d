"""Entrypoints of the notifications service."""
from contracts.rpc import notifications_v1 as contract
from kit.context import RequestContext
from kit.errors import EXPECTED
from kit.events import Inbox, reliable_event_handler
from kit.mongo import HealthRpc, MongoDatabase, utcnow
from kit.rpc import rpc
from kit.validation import load
from services.notifications import domain
from services.notifications.storage import INDEXES, NotificationStore

NOTIFICATION, QUERY, PAGE = contract.Notification(), contract.NotificationQuery(), contract.NotificationPage()


class NotificationsService(HealthRpc):
    name = "notifications"

    ctx = RequestContext()
    db = MongoDatabase(indexes=INDEXES)
    inbox = Inbox()

    @property
    def store(self):
        return NotificationStore(self.db)

    @reliable_event_handler("cases", "case.assigned")
    def on_case_assigned(self, body):
        event = self.inbox.accept(body, "case.assigned")
        notifications = domain.for_case_assigned(event, utcnow())
        self.inbox.once(event, lambda session: self.store.insert_many(notifications, session))

    @rpc(expected_exceptions=EXPECTED)
    def list_my_notifications(self, query):
        actor = self.ctx.require_actor()
        query = load(QUERY, query)
        items, next_cursor = self.store.for_recipient(actor.user_id, **query)
        return PAGE.dump({"items": items, "next_cursor": next_cursor})

    @rpc(expected_exceptions=EXPECTED)
    def mark_read(self, notification_id):
        actor = self.ctx.require_actor()
        return NOTIFICATION.dump(self.store.mark_read(actor.user_id, notification_id))
