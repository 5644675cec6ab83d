"""HTTP plumbing: a nameko ``@http`` entrypoint that speaks JSON only.

Before a worker is spawned, ``route`` authenticates the caller, checks the
route's roles, enforces the body limits and validates the body and query
string with marshmallow, so a rejected call never reaches a service. The
actor and the request id then become nameko context data, which every RPC
made by the worker carries downstream. Every error, including unknown routes,
is ``{"error": {"code", "message", "fields"?}}``, and every response carries
``X-Request-ID``.

A request waits at most HTTP_WORKER_WAIT_SECONDS for one of the MAX_WORKERS
workers; when none frees up in that time it gets a fast 503 with
``Retry-After``, never an unbounded wait. One more worker is kept for
``essential`` routes (``/health``), so the gateway still says how it is while
it is saturated.
"""
import json
import logging
import re
import time
import uuid
from functools import partial

import eventlet
from eventlet.event import Event
from eventlet.semaphore import Semaphore
from kombu.exceptions import OperationalError
from nameko.exceptions import RemoteError
from nameko.web.handlers import HttpRequestHandler
from werkzeug.exceptions import HTTPException, MethodNotAllowed
from werkzeug.wrappers import Request, Response

from gateway import auth, body, ledger, versions
from gateway.server import PROTOCOL, SafeWebServer
from gateway.accounts import AccountChecks
from kit.rpc_client import ServerRpc, ForgetfulReplyListener
from kit import clock
from kit.errors import EXPECTED, DomainError, Forbidden, Overloaded, TooManyRequests
from kit.logging import set_correlation_id
from kit.validation import load

log = logging.getLogger("pingjian.gateway")
access_log = logging.getLogger("pingjian.access")

REQUEST_ID = "pingjian.request_id"
LOGIN = "pingjian.login"  # environ key: the outcome of a login attempt, for the access log
_SAFE_REQUEST_ID = re.compile(r"[A-Za-z0-9._:-]{1,128}")

RESERVED_WORKERS = 1  # for essential routes only

# Every answer: no MIME sniffing; nothing the gateway says is cacheable (tokens, case data) unless
# its route says otherwise (the docs' versioned static assets, which hold no data).
SECURITY_HEADERS = {"X-Content-Type-Options": "nosniff"}
DEFAULT_HEADERS = {"Cache-Control": "no-store"}


def json_response(status, payload, headers=None):
    return Response(json.dumps(payload, ensure_ascii=False), status=status, headers=headers,
                    content_type="application/json; charset=utf-8")


def error_response(status, code, message, fields=None, headers=None, **extra):
    error = {"code": code, "message": message}
    if fields:
        error["fields"] = fields
    error.update(extra)
    return json_response(status, {"error": error}, headers)


class JsonWsgiApp:
    """nameko's WsgiApp, plus request ids, JSON errors for unmatched routes, security headers,
    the correlation id on every log line of the request, and bounded draining of unread bodies."""

    def __init__(self, server):
        self.server = server
        self.url_map = server.make_url_map()

    def __call__(self, environ, start_response):
        offered = environ.get("HTTP_X_REQUEST_ID", "")
        request_id = offered if _SAFE_REQUEST_ID.fullmatch(offered) else uuid.uuid4().hex
        environ[REQUEST_ID] = request_id
        set_correlation_id(request_id)
        try:
            response = self._respond(environ)
            response.headers["X-Request-ID"] = request_id
            response.headers.update(SECURITY_HEADERS)
            for name, value in DEFAULT_HEADERS.items():
                response.headers.setdefault(name, value)
            if not body.drain(environ, self.server.discard_bytes, self.server.socket_seconds):
                protocol = environ.get(PROTOCOL)
                if protocol is not None:
                    protocol.close_connection = 1  # too much left unread: do not read it all
            return response(environ, start_response)
        finally:
            set_correlation_id(None)

    def _respond(self, environ):
        request = Request(environ, shallow=True)
        try:
            provider, values = self.url_map.bind_to_environ(environ).match()
            request.path_values = values
            return provider.handle_request(request)
        except MethodNotAllowed as exc:
            return error_response(405, "method_not_allowed", "不支持该请求方法",
                                  headers={"Allow": ", ".join(self._allowed(request.path, exc.valid_methods))})
        except HTTPException as exc:
            code = "not_found" if exc.code == 404 else "http_error"
            return error_response(exc.code, code, "接口不存在" if exc.code == 404 else exc.name)


    def _allowed(self, path, valid_methods):
        """The methods of the path itself: a path that is a route of its own (/v1/cases/stats) is not
        also /v1/cases/<case_id>, whose PATCH werkzeug would otherwise advertise for it as well."""
        exact = [rule for rule in self.url_map.iter_rules() if not rule.arguments and rule.rule == path]
        if exact:
            return sorted(set().union(*(rule.methods or () for rule in exact)))
        return list(valid_methods or ())


class JsonWebServer(SafeWebServer):
    """The web server (one per container), plus what all routes share: the token verifier (a
    token verified for one route is not verified again for the next) and the account check, which
    asks the accounts service itself, before any worker is spawned."""

    reply_listener = ForgetfulReplyListener()  # shared with every BoundedRpcProxy of the container

    def setup(self):
        super().setup()
        # MAX_WORKERS for the routes, plus the ones kept for essential routes; a slot is taken before
        # a worker is spawned, so spawning never blocks.
        self.container._worker_pool.resize(self.container.max_workers + RESERVED_WORKERS)
        self.worker_slots = Semaphore(self.container.max_workers)
        self.reserved_slots = Semaphore(RESERVED_WORKERS)
        config = self.container.config
        self.worker_wait_seconds = float(config.get("HTTP_WORKER_WAIT_SECONDS", 5))
        self.discard_bytes = int(config.get("HTTP_DISCARD_BYTES", 16 * 1024 * 1024))
        self.tokens = auth.TokenIssuer.from_config(config)
        self.rpc = ServerRpc(self.container, self.reply_listener)
        self.ledger = ledger.Ledger.from_config(config)
        self.accounts = AccountChecks(
            lambda user_id, session_id, context_data: self.rpc.call("accounts", "get_account", context_data,
                                                                    user_id=user_id, session_id=session_id),
            config.get("ACCOUNT_CACHE_SECONDS", 5))

    def start(self):
        super().start()
        self.container.spawn_managed_thread(self.ledger.run, identifier="access_ledger")

    def stop(self):
        super().stop()  # no new requests, then what the ledger still holds goes out (bounded)
        self.ledger.stop(eventlet.sleep)

    def get_wsgi_app(self):
        return JsonWsgiApp(self)


def _query_dict(request):
    # Empty parameters (``?status=``) mean "no filter"; repeated ones keep the first.
    return {key: value for key, value in request.args.items() if value != ""}


class Route(HttpRequestHandler):
    """``@route("POST", "/v1/cases", body=Schema, response=Schema, status=201, roles=(...))``.

    ``essential=True`` lets the route use the worker kept in reserve (``/health``).
    ``documented=False`` keeps the route out of the OpenAPI document (the documents and pages
    about the API, and their assets).
    ``max_in_flight(config)`` bounds how many workers the route may hold at once (a bulkhead: a
    flood of logins, each waiting for argon2, must not take the workers every other route needs).
    ``max_in_flight_per_address(config)`` bounds how many of those one client address may hold (429
    past it), and a client address whose last answer here was a 401 or 429 ("failing") may not take
    the last ``CLEAN_RESERVE`` (LOGIN_CLEAN_RESERVE) of them: a flood of failing logins, from one address or a few, leaves
    a real user at a clean address a worker (issue 19: 300 failing logins from 30 threads made
    login answer 503 to everyone)."""

    CLEAN_RESERVE = 2
    FAILING_REMEMBERED = 10_000  # addresses remembered as failing, per route and process

    server = JsonWebServer()

    def __init__(self, method, url, *, summary="", tag="", auth=True, roles=(), body=None, query=None,
                 response=None, status=200, essential=False, errors=(), max_in_flight=None, documented=True,
                 max_in_flight_per_address=None, **kwargs):
        self.summary, self.tag = summary, tag
        self.documented = documented
        self.auth, self.roles = auth, tuple(roles)
        self.body, self.query, self.response, self.status = body, query, response, status
        self.essential = essential
        self.max_in_flight = max_in_flight
        self._in_flight = 0
        self.max_in_flight_per_address = max_in_flight_per_address
        self._by_address = {}  # address -> requests in flight
        self._failing = {}  # address -> monotonic time of its last 401/429 here
        self.errors = tuple(errors)  # extra documented error statuses (the OpenAPI document lists them)
        kwargs.setdefault("expected_exceptions", EXPECTED)  # 4xx outcomes are logged as warnings, not errors
        super().__init__(method, url, **kwargs)

    @property
    def admin_only(self):
        return self.roles == ("admin",)

    def setup(self):
        super().setup()
        config = self.container.config
        self.max_body_bytes = int(config.get("MAX_BODY_BYTES", 1048576))
        self.timeout = float(config.get("RPC_TIMEOUT_SECONDS", 10))
        # Schemas hold no per-call state: build them once, not per request.
        self._body_schema = self.body() if self.body is not None else None
        self._query_schema = self.query() if self.query is not None else None
        self._in_flight_limit = self.max_in_flight(config) if self.max_in_flight else None
        self._per_address_limit = (self.max_in_flight_per_address(config) if self.max_in_flight_per_address
                                   else None)
        self._failing_seconds = float(config.get("LOGIN_WINDOW_SECONDS", 900))
        self._clean_reserve = int(config.get("LOGIN_CLEAN_RESERVE", self.CLEAN_RESERVE))

    def handle_request(self, request):
        started = time.monotonic()
        arrived = clock.now().isoformat(timespec="milliseconds").replace("+00:00", "Z")
        request.shallow = False
        context_data = {"correlation_id": request.environ[REQUEST_ID]}
        try:
            kwargs = self._admit(request, context_data)
            address = request.remote_addr or ""
            self._admit_address(address)
            # Counted from here (taking a slot may wait, and others arrive meanwhile) until answered.
            self._by_address[address] = self._by_address.get(address, 0) + 1
            try:
                slot = self._take_worker_slot(suspect=self._failing_address(address))
                event = Event()
                try:
                    self.container.spawn_worker(self, (request,), kwargs, context_data=context_data,
                                                handle_result=partial(self._worker_done, event, slot))
                except BaseException:
                    slot.release()
                    raise
                self._in_flight += 1
                try:
                    # A backstop only: the worker's own waits (RPC, database) end within the timeout.
                    with eventlet.Timeout(self.timeout + 2):
                        result = event.wait()
                finally:
                    self._in_flight -= 1
            finally:
                self._by_address[address] -= 1
                if not self._by_address[address]:
                    del self._by_address[address]
            response = self.response_from_result(result)
        except eventlet.Timeout:
            log.error("upstream timeout on %s %s", request.method, request.path)
            response = error_response(504, "upstream_timeout", "后端服务响应超时，请稍后重试")
        except Exception as exc:
            response = self.response_from_exception(exc)
        self._remember_outcome(request.remote_addr or "", response.status_code)
        self._log_access(request, response, context_data.get("actor"), started)
        if self.url.startswith("/v1/"):  # the access ledger (台账): every request on business data
            self._record(request, response, context_data.get("actor"), arrived)
        return response

    def _record(self, request, response, actor, arrived):
        try:
            payload = ledger.entry(request, self.url, response.status_code, actor, arrived)
            login = request.environ.get(LOGIN) or {}
            if payload["user_id"] is None and login.get("user_id"):
                payload["user_id"] = login["user_id"]  # a login names the account it was for
            self.server.ledger.record(payload)
        except Exception:  # the answer goes out regardless; the log says what was not recorded
            log.exception("access ledger entry not recorded for %s %s", request.method, request.path)

    def _admit_address(self, address):
        """One client address holds at most ``max_in_flight_per_address`` of this route's workers."""
        if self._per_address_limit is not None and self._by_address.get(address, 0) >= self._per_address_limit:
            raise TooManyRequests("同一地址的登录请求过多，请稍后再试", retry_after=1)

    def _failing_address(self, address):
        if self._per_address_limit is None:
            return False
        seen = self._failing.get(address)
        return seen is not None and time.monotonic() - seen < self._failing_seconds

    def _remember_outcome(self, address, status):
        if self._per_address_limit is None:
            return
        if status in (401, 429):
            if len(self._failing) >= self.FAILING_REMEMBERED and address not in self._failing:
                cutoff = time.monotonic() - self._failing_seconds
                for known in [a for a, seen in self._failing.items() if seen < cutoff] or list(self._failing)[:1]:
                    self._failing.pop(known, None)
            self._failing[address] = time.monotonic()
        elif status < 400:
            self._failing.pop(address, None)

    def _take_worker_slot(self, suspect=False):
        """The right to spawn a worker: an essential route takes a reserved slot or none; any other
        waits at most HTTP_WORKER_WAIT_SECONDS for one of MAX_WORKERS. Overloaded (503) otherwise.
        A failing address (``suspect``) may not take the route's last CLEAN_RESERVE workers (429)."""
        if self._in_flight_limit is not None:
            if suspect and self._clean_reserve and \
                    self._in_flight >= max(self._in_flight_limit - self._clean_reserve, 1):
                raise TooManyRequests("登录尝试过多，请稍后再试", retry_after=1)
            if self._in_flight >= self._in_flight_limit:
                raise Overloaded("请求过多，请稍后重试", retry_after=1)
        if self.essential:
            slots, wait = self.server.reserved_slots, 0
        else:
            slots, wait = self.server.worker_slots, self.server.worker_wait_seconds
        acquired = slots.acquire(timeout=wait) if wait > 0 else slots.acquire(blocking=False)
        if not acquired:
            raise Overloaded("服务繁忙，请稍后重试", retry_after=1)
        return slots

    def _worker_done(self, event, slot, worker_ctx, result, exc_info):
        slot.release()  # when the worker ends, not when the route stops waiting for it
        return self.handle_result(event, worker_ctx, result, exc_info)

    def _log_access(self, request, response, actor, started):
        # The access log and the ledger of who read or changed what (台账): one line per request,
        # rejected ones included. A login names the account it was for, when that account exists.
        login = request.environ.get(LOGIN) or {}
        access_log.info("%s %s %s", request.method, request.path, response.status_code, extra={
            "method": request.method, "path": request.path, "status": response.status_code,
            "user_id": (actor or {}).get("user_id") or login.get("user_id"), "login": login.get("outcome"),
            "remote_addr": request.remote_addr, "duration_ms": round((time.monotonic() - started) * 1000, 2)})

    def _admit(self, request, context_data):
        """Authenticate, authorize and validate; fills ``context_data``, returns the worker's kwargs."""
        if self.auth:
            verified = self.server.tokens.verify(request.headers.get("Authorization"))
            claimed = verified.actor
            # Known from here on, also to the access log, even if the account check below refuses it.
            context_data["actor"] = claimed.to_dict()
            # Roles as the account has them now; admin-only routes do not trust a cached account.
            actor = self.server.accounts.actor(claimed, verified.version, context_data, fresh=self.admin_only,
                                               session_id=verified.session_id)
            context_data["actor"] = actor.to_dict()
            if self.roles and not actor.has_any_role(*self.roles):
                raise Forbidden("当前角色无权执行此操作")
        kwargs = dict(request.path_values)
        if_match = versions.expected(request, self.url, kwargs)
        if if_match is not None:
            context_data["if_match"] = if_match  # the owning service refuses a stale change (412)
        if self._body_schema is not None:
            data = body.read_json(request, self.max_body_bytes, self.server.socket_seconds)
            kwargs["body"] = load(self._body_schema, data)
        if self._query_schema is not None:
            kwargs["query"] = load(self._query_schema, _query_dict(request))
        return kwargs

    def response_from_result(self, result):
        if isinstance(result, Response):
            return result
        status, payload = result if isinstance(result, tuple) else (self.status, result)
        return json_response(status, payload, versions.etag_headers(payload) if status < 300 else None)

    def response_from_exception(self, exc):
        if isinstance(exc, DomainError):
            headers = {}
            if exc.http_status == 401:
                headers["WWW-Authenticate"] = "Bearer"
            if getattr(exc, "retry_after", None):
                headers["Retry-After"] = str(exc.retry_after)
            current = getattr(exc, "current_version", None)
            if current is not None:  # 412: the version the record is at now, to reload from
                headers["ETag"] = versions.etag(current)
                return error_response(exc.http_status, exc.code, exc.message, exc.fields, headers,
                                      current_version=current)
            return error_response(exc.http_status, exc.code, exc.message, exc.fields, headers)
        if isinstance(exc, (OperationalError, ConnectionError)):  # the broker is unreachable
            log.error("broker unavailable: %r", exc)
            return error_response(503, "service_unavailable", "后端服务暂不可用，请稍后重试", headers={"Retry-After": "5"})
        if isinstance(exc, RemoteError):
            log.error("unmapped remote error %s: %s", exc.exc_type, exc.value)
        else:
            log.exception("unhandled error", exc_info=exc)
        return error_response(500, "internal_error", "服务器内部错误，请联系管理员并提供请求编号")


route = Route.decorator
