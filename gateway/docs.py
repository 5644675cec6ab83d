"""The pages about the platform, for people, served by the gateway itself (the procuratorate's
network has no internet: no CDN): Swagger UI over ``/openapi.json`` — its assets come from the
``swagger-ui-bundle`` package — and the event catalogue (``/asyncapi.json``, ``/docs/events``).

"Try it out" calls the gateway that served the page (the OpenAPI document names no server, so
Swagger UI uses the page's origin); "Authorize" takes the ``access_token`` of ``POST
/v1/auth/token`` and sends it as ``Authorization: Bearer``. The token lives in the page only: it
is not kept in the browser's storage (``persistAuthorization`` stays off on shared computers).
"""
import json
from functools import lru_cache

from swagger_ui_bundle import swagger_ui_path
from werkzeug.wrappers import Response

from kit.errors import NotFound

# "swagger-ui-4.15.5": the version is in every asset URL, so a browser may keep an asset for long;
# an upgrade of the package changes the URLs.
SWAGGER_UI = swagger_ui_path.name
ASSETS = f"/docs/assets/{SWAGGER_UI}"
ASSET_CACHE = "public, max-age=31536000, immutable"
# Explicit types: every answer carries X-Content-Type-Options: nosniff, so a browser runs a script
# or applies a style sheet only when its Content-Type says it is one.
_ASSET_TYPES = {".js": "text/javascript; charset=utf-8", ".css": "text/css; charset=utf-8",
                ".png": "image/png", ".map": "application/json; charset=utf-8"}
HTML = "text/html; charset=utf-8"

_SWAGGER_CONFIG = {
    "url": "/openapi.json",
    "dom_id": "#swagger-ui",
    "deepLinking": True,
    "validatorUrl": None,  # the default asks validator.swagger.io: no internet here, and no leaks
    "layout": "BaseLayout",
    "displayRequestDuration": True,
    "persistAuthorization": False,
    "docExpansion": "list",
    "defaultModelsExpandDepth": 0,
}

_STYLE = """
body{margin:0}
.pingjian-bar{font-family:system-ui,"Noto Sans CJK SC","Microsoft YaHei",sans-serif;background:#1b4d89;color:#fff;
padding:.7em 1.5em;display:flex;flex-wrap:wrap;gap:1.2em;align-items:baseline}
.pingjian-bar strong{font-size:1.15em}.pingjian-bar a{color:#fff}
.pingjian-hint{font-family:system-ui,"Noto Sans CJK SC","Microsoft YaHei",sans-serif;max-width:1460px;
margin:1em auto 0;padding:0 20px;color:#555}
"""


def swagger_page():
    config = json.dumps(_SWAGGER_CONFIG)
    body = "".join([
        "<!doctype html><html lang='zh-CN'><head><meta charset='utf-8'><title>智慧平检 Pingjian API 文档</title>",
        "<meta name='viewport' content='width=device-width, initial-scale=1'>",
        f"<link rel='stylesheet' href='{ASSETS}/swagger-ui.css'>",
        f"<link rel='icon' type='image/png' href='{ASSETS}/favicon-32x32.png'>",
        f"<style>{_STYLE}</style></head><body>",
        "<div class='pingjian-bar'><strong>智慧平检 Pingjian API</strong>",
        "<a href='/docs/events'>事件目录</a><a href='/openapi.json'>OpenAPI 文档（JSON）</a>",
        "<a href='/asyncapi.json'>AsyncAPI 文档（JSON）</a></div>",
        "<p class='pingjian-hint'>调试接口：先在 <code>POST /v1/auth/token</code> 点 “Try it out” 登录，"
        "复制返回的 <code>access_token</code>，再点 “Authorize” 填入；此后 “Try it out” 的请求都带上该令牌，"
        "直接发往本网关。令牌只保存在本页面中，关闭页面即失效。</p>",
        "<div id='swagger-ui'></div>",
        f"<script src='{ASSETS}/swagger-ui-bundle.js'></script>",
        # window.ui: Swagger UI's handle, for people in the browser console and the browser test.
        f"<script>window.ui = SwaggerUIBundle(Object.assign({config}, "
        "{presets: [SwaggerUIBundle.presets.apis]}));</script>",
        "</body></html>",
    ])
    return Response(body, content_type=HTML)


def asset(bundle, name):
    """One file of the Swagger UI bundle, by its versioned URL; anything else is a 404."""
    content = _asset(bundle, name)
    if content is None:
        raise NotFound("文件不存在")
    data, content_type = content
    return Response(data, content_type=content_type, headers={"Cache-Control": ASSET_CACHE})


@lru_cache(maxsize=32)
def _asset(bundle, name):
    suffix = name[name.rfind("."):] if "." in name else ""
    # Only names the bundle's own folder lists: no path of the client's making is ever opened.
    if bundle != SWAGGER_UI or suffix not in _ASSET_TYPES or name not in _bundle_files():
        return None
    return (swagger_ui_path / name).read_bytes(), _ASSET_TYPES[suffix]


@lru_cache(maxsize=1)
def _bundle_files():
    return frozenset(entry.name for entry in swagger_ui_path.iterdir() if entry.is_file())


@lru_cache(maxsize=1)
def asyncapi_document():
    from contracts.catalogue import asyncapi  # imports every service module: on first use only
    return asyncapi.build()


def events_page():
    return Response(_events_html(), content_type=HTML)


@lru_cache(maxsize=1)
def _events_html():
    from contracts.catalogue import html
    return html.render(asyncapi_document())
