"""What the platform says about itself: enum labels, health, the API description."""
from functools import lru_cache

from kombu import Connection
from nameko.extensions import DependencyProvider

from contracts import enums
from gateway import docs, schemas
from gateway.http import route
from gateway.openapi import build_spec
from kit import clock
from kit.calendar import WorkingCalendar


class HealthProbes(DependencyProvider):
    """Quick, bounded probes for /health: the broker, and a service's own health query."""

    def get_dependency(self, worker_ctx):
        server = worker_ctx.entrypoint.server
        return _Probes(worker_ctx.container.config, server.rpc, worker_ctx.data, server.ledger)


class _Probes:
    SECONDS = 2

    def __init__(self, config, rpc, context_data, ledger=None):
        self.config, self.rpc, self.context_data, self.ledger = config, rpc, context_data, ledger

    def ledger_waiting(self):
        return self.ledger.pending() if self.ledger is not None else 0

    def broker(self):
        return _check(lambda: _ping_broker(self.config))

    def service(self, name):
        """"ok" or why not, and the warnings the service gave."""
        answer = {}

        def probe():
            answer.update(self.rpc.call(name, "health", self.context_data, timeout=self.SECONDS) or {})
        return _check(probe), answer.get("warnings") or []


class MetaRoutes:
    probes = HealthProbes()

    @route("GET", "/v1/meta/enums", response=schemas.Enums, summary="枚举代码及中文名称", tag="meta")
    def list_enums(self, request):
        return enums.ALL

    @route("GET", "/health", auth=False, response=schemas.Health,
           summary="健康检查（消息队列；数据库：账户服务及其数据库能否应答，每个请求都依赖它；自 11 月 1 日起下一年的工作日历是否已录入）", tag="meta", essential=True)
    def health(self, request):
        database, warnings = self.probes.service("accounts")
        checks = {"database": database, "broker": self.probes.broker()}
        healthy = all(value == "ok" for value in checks.values())
        # Said ahead of time, not a failure: the accounts service owns the working-day calendar and
        # says from 1 November when next year's schedule is missing (its dates would be provisional).
        # While it cannot answer, the library alone says what is known.
        if database != "ok":
            warning = WorkingCalendar().missing_warning(clock.today())
            warnings = [warning] if warning else []
        checks["calendar"] = f"warning: {warnings[0]}" if warnings else "ok"
        # Entries of the access ledger not yet handed to the broker (they wait while it is away).
        waiting = self.probes.ledger_waiting()
        checks["ledger"] = f"warning: {waiting} entries waiting for the broker" if waiting > 1000 else "ok"
        return (200 if healthy else 503), {"status": "ok" if healthy else "unavailable", "checks": checks}

    # -- documents and pages about the platform (not in the OpenAPI document; logic in gateway/docs.py)
    @route("GET", "/openapi.json", auth=False, summary="OpenAPI 文档", documented=False)
    def openapi(self, request):
        return openapi_document(type(self))

    @route("GET", "/docs", auth=False, summary="API 文档页面（Swagger UI）", documented=False)
    def api_docs(self, request):
        return docs.swagger_page()

    @route("GET", "/docs/assets/<bundle>/<name>", auth=False, summary="文档页面的静态文件", documented=False)
    def docs_asset(self, request, bundle, name):
        return docs.asset(bundle, name)

    @route("GET", "/asyncapi.json", auth=False, summary="AsyncAPI 事件目录", documented=False)
    def asyncapi(self, request):
        return docs.asyncapi_document()

    @route("GET", "/docs/events", auth=False, summary="事件目录页面", documented=False)
    def event_docs(self, request):
        return docs.events_page()


@lru_cache(maxsize=4)
def openapi_document(service_cls):
    return build_spec(service_cls)


def _check(probe):
    try:
        probe()
        return "ok"
    except Exception as exc:  # reported, not raised: health must answer even when things are down
        return f"unavailable: {type(exc).__name__}"


def _ping_broker(config):
    with Connection(config["AMQP_URI"], connect_timeout=2) as connection:
        connection.ensure_connection(max_retries=1)
