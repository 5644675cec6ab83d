"""The gateway without a broker: its route table, its error mapping and its admission of requests,
and the thin route bodies with the services replaced (nameko's worker_factory)."""
import copy
import io
import json
import time
from unittest.mock import Mock

import pytest
from kombu.exceptions import OperationalError
from nameko.exceptions import RemoteError, deserialize, serialize
from nameko.testing.services import worker_factory
from werkzeug.test import EnvironBuilder
from werkzeug.wrappers import Request

from gateway.accounts import AccountChecks
from gateway.auth import TokenIssuer
from gateway.body import PayloadTooLarge, UnsupportedMediaType
from gateway.http import REQUEST_ID, Route
from gateway.openapi import routes_of
from gateway.service import ROUTE_MIXINS, GatewayService
from kit.errors import (Conflict, ContractViolation, Forbidden, NotFound, Overloaded, TooManyRequests, Unauthorized,
                        Unavailable, UpstreamTimeout, ValidationFailed)

SECRET = "s" * 40
ROUTES = dict(routes_of(GatewayService))


# -- the route table ------------------------------------------------------------------------------

def _own_methods(mixin):
    return {name for name, value in vars(mixin).items() if callable(value) and not name.startswith("__")}


def test_no_two_route_mixins_define_the_same_method():
    seen = {}
    for mixin in ROUTE_MIXINS:
        for name in _own_methods(mixin):
            assert name not in seen, f"{mixin.__name__}.{name} hides {seen[name]}.{name}"
            seen[name] = mixin.__name__


def test_no_two_routes_share_a_method_and_path():
    seen = {}
    for mixin in ROUTE_MIXINS:
        for name in _own_methods(mixin):
            for entrypoint in getattr(vars(mixin)[name], "nameko_entrypoints", ()):
                if isinstance(entrypoint, Route):
                    for method in entrypoint.method.split(","):
                        key = (method, entrypoint.url)
                        assert key not in seen, f"{key} is served by {seen[key]} and {mixin.__name__}.{name}"
                        seen[key] = f"{mixin.__name__}.{name}"
    assert len(seen) == len(ROUTES)  # every route of the service comes from a mixin


# -- the error mapping ----------------------------------------------------------------------------

ERRORS = [
    (ValidationFailed("请求参数有误", fields={"x": ["缺少必填字段"]}), 400, "validation_error", {}),
    (ContractViolation("事件不符合契约"), 400, "contract_violation", {}),
    (Unauthorized("需要登录"), 401, "unauthorized", {"WWW-Authenticate": "Bearer"}),
    (Forbidden("无权"), 403, "forbidden", {}),
    (NotFound("案件不存在"), 404, "not_found", {}),
    (Conflict("案号已存在", fields={"case_no": ["案号已存在"]}), 409, "conflict", {}),
    (PayloadTooLarge("过大"), 413, "payload_too_large", {}),
    (UnsupportedMediaType("不是 JSON"), 415, "unsupported_media_type", {}),
    (TooManyRequests("登录失败次数过多", retry_after=42), 429, "too_many_requests", {"Retry-After": "42"}),
    (Overloaded("繁忙", retry_after=1), 503, "overloaded", {"Retry-After": "1"}),
    (Unavailable("数据库暂不可用"), 503, "service_unavailable", {}),
    (UpstreamTimeout("超时"), 504, "upstream_timeout", {}),
    (OperationalError("broker gone"), 503, "service_unavailable", {"Retry-After": "5"}),
    (ConnectionRefusedError("broker gone"), 503, "service_unavailable", {"Retry-After": "5"}),
    (RemoteError("KeyError", "bug in a service"), 500, "internal_error", {}),
    (RuntimeError("bug in the gateway"), 500, "internal_error", {}),
]


@pytest.mark.parametrize("error,status,code,headers", ERRORS, ids=[type(e[0]).__name__ for e in ERRORS])
def test_every_error_maps_to_one_status_and_body(error, status, code, headers):
    for exc in (error, _across_rpc(error)):
        response = Route("GET", "/x").response_from_exception(exc)
        body = json.loads(response.get_data())
        assert (response.status_code, body["error"]["code"]) == (status, code)
        assert body["error"]["message"]
        for name, value in headers.items():
            assert response.headers[name] == value
        if getattr(error, "fields", None):
            assert body["error"]["fields"] == error.fields
        assert "None" not in response.get_data(as_text=True)


def _across_rpc(exc):
    """What the gateway receives when a service raised ``exc`` (typed errors keep their type); errors
    only the gateway itself raises stay as they are."""
    local = (OperationalError, OSError, RemoteError, RuntimeError, PayloadTooLarge, UnsupportedMediaType)
    return exc if isinstance(exc, local) else deserialize(serialize(exc))


# -- admission ------------------------------------------------------------------------------------

ACCOUNTS = {
    "u-admin": {"id": "u-admin", "username": "admin", "roles": ["admin"], "department": "general",
                "active": True, "token_version": 0},
    "u-head": {"id": "u-head", "username": "wang", "roles": ["department_head"], "department": "criminal",
               "active": True, "token_version": 0},
    "u-gone": {"id": "u-gone", "username": "gone", "roles": ["prosecutor"], "department": "criminal",
               "active": False, "token_version": 1},
}


class FakeServer:
    def __init__(self):
        self.tokens = TokenIssuer(SECRET, 600)
        self.fetches = []
        self.accounts = AccountChecks(self._fetch, ttl_seconds=60)
        self.socket_seconds = 5

    def _fetch(self, user_id, session_id, context_data):
        self.fetches.append(user_id)
        return ACCOUNTS.get(user_id)


def admit(name, *, token_of=None, body=None, raw=None, content_type="application/json", query=None, **path):
    """Run ``name``'s admission as the gateway does before spawning a worker."""
    route = copy.copy(ROUTES[name])
    route.server = server = FakeServer()
    route.max_body_bytes = 1024
    route._body_schema = route.body() if route.body else None
    route._query_schema = route.query() if route.query else None
    data = raw if raw is not None else (json.dumps(body).encode() if body is not None else b"")
    headers = {"Authorization": f"Bearer {server.tokens.issue(ACCOUNTS[token_of])}"} if token_of else {}
    environ = EnvironBuilder(method=route.method.split(",")[0], path=route.url, query_string=query, headers=headers,
                             data=data, content_type=content_type if data else None).get_environ()
    environ["wsgi.input"] = io.BytesIO(data)
    environ[REQUEST_ID] = "req-1"
    request = Request(environ)
    request.path_values = path
    context = {"correlation_id": "req-1"}
    return route._admit(request, context), context, server


def refused(name, **kwargs):
    with pytest.raises(Exception) as caught:
        admit(name, **kwargs)
    return caught.value


def test_a_call_without_a_valid_token_is_401():
    assert isinstance(refused("list_cases"), Unauthorized)
    assert isinstance(refused("list_cases", token_of="u-gone"), Unauthorized)  # deactivated, older version


def test_a_role_the_route_needs_is_checked_before_anything_else():
    error = refused("create_user", token_of="u-head", body={"username": "x"})
    assert isinstance(error, Forbidden)


def test_body_and_query_are_validated_naming_the_fields():
    error = refused("register_case", token_of="u-head", body={"case_no": "", "category": "murder"})
    assert isinstance(error, ValidationFailed) and {"case_no", "category", "title", "department"} <= set(error.fields)
    error = refused("list_cases", token_of="u-head", query="limit=0&colour=red")
    assert isinstance(error, ValidationFailed) and {"limit", "colour"} <= set(error.fields)
    assert isinstance(refused("register_case", token_of="u-head", raw=b"case_no=1", content_type="text/plain"),
                      UnsupportedMediaType)
    assert isinstance(refused("register_case", token_of="u-head", raw=b"{" + b" " * 2000 + b"}"), PayloadTooLarge)


def test_an_admitted_call_carries_the_actor_and_its_loaded_input():
    kwargs, context, _ = admit("register_case", token_of="u-head",
                               body={"case_no": " 平检刑诉〔2026〕1号 ", "title": "张某案", "category": "criminal",
                                     "department": "criminal"})
    assert kwargs["body"]["case_no"] == "平检刑诉〔2026〕1号" and kwargs["body"]["handler_id"] is None
    assert context["actor"] == {"user_id": "u-head", "roles": ["department_head"], "department": "criminal"}
    kwargs, _, _ = admit("get_case", token_of="u-head", case_id="c-1")
    assert kwargs == {"case_id": "c-1"}


def test_admin_only_routes_ask_for_the_account_every_time():
    route = copy.copy(ROUTES["unlock_user"])
    route.server = server = FakeServer()
    route._body_schema = route._query_schema = None
    headers = {"Authorization": f"Bearer {server.tokens.issue(ACCOUNTS['u-admin'])}"}
    for _ in range(3):
        request = Request(EnvironBuilder(method="POST", path="/v1/users/x/unlock", headers=headers).get_environ())
        request.path_values = {"user_id": "x"}
        route._admit(request, {"correlation_id": "r"})
    assert server.fetches == ["u-admin"] * 3
    _, _, cached = admit("list_cases", token_of="u-head")
    assert cached.fetches == ["u-head"]


def test_admission_needs_no_broker_and_is_fast():
    started = time.monotonic()
    for _ in range(200):
        admit("list_cases", token_of="u-head", query="status=registered&limit=5")
    assert time.monotonic() - started < 5  # a sanity bound for "no I/O", not a benchmark


# -- route bodies with the services replaced ---------------------------------------------------

def test_a_login_asks_accounts_and_issues_a_token_for_the_account_it_returns():
    gateway = worker_factory(GatewayService, tokens=TokenIssuer(SECRET, 600))
    gateway.accounts.authenticate.return_value = {"account": ACCOUNTS["u-head"], "account_id": "u-head"}
    request = Mock(environ={}, remote_addr="10.1.2.3")
    token = gateway.issue_token(request, {"username": "wang", "password": "pw"})
    gateway.accounts.authenticate.assert_called_once_with(
        body={"username": "wang", "password": "pw", "address": "10.1.2.3"})
    assert TokenIssuer(SECRET, 600).actor_from_header("Bearer " + token["access_token"]).user_id == "u-head"
    assert request.environ["pingjian.login"] == {"outcome": "succeeded", "user_id": "u-head"}

    gateway.accounts.authenticate.return_value = {"account": None, "account_id": "u-head"}
    with pytest.raises(Unauthorized):
        gateway.issue_token(request, {"username": "wang", "password": "wrong"})
    assert request.environ["pingjian.login"] == {"outcome": "failed", "user_id": "u-head"}


def test_a_registration_resolves_its_handler_through_accounts_before_calling_cases():
    gateway = worker_factory(GatewayService)
    gateway.accounts.find_active.return_value = ACCOUNTS["u-head"]
    body = {"case_no": "1", "title": "t", "category": "criminal", "department": "criminal", "handler_id": "u-head"}
    gateway.register_case(Mock(), body)
    gateway.cases.register_case.assert_called_once_with(
        body=body, handler={"user_id": "u-head", "roles": ["department_head"], "department": "criminal"})

    gateway.accounts.find_active.return_value = None
    with pytest.raises(ValidationFailed) as error:
        gateway.register_case(Mock(), {**body, "handler_id": "nobody"})
    assert "handler_id" in error.value.fields
