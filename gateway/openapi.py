"""The OpenAPI 3 document, generated from the same routes and marshmallow
schemas the gateway validates with (so the document cannot drift)."""
import inspect
import re
from collections import defaultdict

from apispec import APISpec
from apispec.ext.marshmallow import MarshmallowPlugin

from gateway.http import Route
from gateway.schemas import Error

_PATH_PARAM = re.compile(r"<(?:[^:>]+:)?([^>]+)>")

_ERRORS = {
    "400": "请求参数有误（fields 指明字段）",
    "401": "未登录或令牌无效",
    "403": "无权执行此操作",
    "404": "资源不存在",
    "409": "与当前状态冲突",
    "413": "请求体过大",
}


def routes_of(service_cls):
    for name, member in inspect.getmembers(service_cls, inspect.isfunction):
        for entrypoint in getattr(member, "nameko_entrypoints", ()):
            if isinstance(entrypoint, Route):
                yield name, entrypoint


def _error(description):
    return {"description": description, "content": {"application/json": {"schema": "Error"}}}


def _operation(name, route):
    path_params = _PATH_PARAM.findall(route.url)
    op = {"operationId": name, "summary": route.summary, "tags": [route.tag] if route.tag else [],
          "parameters": [{"in": "path", "name": p, "required": True, "schema": {"type": "string"}}
                         for p in path_params],
          "responses": {}}
    if route.query is not None:
        op["parameters"].append({"in": "query", "schema": route.query})
    if route.body is not None:
        op["requestBody"] = {"required": True, "content": {"application/json": {"schema": route.body}}}
    ok = {"description": "成功"}
    if route.response is not None:
        ok["content"] = {"application/json": {"schema": route.response}}
    op["responses"][str(route.status)] = ok
    wanted = {"400": route.body is not None or route.query is not None,
              "401": route.auth, "403": route.auth,
              "404": bool(path_params), "409": route.method == "POST" and route.auth,
              "413": route.body is not None}
    for status, applies in wanted.items():
        if applies:
            op["responses"][status] = _error(_ERRORS[status])
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
        if route.url in ("/openapi.json", "/docs"):
            continue
        for method in route.method.split(","):
            paths[_PATH_PARAM.sub(r"{\1}", route.url)][method.lower()] = _operation(name, route)
    for path, operations in sorted(paths.items()):
        spec.path(path=path, operations=operations)
    return spec.to_dict()
