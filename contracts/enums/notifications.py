"""Notifications: the channels a notification travels by."""
from contracts.enums.registry import register

NOTIFICATION_CHANNELS = register("notification_channels", {
    "in_app": "站内消息",
}, title="通知渠道")
