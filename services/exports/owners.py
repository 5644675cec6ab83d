"""Calls from the exports service to the services that own the data (``export_rows``).

Bounded like the gateway's calls (a service that does not answer is a 504 within
EXPORT_ROWS_TIMEOUT_SECONDS, shorter than the gateway's own bound, never a worker held forever),
and made as the exports service itself: the actor on the call is ``EXPORTS_ACTOR`` — a role no
account can hold (roles are checked against the ROLES enum when accounts are created or changed) —
and the call names the approved export. The owning service answers ``export_rows`` to that actor
only, and only for the fields, filters and id-number choice the call carries, which this service
takes from the approved export, never from the download request. The requester's id goes along
in the context (``export_for``) for the owning service's log.
"""
from nameko.exceptions import MethodNotFound, UnknownService
from nameko.extensions import DependencyProvider

from contracts.rpc.exports_v1 import EXPORT_ROWS, EXPORTS_ACTOR
from kit.rpc_client import ForgetfulReplyListener, ServerRpc
from kit.errors import Unavailable


class OwnerCalls(DependencyProvider):
    reply_listener = ForgetfulReplyListener()

    def setup(self):
        self.rpc = ServerRpc(self.container, self.reply_listener)
        self.timeout = float(self.container.config.get("EXPORT_ROWS_TIMEOUT_SECONDS", 8))

    def get_dependency(self, worker_ctx):
        def export_rows(service, **kwargs):
            context = {"correlation_id": worker_ctx.data.get("correlation_id"), "actor": dict(EXPORTS_ACTOR),
                       "export_for": (worker_ctx.data.get("actor") or {}).get("user_id")}
            try:
                return self.rpc.call(service, EXPORT_ROWS, context, timeout=self.timeout, **kwargs)
            except (UnknownService, MethodNotFound):
                raise Unavailable(f"数据来源服务（{service}）暂不能提供导出，请稍后重试") from None
        return export_rows
