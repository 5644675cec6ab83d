"""Container healthcheck for a nameko service: ``python -m kit.healthcheck <service>``.

Calls the service's ``health`` RPC over the broker (so it proves the process
consumes from RabbitMQ) and exits 0 only if it answers ok within the timeout.
Config comes from the same environment variables as the service.
"""
import os
import sys

import eventlet

eventlet.monkey_patch()

from nameko.standalone.rpc import ClusterRpcProxy  # noqa: E402


def main(argv):
    if len(argv) != 2:
        print("usage: python -m kit.healthcheck <service>", file=sys.stderr)
        return 2
    service = argv[1]
    config = {"AMQP_URI": os.environ.get("AMQP_URI", "pyamqp://guest:guest@127.0.0.1:5672/")}
    try:
        with eventlet.Timeout(float(os.environ.get("HEALTHCHECK_TIMEOUT_SECONDS", 5))):
            with ClusterRpcProxy(config) as rpc:
                status = getattr(rpc, service).health()
    except (Exception, eventlet.Timeout) as exc:
        print(f"{service}: unhealthy: {exc!r}", file=sys.stderr)
        return 1
    print(f"{service}: {status}")
    return 0 if status.get("status") == "ok" else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv))
