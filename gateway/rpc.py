"""RPC from the gateway, bounded in time, published without waiting for a confirm.

The gateway stops waiting after RPC_TIMEOUT_SECONDS (504). The request
message gets the same expiration, so RabbitMQ drops it instead of letting a
service that comes back later execute a call whose caller has already been
told it failed (a "timed-out" case registration must not appear later).
Requests go without publisher confirms: a request the broker loses ends in
the same 504 as one whose reply is lost (see kit/rpc.py for the replies).
"""
import warnings

from nameko.rpc import RpcProxy

# nameko always publishes RPC requests as mandatory and warns that, without
# confirms, an unroutable one cannot be detected: understood, such a call ends
# in the same 504 as any lost request.
warnings.filterwarnings("ignore", message="Mandatory delivery was requested", module="nameko.amqp.publish")


class BoundedRpcProxy(RpcProxy):
    def setup(self):
        super().setup()
        self.options.setdefault("expiration", float(self.container.config.get("RPC_TIMEOUT_SECONDS", 10)))
        self.options.setdefault("use_confirms", False)
