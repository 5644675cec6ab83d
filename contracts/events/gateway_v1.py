"""Events published by the ``gateway`` (exchange ``gateway.events``), payload version 1.

The gateway keeps no database, so it has no outbox: it publishes the access-ledger entries itself,
with publisher confirms, into the ledger's durable queue (``gateway/ledger.py``). It sends them as
``access.batch_recorded`` — what its buffer holds, up to LEDGER_BATCH entries an event — so a busy
gateway costs the broker and the audit service one message and one transaction per batch, not per
request. ``access.recorded`` (one entry) is still consumed, for entries a gateway of an earlier
release left queued."""
from marshmallow import Schema, fields, validate

from contracts.fields import uuid_string

from contracts.envelope import register

SOURCE = "gateway"


@register("access.recorded", 1)
class AccessRecorded(Schema):
    class Meta:
        title = "访问已记录（数据台账）"
        description = ("网关对每个读取或变更业务数据的请求（含被拒绝的请求与登录）发出一条；"
                       "审计服务把它追加到当日的哈希链台账中。")

    at = fields.String(required=True, metadata={"description": "请求到达的时间（UTC，ISO-8601）"})
    user_id = fields.String(required=True, allow_none=True, metadata={"description": "用户编号；未认证为 null"})
    roles = fields.List(fields.String(), required=True, metadata={"description": "当时的角色代码"})
    department = fields.String(required=True, allow_none=True, metadata={"description": "当时的部门代码"})
    method = fields.String(required=True, metadata={"description": "HTTP 方法"})
    route = fields.String(required=True, metadata={"description": "路由模板，如 /v1/cases/<case_id>"})
    action = fields.String(required=True, metadata={"description": "read、create、update、delete 或 login"})
    resource = fields.String(required=True, metadata={"description": "资源类型，如 cases"})
    resource_ids = fields.Dict(keys=fields.String(), values=fields.String(), required=True,
                               metadata={"description": "路径中的资源编号，如 {\"case_id\": \"…\"}"})
    status = fields.Integer(required=True, metadata={"description": "响应状态码"})
    remote_addr = fields.String(required=True, allow_none=True, metadata={"description": "客户端地址"})
    user_agent = fields.String(required=True, allow_none=True, metadata={"description": "客户端 User-Agent（截断至 256 字）"})
    correlation_id = fields.String(required=True, metadata={"description": "请求编号（X-Request-ID）"})
    personal_data = fields.Boolean(required=True, metadata={"description": "是否读取了未遮蔽的个人信息（如身份证号）或导出文件"})

    example = {"at": "2026-11-26T02:30:00.123Z", "user_id": "9b1e7c2a5d3f4e6a8b0c1d2e3f4a5b6c",
               "roles": ["prosecutor"], "department": "criminal", "method": "GET",
               "route": "/v1/cases/<case_id>/suspects", "action": "read", "resource": "cases",
               "resource_ids": {"case_id": "4f2c9d0e8a7b4c1d9e6f5a3b2c1d0e9f"}, "status": 200,
               "remote_addr": "10.1.2.3", "user_agent": "Mozilla/5.0", "correlation_id": "c0ffee",
               "personal_data": True}


MAX_BATCH = 1000


class RecordedEntry(AccessRecorded):
    entry_id = uuid_string(required=True, metadata={
        "description": "条目编号（UUID），网关在请求结束时分配；审计服务据此去重（重发的批次不会重复记账）"})


@register("access.batch_recorded", 1)
class AccessBatchRecorded(Schema):
    class Meta:
        title = "一批访问已记录（数据台账）"
        description = ("网关把缓冲中的台账条目成批发出（每批至多 LEDGER_BATCH 条，默认 200）；"
                       "审计服务在一个事务中把整批追加到当日的哈希链，每条一次。")

    entries = fields.List(fields.Nested(RecordedEntry), required=True,
                          validate=validate.Length(min=1, max=MAX_BATCH),
                          metadata={"description": "按请求结束顺序排列的台账条目（字段同 access.recorded，另加 entry_id）"})

    example = {"entries": [{**AccessRecorded.example, "entry_id": "5d1b7c0e9a8f4b3c2d1e0f9a8b7c6d5e"}]}
