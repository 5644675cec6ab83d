"""RPC from the gateway (and one service calling another), bounded in time, published without waiting for a confirm.

nameko's RpcProxy waits for a reply forever and keeps the reply slot of every
call it ever made until a reply arrives. A request that expires in its queue
(a paused service) never gets one, so each such call held a gateway worker
for good: ten of them wedged the gateway (the hardening issue). Here a call
waits at most RPC_TIMEOUT_SECONDS, then raises the typed UpstreamTimeout
(504) and forgets its reply slot, so its worker is free again; a reply that
still arrives later is dropped as one of an unknown call.

The request message gets the same expiration, so RabbitMQ drops it instead of
letting a service that comes back later execute a call whose caller has
already been told it failed (a "timed-out" case registration must not appear
later). Requests go without publisher confirms: a request the broker loses
ends in the same 504 as one whose reply is lost (see kit/rpc.py for the replies).
"""
import uuid
import warnings

import eventlet
from nameko.amqp.publish import UndeliverableMessage
from nameko.containers import WorkerContext
from nameko.exceptions import UnknownService
from nameko.rpc import MethodProxy, ReplyListener, RpcProxy, RpcReply, ServiceProxy, get_rpc_exchange

from kit.errors import UpstreamTimeout

# nameko always publishes RPC requests as mandatory and warns that, without
# confirms, an unroutable one cannot be detected: understood, such a call ends
# in the same 504 as any lost request.
warnings.filterwarnings("ignore", message="Mandatory delivery was requested", module="nameko.amqp.publish")


class ForgetfulReplyListener(ReplyListener):
    """nameko's reply listener, plus ``forget``: a call that stopped waiting drops its slot."""

    def forget(self, correlation_id):
        self._reply_events.pop(correlation_id, None)

    @property
    def waiting(self):
        return len(self._reply_events)


class _BoundedMethodProxy(MethodProxy):
    def __init__(self, worker_ctx, service_name, method_name, reply_listener, timeout, **options):
        self.timeout = timeout
        super().__init__(worker_ctx, service_name, method_name, reply_listener, **options)

    def __call__(self, *args, **kwargs):
        correlation_id = str(uuid.uuid4())
        # One bound for the whole call: a pooled broker connection, the publish and the reply.
        try:
            with eventlet.Timeout(self.timeout, UpstreamTimeout("后端服务响应超时，请稍后重试")):
                return self._publish(correlation_id, args, kwargs).result()
        finally:
            self.reply_listener.forget(correlation_id)  # answered, failed or given up: the slot goes

    def call_async(self, *args, **kwargs):
        raise NotImplementedError("the gateway makes bounded calls only")

    def _publish(self, correlation_id, args, kwargs):
        # nameko's MethodProxy._call, with the correlation id chosen by the caller so the
        # slot can be forgotten whatever happens.
        reply_event = self.reply_listener.get_reply_event(correlation_id)
        try:
            self.publisher.publish(
                {"args": args, "kwargs": kwargs}, exchange=get_rpc_exchange(self.container.config),
                routing_key=f"{self.service_name}.{self.method_name}", mandatory=True,
                reply_to=self.reply_listener.routing_key, correlation_id=correlation_id,
                extra_headers=self.get_message_headers(self.worker_ctx))
        except UndeliverableMessage:
            raise UnknownService(self.service_name) from None
        return RpcReply(reply_event)


class _BoundedServiceProxy(ServiceProxy):
    def __getattr__(self, name):
        options = dict(self.options)
        timeout = options.pop("timeout")
        return _BoundedMethodProxy(self.worker_ctx, self.service_name, name, self.reply_listener, timeout,
                                   **options)


def bounded_options(config):
    """Publishing options of every gateway call: the timeout, the same expiration for the request
    message, no confirms, and a broker that is down is a fast 503, not a retry loop that outlasts
    the caller."""
    timeout = float(config.get("RPC_TIMEOUT_SECONDS", 10))
    return {"timeout": timeout, "expiration": timeout, "use_confirms": False,
            "retry_policy": {"max_retries": 1, "interval_start": 0.2, "interval_step": 0.5, "interval_max": 0.5}}


class BoundedRpcProxy(RpcProxy):
    rpc_reply_listener = ForgetfulReplyListener()

    def setup(self):
        super().setup()
        for key, value in bounded_options(self.container.config).items():
            self.options.setdefault(key, value)

    def get_dependency(self, worker_ctx):
        return _BoundedServiceProxy(worker_ctx, self.target_service, self.rpc_reply_listener, **self.options)


class _Admission:
    """Stands for the entrypoint of a call made by the web server itself (the call id stack names it)."""
    method_name = "admission"


class ServerRpc:
    """Bounded calls made by the web server itself, outside any worker: checking a token's account
    before a worker is spawned. Same reply listener, options and guarantees as BoundedRpcProxy."""

    def __init__(self, container, reply_listener):
        self.container = container
        self.reply_listener = reply_listener
        self.options = bounded_options(container.config)

    def call(self, service, method, context_data, timeout=None, **kwargs):
        """``timeout``: shorter than RPC_TIMEOUT_SECONDS for a quick probe (the health check)."""
        worker_ctx = WorkerContext(self.container, None, _Admission(), data=dict(context_data))
        options = dict(self.options)
        bound = options.pop("timeout")
        if timeout is not None:
            bound = options["expiration"] = min(bound, timeout)
        return _BoundedMethodProxy(worker_ctx, service, method, self.reply_listener, bound, **options)(**kwargs)
