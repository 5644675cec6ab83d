"""One's own notifications: the notifications service behind HTTP."""
from contracts.rpc import notifications_v1
from gateway.http import route
from gateway.rpc import BoundedRpcProxy


class NotificationRoutes:
    notifications = BoundedRpcProxy("notifications")

    @route("GET", "/v1/me/notifications", query=notifications_v1.NotificationQuery,
           response=notifications_v1.NotificationPage, summary="我的站内通知", tag="notifications")
    def my_notifications(self, request, query):
        return self.notifications.list_my_notifications(query=query)

    @route("POST", "/v1/me/notifications/<notification_id>/read", response=notifications_v1.Notification,
           summary="标记通知为已读", tag="notifications")
    def read_notification(self, request, notification_id):
        return self.notifications.mark_read(notification_id=notification_id)
