"""HTTP plumbing: a nameko ``@http`` entrypoint that speaks JSON only.

Before a worker is spawned, ``route`` authenticates the caller, checks the
route's roles, enforces the body size limit and validates the body and
query string with marshmallow, so a rejected call never reaches a service.
The actor and the request id then become nameko context data, which every
RPC made by the worker carries downstream. Every error, including unknown
routes, is ``{"error": {"code", "message", "fields"?}}``, and every response
carries ``X-Request-ID``.
"""
import json
import logging
import re
import time
import uuid
from functools import partial

import eventlet
from eventlet.event import Event
from kombu.exceptions import OperationalError
from nameko.exceptions import RemoteError
from nameko.web.handlers import HttpRequestHandler
from nameko.web.server import WebServer
from werkzeug.exceptions import HTTPException, MethodNotAllowed
from werkzeug.wrappers import Request, Response

from gateway import auth
from gateway.users import Accounts, UserStore
from kit.errors import EXPECTED, DomainError, Forbidden, ValidationFailed, database_unavailable
from kit.mongo import service_database
from kit.validation import load

log = logging.getLogger("pingjian.gateway")
access_log = logging.getLogger("pingjian.access")

REQUEST_ID = "pingjian.request_id"
_SAFE_REQUEST_ID = re.compile(r"^[A-Za-z0-9._:-]{1,128}$")


def json_response(status, payload, headers=None):
    return Response(json.dumps(payload, ensure_ascii=False), status=status, headers=headers,
                    content_type="application/json; charset=utf-8")


def error_response(status, code, message, fields=None, headers=None):
    error = {"code": code, "message": message}
    if fields:
        error["fields"] = fields
    return json_response(status, {"error": error}, headers)


class PayloadTooLarge(DomainError):
    code = "payload_too_large"
    http_status = 413


class JsonWsgiApp:
    """nameko's WsgiApp, plus request ids and JSON errors for unmatched routes."""

    def __init__(self, server):
        self.url_map = server.make_url_map()

    def __call__(self, environ, start_response):
        offered = environ.get("HTTP_X_REQUEST_ID", "")
        request_id = offered if _SAFE_REQUEST_ID.match(offered) else uuid.uuid4().hex
        environ[REQUEST_ID] = request_id
        request = Request(environ, shallow=True)
        try:
            provider, values = self.url_map.bind_to_environ(environ).match()
            request.path_values = values
            response = provider.handle_request(request)
        except MethodNotAllowed as exc:
            response = error_response(405, "method_not_allowed", "不支持该请求方法",
                                      headers={"Allow": ", ".join(exc.valid_methods or ())})
        except HTTPException as exc:
            code = "not_found" if exc.code == 404 else "http_error"
            response = error_response(exc.code, code, "接口不存在" if exc.code == 404 else exc.name)
        response.headers["X-Request-ID"] = request_id
        return response(environ, start_response)


class JsonWebServer(WebServer):
    """nameko's web server (one per container), plus the one token verifier all routes share,
    so a token verified for one route is not verified again for the next."""

    def setup(self):
        super().setup()
        config = self.container.config
        self.tokens = auth.TokenIssuer.from_config(config)
        self.accounts = Accounts(UserStore(service_database(config, self.container.service_name)),
                                 config.get("ACCOUNT_CACHE_SECONDS", 5))

    def get_wsgi_app(self):
        return JsonWsgiApp(self)


def _read_json(request, max_bytes):
    if request.content_length is not None and request.content_length > max_bytes:
        raise PayloadTooLarge(f"请求体超过上限 {max_bytes} 字节")
    raw = request.get_data(cache=False)
    if len(raw) > max_bytes:
        raise PayloadTooLarge(f"请求体超过上限 {max_bytes} 字节")
    if not raw.strip():
        return {}
    try:
        return json.loads(raw)
    except ValueError as exc:  # includes invalid UTF-8
        raise ValidationFailed("请求体不是有效的 JSON", fields={"_body": [f"JSON 解析失败：{exc}"]}) from None
    except RecursionError:
        raise ValidationFailed("请求体不是有效的 JSON", fields={"_body": ["JSON 嵌套层数过深"]}) from None


def _query_dict(request):
    # Empty parameters (``?status=``) mean "no filter"; repeated ones keep the first.
    return {key: value for key, value in request.args.items() if value != ""}


class Route(HttpRequestHandler):
    """``@route("POST", "/v1/cases", body=Schema, response=Schema, status=201, roles=(...))``."""

    server = JsonWebServer()

    def __init__(self, method, url, *, summary="", tag="", auth=True, roles=(), body=None, query=None,
                 response=None, status=200, **kwargs):
        self.summary, self.tag = summary, tag
        self.auth, self.roles = auth, tuple(roles)
        self.body, self.query, self.response, self.status = body, query, response, status
        kwargs.setdefault("expected_exceptions", EXPECTED)  # 4xx outcomes are logged as warnings, not errors
        super().__init__(method, url, **kwargs)

    def setup(self):
        super().setup()
        config = self.container.config
        self.max_body_bytes = int(config.get("MAX_BODY_BYTES", 1048576))
        self.timeout = float(config.get("RPC_TIMEOUT_SECONDS", 10))
        # Schemas hold no per-call state: build them once, not per request.
        self._body_schema = self.body() if self.body is not None else None
        self._query_schema = self.query() if self.query is not None else None

    def handle_request(self, request):
        started = time.monotonic()
        request.shallow = False
        context_data = {"correlation_id": request.environ[REQUEST_ID]}
        try:
            kwargs = self._admit(request, context_data)
            event = Event()
            self.container.spawn_worker(self, (request,), kwargs, context_data=context_data,
                                        handle_result=partial(self.handle_result, event))
            with eventlet.Timeout(self.timeout):
                result = event.wait()
            response = self.response_from_result(result)
        except eventlet.Timeout:
            log.error("upstream timeout on %s %s", request.method, request.path)
            response = error_response(504, "upstream_timeout", "后端服务响应超时，请稍后重试")
        except Exception as exc:
            response = self.response_from_exception(exc)
        self._log_access(request, response, context_data.get("actor"), started)
        return response

    def _log_access(self, request, response, actor, started):
        # The access log and the ledger of who read or changed what (台账): one line per request,
        # rejected ones included.
        access_log.info("%s %s %s", request.method, request.path, response.status_code, extra={
            "correlation_id": request.environ[REQUEST_ID], "method": request.method, "path": request.path,
            "status": response.status_code, "user_id": (actor or {}).get("user_id"),
            "remote_addr": request.remote_addr, "duration_ms": round((time.monotonic() - started) * 1000, 2)})

    def _admit(self, request, context_data):
        """Authenticate, authorize and validate; fills ``context_data``, returns the worker's kwargs."""
        if self.auth:
            claimed, token_version = self.server.tokens.verify(request.headers.get("Authorization"))
            # Known from here on, also to the access log, even if the account check below refuses it.
            context_data["actor"] = claimed.to_dict()
            actor = self.server.accounts.actor(claimed, token_version)  # roles as the account has them now
            context_data["actor"] = actor.to_dict()
            if self.roles and not actor.has_any_role(*self.roles):
                raise Forbidden("当前角色无权执行此操作")
        kwargs = dict(request.path_values)
        if self._body_schema is not None:
            kwargs["body"] = load(self._body_schema, _read_json(request, self.max_body_bytes))
        if self._query_schema is not None:
            kwargs["query"] = load(self._query_schema, _query_dict(request))
        return kwargs

    def response_from_result(self, result):
        if isinstance(result, Response):
            return result
        status, payload = result if isinstance(result, tuple) else (self.status, result)
        return json_response(status, payload)

    def response_from_exception(self, exc):
        if isinstance(exc, DomainError):
            headers = {"WWW-Authenticate": "Bearer"} if exc.http_status == 401 else None
            return error_response(exc.http_status, exc.code, exc.message, exc.fields, headers)
        if database_unavailable(exc):  # the gateway's own database (users)
            log.error("database unavailable: %r", exc)
            return error_response(503, "service_unavailable", "数据库暂不可用，请稍后重试")
        if isinstance(exc, (OperationalError, ConnectionError)):  # the broker is unreachable
            log.error("broker unavailable: %r", exc)
            return error_response(503, "service_unavailable", "后端服务暂不可用，请稍后重试")
        if isinstance(exc, RemoteError):
            log.error("unmapped remote error %s: %s", exc.exc_type, exc.value)
        else:
            log.exception("unhandled error", exc_info=exc)
        return error_response(500, "internal_error", "服务器内部错误，请联系管理员并提供请求编号")


route = Route.decorator
