"""Entrypoints of the notifications service."""
from contracts.rpc import notifications_v1 as contract
from kit.context import RequestContext
from kit.entrypoints import HealthCheck, command, query
from kit.events import Inbox, consumes
from kit import clock
from kit.storage import Storage
from services.notifications import domain
from services.notifications.storage import INDEXES, NotificationStore


class NotificationsService(HealthCheck):
    name = "notifications"

    ctx = RequestContext()
    store = Storage(NotificationStore, INDEXES)
    inbox = Inbox()

    @consumes("cases", "case.assigned")
    def on_case_assigned(self, event, session):
        self.store.insert_many(domain.for_case_assigned(event, clock.now()), session)

    @query(query=contract.NotificationQuery, response=contract.NotificationPage)
    def list_my_notifications(self, actor, query):
        items, next_cursor = self.store.for_recipient(actor.user_id, **query)
        return {"items": items, "next_cursor": next_cursor}

    @command(response=contract.Notification)
    def mark_read(self, actor, notification_id):
        return self.store.mark_read(actor.user_id, notification_id)
