"""Baseline nameko services for ``make bench``: the limits the platform is compared with.

Plain nameko, none of Pingjian's kit: what nameko 2.14 on this machine can do
at best for the same shape of work.

* ``NoopHttpService``  — ``GET /noop``: an ``@http`` route that does nothing.
* ``EchoHttpService``  — ``GET /echo``: ``@http`` → one ``@rpc`` call → JSON.
* ``EchoService``      — the ``@rpc`` echo it calls.
* ``EchoUnconfirmedHttpService`` / ``EchoUnconfirmedService`` — the same echo
  with RPC published without publisher confirms (requests and replies), the
  setting the platform uses (kit/rpc.py, kit/rpc_client.py): the like-for-like limit.

Each runs as its own ``nameko run --config bench/limits.yml bench.limits:<Class>``
process (bench/run.py starts them through ops.launcher.Process).
"""
import json

from nameko.rpc import RpcProxy, rpc
from nameko.web.handlers import http

from kit.rpc import Rpc

unconfirmed_rpc = Rpc.decorator


class NoopHttpService:
    name = "bench_noop_http"

    @http("GET", "/noop")
    def noop(self, request):
        return ""


class EchoService:
    name = "bench_echo"

    @rpc
    def echo(self, value):
        return value


class EchoHttpService:
    name = "bench_echo_http"

    echo = RpcProxy("bench_echo")

    @http("GET", "/echo")
    def echo_route(self, request):
        return 200, {"Content-Type": "application/json"}, json.dumps({"echo": self.echo.echo("ping")})


class EchoUnconfirmedService:
    name = "bench_echo_unconfirmed"

    @unconfirmed_rpc
    def echo(self, value):
        return value


class EchoUnconfirmedHttpService:
    name = "bench_echo_unconfirmed_http"

    echo = RpcProxy("bench_echo_unconfirmed", use_confirms=False)

    @http("GET", "/echo")
    def echo_route(self, request):
        return 200, {"Content-Type": "application/json"}, json.dumps({"echo": self.echo.echo("ping")})
