"""Notifications behind HTTP: one's own inbox and preferences; webhooks and delivery records (admin)."""
from contracts.rpc import notifications_v1
from gateway.http import route
from kit.rpc_client import BoundedRpcProxy


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

    @route("GET", "/v1/me/notifications/unread-count", response=notifications_v1.UnreadCount,
           summary="我的未读站内通知数", tag="notifications")
    def my_unread_count(self, request):
        return self.notifications.unread_count()

    @route("POST", "/v1/me/notifications/read-all", response=notifications_v1.MarkedRead,
           summary="全部标记为已读", tag="notifications")
    def read_all_notifications(self, request):
        return self.notifications.mark_all_read()

    @route("GET", "/v1/me/preferences", response=notifications_v1.Preferences,
           summary="我的通知偏好（各类型、各渠道是否接收）", tag="notifications")
    def my_preferences(self, request):
        return self.notifications.get_preferences()

    @route("PUT", "/v1/me/preferences", body=notifications_v1.PreferencesUpdate, response=notifications_v1.Preferences,
           summary="设置通知偏好（重要提醒不可关闭；未提及的类型与渠道保持原设置）", tag="notifications")
    def set_my_preferences(self, request, body):
        return self.notifications.set_preferences(body=body)

    @route("POST", "/v1/webhooks", roles=("admin",), body=notifications_v1.NewWebhook,
           response=notifications_v1.Webhook, status=201,
           summary="订阅 Webhook（每次投递以 HMAC-SHA256 签名：X-Pingjian-Signature、X-Pingjian-Timestamp）",
           tag="notifications")
    def create_webhook(self, request, body):
        return self.notifications.create_webhook(body=body)

    @route("GET", "/v1/webhooks", roles=("admin",), query=notifications_v1.PageQuery,
           response=notifications_v1.WebhookPage, summary="Webhook 订阅列表", tag="notifications")
    def list_webhooks(self, request, query):
        return self.notifications.list_webhooks(query=query)

    @route("GET", "/v1/notifications/deliveries", roles=("admin",), query=notifications_v1.DeliveryQuery,
           response=notifications_v1.DeliveryPage, summary="投递记录（按状态筛选，如 status=failed）",
           tag="notifications")
    def list_deliveries(self, request, query):
        return self.notifications.list_deliveries(query=query)
