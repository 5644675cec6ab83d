"""RPC contract of the ``notifications`` service, version 1."""
from urllib.parse import urlsplit

from marshmallow import Schema, ValidationError, fields, validate, validates_schema

from contracts import enums
from contracts.fields import StrictBoolean, code, line
from contracts.rpc.common import PageQuery  # noqa: F401  (also the webhooks list query)


class NotificationQuery(PageQuery):
    unread_only = fields.Boolean(load_default=False)


class Ref(Schema):
    kind = fields.String()
    id = fields.String()


class Notification(Schema):
    id = fields.String(attribute="_id")
    type = fields.String()
    channel = fields.String()
    title = fields.String()
    body = fields.String()
    ref = fields.Nested(Ref)
    created_at = fields.DateTime(format="iso")
    read_at = fields.DateTime(format="iso", allow_none=True)


class NotificationPage(Schema):
    items = fields.List(fields.Nested(Notification))
    next_cursor = fields.String(allow_none=True)


# -- unread count, mark all read -------------------------------------------------------------------
class UnreadCount(Schema):
    count = fields.Integer(metadata={"description": "未读站内通知数"})


class MarkedRead(Schema):
    marked = fields.Integer(metadata={"description": "本次标记为已读的通知数"})


# -- preferences -----------------------------------------------------------------------------------
class ChannelSwitches(Schema):
    """On/off per channel of one type; a channel not sent keeps its current setting."""
    in_app = StrictBoolean(metadata={"description": "站内消息"})
    email = StrictBoolean(metadata={"description": "电子邮件"})


class PreferencesUpdate(Schema):
    types = fields.Dict(keys=code(enums.NOTIFICATION_TYPES), values=fields.Nested(ChannelSwitches),
                        metadata={"description": "通知类型代码 → 各渠道开关；重要提醒（critical_types）不可关闭"})
    digest_hour = fields.Integer(strict=True, allow_none=True, validate=validate.Range(min=0, max=23, error="应在 {min} 到 {max} 之间"),
                                 metadata={"description": "每日汇总邮件的时刻（北京时间，0–23 点）；null 为不汇总、逐条发送"})

    @validates_schema
    def _not_empty(self, data, **kwargs):
        if not data:
            raise ValidationError("至少提供一个要修改的字段：types, digest_hour", "_schema")


class Preferences(Schema):
    types = fields.Dict(keys=fields.String(), values=fields.Dict(keys=fields.String(), values=fields.Boolean()),
                        metadata={"description": "通知类型代码 → 渠道 → 是否接收"})
    critical_types = fields.List(fields.String(), metadata={"description": "不可关闭的重要提醒类型"})
    labels = fields.Dict(keys=fields.String(), values=fields.String(), metadata={"description": "类型的中文名称"})
    digest_hour = fields.Integer(allow_none=True)


# -- webhooks ----------------------------------------------------------------------------------------
def _http_url(value):
    parts = urlsplit(value)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ValidationError("应为 http:// 或 https:// 开头的完整地址")


class NewWebhook(Schema):
    url = line(8, 2048, validate=_http_url, required=True, metadata={"description": "接收回调的地址"})
    events = fields.List(code(enums.NOTIFICATION_TYPES), required=True,
                         validate=validate.Length(min=1, max=50, error="应有 {min} 到 {max} 个"),
                         metadata={"description": "订阅的通知类型代码"})
    # Not trimmed: a secret is used byte for byte.
    secret = fields.String(required=True, validate=validate.Length(min=16, max=256, error="长度应在 {min} 到 {max} 之间"),
                           metadata={"description": "签名密钥（HMAC-SHA256）；只写入，不再返回"})


class Webhook(Schema):
    id = fields.String(attribute="_id")
    url = fields.String()
    events = fields.List(fields.String())
    active = fields.Boolean()
    created_at = fields.DateTime(format="iso")


class WebhookPage(Schema):
    items = fields.List(fields.Nested(Webhook))
    next_cursor = fields.String(allow_none=True)


# -- delivery records ------------------------------------------------------------------------------
class DeliveryQuery(PageQuery):
    status = code(enums.DELIVERY_STATUSES, load_default=None, metadata={"description": "投递状态代码"})


class Attempt(Schema):
    at = fields.DateTime(format="iso")
    attempt = fields.Integer()
    ok = fields.Boolean()
    error = fields.String(allow_none=True)
    http_status = fields.Integer()
    smtp_code = fields.Integer()


class Delivery(Schema):
    id = fields.String(attribute="_id")
    event_id = fields.String()
    type = fields.String()
    channel = fields.String()
    recipient_id = fields.String(metadata={"description": "用户编号；webhook 为 webhook:<订阅编号>"})
    title = fields.String()
    ref = fields.Nested(Ref)
    status = fields.String()
    reason = fields.String(allow_none=True, metadata={"description": "跳过或失败原因代码"})
    error = fields.String(allow_none=True, metadata={"description": "最近一次失败的说明"})
    attempts = fields.Integer()
    attempt_log = fields.List(fields.Nested(Attempt))
    next_attempt_at = fields.DateTime(format="iso", allow_none=True)
    created_at = fields.DateTime(format="iso")
    updated_at = fields.DateTime(format="iso")


class DeliveryPage(Schema):
    items = fields.List(fields.Nested(Delivery))
    next_cursor = fields.String(allow_none=True)
