"""The RPC entrypoint under every operation (``kit.entrypoints``: ``@command`` / ``@query``):
nameko's ``@rpc``, replying without waiting for a publisher confirm.

Why: a caller learns that a reply was lost only by timing out, whether or not
the reply was confirmed; the confirm only added a log line in the service,
at about a quarter of a bare RPC hop's CPU (docs/performance.md). Events are
different and keep their confirms: the outbox marks a record sent only once
RabbitMQ has confirmed it.
"""
import logging

from nameko.amqp.publish import Publisher
from nameko.constants import (
    AMQP_SSL_CONFIG_KEY,
    AMQP_URI_CONFIG_KEY,
    DEFAULT_SERIALIZER,
    LOGIN_METHOD_CONFIG_KEY,
    SERIALIZER_CONFIG_KEY,
)
from nameko.rpc import Responder, RpcConsumer, get_rpc_exchange
from nameko.rpc import Rpc as NamekoRpc

from kit.errors import Unavailable, database_unavailable

log = logging.getLogger("pingjian.rpc")


class _UnconfirmedPublisher(Publisher):
    use_confirms = False


class _Responder(Responder):
    publisher_cls = _UnconfirmedPublisher


class _RpcConsumer(RpcConsumer):
    def handle_result(self, message, result, exc_info):
        # nameko's RpcConsumer.handle_result, with the unconfirmed responder, and a database
        # outage answered as the typed Unavailable (503 at the gateway) instead of an opaque
        # remote error (which would be a 500).
        if exc_info is not None and database_unavailable(exc_info[1]):
            log.warning("database unavailable for %s: %r", self.container.service_name, exc_info[1])
            exc_info = (Unavailable, Unavailable("数据库暂不可用，请稍后重试"), None)
        config = self.container.config
        responder = _Responder(config[AMQP_URI_CONFIG_KEY], get_rpc_exchange(config),
                               config.get(SERIALIZER_CONFIG_KEY, DEFAULT_SERIALIZER), message,
                               ssl=config.get(AMQP_SSL_CONFIG_KEY), login_method=config.get(LOGIN_METHOD_CONFIG_KEY))
        result, exc_info = responder.send_response(result, exc_info)
        self.queue_consumer.ack_message(message)
        return result, exc_info


class Rpc(NamekoRpc):
    rpc_consumer = _RpcConsumer()
