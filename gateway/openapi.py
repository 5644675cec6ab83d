"""The OpenAPI 3 document, generated from the same routes and marshmallow
schemas the gateway validates with (so the document cannot drift)."""
import inspect
import re
from collections import defaultdict

from apispec import APISpec
from apispec.ext.marshmallow import MarshmallowPlugin

from gateway import versions
from gateway.http import Route
from gateway.schemas import Error

_PATH_PARAM = re.compile(r"<(?:[^:>]+:)?([^>]+)>")

_ERRORS = {
    "400": "请求参数有误（fields 指明字段）",
    "401": "未登录或令牌无效",
    "403": "无权执行此操作",
    "404": "资源不存在",
    "409": "与当前状态冲突",
    "412": "If-Match 的版本已过时：记录已被他人修改，未写入（current_version 与 ETag 为当前版本）",
    "413": "请求体过大",
    "415": "请求体不是 JSON（需 Content-Type: application/json）",
    "429": "请求过于频繁（如登录失败过多），见 Retry-After",
    "503": "服务繁忙或依赖（数据库、消息队列、后端服务）暂不可用，见 Retry-After",
    "504": "后端服务响应超时",
}
_RETRY_AFTER = {"Retry-After": {"description": "建议多少秒后重试", "schema": {"type": "integer"}}}
# Routes served by the gateway alone, without a service behind them: they cannot time out upstream.
_LOCAL = ("/health",)


def routes_of(service_cls):
    for name, member in inspect.getmembers(service_cls, inspect.isfunction):
        for entrypoint in getattr(member, "nameko_entrypoints", ()):
            if isinstance(entrypoint, Route):
                yield name, entrypoint


def _error(status):
    response = {"description": _ERRORS[status], "content": {"application/json": {"schema": "Error"}}}
    if status in ("429", "503"):
        response["headers"] = _RETRY_AFTER
    return response


def _operation(name, route):
    path_params = _PATH_PARAM.findall(route.url)
    op = {"operationId": name, "summary": route.summary, "tags": [route.tag] if route.tag else [],
          "parameters": [{"in": "path", "name": p, "required": True, "schema": {"type": "string"}}
                         for p in path_params],
          "responses": {}}
    if route.query is not None:
        op["parameters"].append({"in": "query", "schema": route.query})
    checks_version = route.method in versions.CHANGING and bool(path_params) and route.auth
    if checks_version:
        op["parameters"].append({"in": "header", "name": "If-Match", "required": False, "schema": {"type": "string"},
                                 "description": "可选：所依据的记录版本（读取时响应头 ETag 的值）；已过时则 412，不写入"})
    if route.body is not None:
        op["requestBody"] = {"required": True, "content": {"application/json": {"schema": route.body}}}
    ok = {"description": "成功"}
    if route.response is not None:
        ok["content"] = {"application/json": {"schema": route.response}}
    op["responses"][str(route.status)] = ok
    if route.response is not None and "version" in route.response._declared_fields:
        ok["headers"] = {"ETag": {"description": "记录的版本（修改时可作 If-Match 发回）", "schema": {"type": "string"}}}
    declared = {str(status) for status in route.errors} | ({"412"} if checks_version else set())
    wanted = {"400": route.body is not None or route.query is not None,
              "401": route.auth, "403": route.auth,
              "404": bool(path_params), "409": route.method == "POST" and route.auth,
              "413": route.body is not None, "415": route.body is not None,
              "503": True, "504": route.url not in _LOCAL}
    for status in sorted(_ERRORS):
        if wanted.get(status) or status in declared:
            op["responses"][status] = _error(status)
    if route.url == "/health":  # unhealthy is a 503 with the same body as healthy
        op["responses"]["503"] = {**ok, "description": "依赖（数据库或消息队列）不可用"}
    if route.roles:
        op["description"] = "需要角色：" + "、".join(route.roles)
    if not route.auth:
        op["security"] = []
    return op


def build_spec(service_cls):
    spec = APISpec(title="智慧平检 Pingjian API", version="1.0.0", openapi_version="3.0.3",
                   plugins=[MarshmallowPlugin()],
                   info={"description": "区人民检察院工作平台 HTTP 接口。除登录与健康检查外均需 Bearer 令牌。"},
                   security=[{"bearer": []}])
    spec.components.security_scheme("bearer", {"type": "http", "scheme": "bearer", "bearerFormat": "JWT"})
    spec.components.schema("Error", schema=Error)
    paths = defaultdict(dict)
    for name, route in routes_of(service_cls):
        if not route.documented:
            continue
        for method in route.method.split(","):
            paths[_PATH_PARAM.sub(r"{\1}", route.url)][method.lower()] = _operation(name, route)
    for path, operations in sorted(paths.items()):
        spec.path(path=path, operations=operations)
    document = spec.to_dict()
    _apply_schema_extras(document, service_cls)
    for operations in document["paths"].values():
        for op in operations.values():
            for parameter in op.get("parameters", []):
                if parameter["in"] == "query":  # ``?status=`` means "no filter" (gateway.http._query_dict)
                    parameter["allowEmptyValue"] = True
    return document


def _apply_schema_extras(document, service_cls):
    """Constraints marshmallow checks in code (``@validates_schema``) that apispec cannot see,
    declared on the schema class as ``openapi_extra`` (e.g. ``minProperties``)."""
    components = document.get("components", {}).get("schemas", {})
    for _, route in routes_of(service_cls):
        for schema_cls in (route.body, route.query):
            extra = getattr(schema_cls, "openapi_extra", None)
            name = getattr(schema_cls, "__name__", "").removesuffix("Schema")
            if extra and name in components:
                components[name].update(extra)
