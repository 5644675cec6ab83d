"""The staff console (issue 23): the Vue application built from ``console/`` (``make console``:
npm ci + vite build into ``console/dist``), served by the gateway itself — the procuratorate's
network has no internet, so nothing comes from a CDN.

- ``/`` and every page of the console (``PAGES``: the first segment of a console route, e.g.
  ``/cases/<id>``) answer ``index.html`` with ``Cache-Control: no-store``, so a new build is seen
  at the next load.
- ``/assets/<name>``: the build's files, whose names carry a hash of their content, with a cache of
  a year (``immutable``); only names the build's own folder lists are served.
- A strict Content-Security-Policy on the page: scripts, styles, fonts and calls from this origin
  only, no inline script, no eval, no framing.
- Not built (a checkout without Node.js): a zh-CN page with 503 saying how to build it.

The build output is not committed; ``make run`` and ``make test`` build it when its sources change.
The console calls only the public ``/v1`` API, the same as any client.
"""
import gzip
import os
import re
from functools import lru_cache
from pathlib import Path

from werkzeug.wrappers import Response

from kit.errors import NotFound

ROOT = Path(__file__).resolve().parent.parent
# The first path segment of every console page (console/src/router.ts); a new page adds its own.
PAGES = ("login", "workbench", "cases")
ASSET_CACHE = "public, max-age=31536000, immutable"
HTML = "text/html; charset=utf-8"
CSP = "; ".join([
    "default-src 'self'",
    "script-src 'self'",
    "style-src 'self'",
    "img-src 'self' data:",
    "font-src 'self'",
    "connect-src 'self'",
    "object-src 'none'",
    "base-uri 'self'",
    "form-action 'self'",
    "frame-ancestors 'none'",
])
PAGE_HEADERS = {"Cache-Control": "no-store", "Content-Security-Policy": CSP,
                "Referrer-Policy": "same-origin", "X-Frame-Options": "DENY"}
_TYPES = {".js": "text/javascript; charset=utf-8", ".css": "text/css; charset=utf-8",
          ".svg": "image/svg+xml", ".png": "image/png", ".woff2": "font/woff2", ".woff": "font/woff",
          ".ttf": "font/ttf", ".ico": "image/x-icon", ".map": "application/json; charset=utf-8"}
_SAFE_NAME = re.compile(r"[A-Za-z0-9_][A-Za-z0-9._-]{0,200}")

NOT_BUILT = """<!doctype html><html lang="zh-CN"><head><meta charset="utf-8"><title>智慧平检 · 控制台尚未构建</title>
<meta name="viewport" content="width=device-width, initial-scale=1"></head>
<body style="font-family:system-ui,'Noto Sans CJK SC','Microsoft YaHei',sans-serif;max-width:40em;margin:4em auto;padding:0 1em">
<h1>控制台尚未构建</h1>
<p>本网关的工作台页面（控制台）还没有构建。请在项目目录执行 <code>make run</code>（或 <code>make console</code>），
它会用 npm 安装依赖并构建控制台；需要 Node.js 20.19 及以上版本与 npm（Debian：<code>apt-get install nodejs npm</code>）。</p>
<p>接口本身照常可用：<a href="/docs">API 文档</a>。</p></body></html>"""


def dist_dir():
    return Path(os.environ.get("PINGJIAN_CONSOLE_DIST") or ROOT / "console" / "dist")


def page():
    """index.html of the build, or the zh-CN 503 page when there is none."""
    index = dist_dir() / "index.html"
    try:
        body = index.read_bytes()
    except OSError:
        return Response(NOT_BUILT, status=503, content_type=HTML,
                        headers={**PAGE_HEADERS, "Retry-After": "60",
                                 # the page above has its own style attribute and nothing else
                                 "Content-Security-Policy": CSP.replace("style-src 'self'", "style-src 'unsafe-inline'")})
    return Response(body, content_type=HTML, headers=PAGE_HEADERS)


_COMPRESSIBLE = (".js", ".css", ".svg", ".map")


def asset(name, accept_encoding=""):
    """A file of the build's ``assets/`` folder, by its hashed name; anything else is a 404. Text
    files go out gzip-compressed to a browser that accepts it (a third of the bytes on the wire)."""
    suffix = name[name.rfind("."):] if "." in name else ""
    folder = dist_dir() / "assets"
    # Only a name the folder itself lists: no path of the client's making is ever opened.
    if not _SAFE_NAME.fullmatch(name) or suffix not in _TYPES:
        raise NotFound("文件不存在")
    try:
        listed = name in os.listdir(folder)
        data = (folder / name).read_bytes() if listed else None
    except OSError:
        data = None
    if data is None:
        raise NotFound("文件不存在")
    headers = {"Cache-Control": ASSET_CACHE}
    if suffix in _COMPRESSIBLE:
        headers["Vary"] = "Accept-Encoding"
        if "gzip" in (accept_encoding or "").lower():
            data = _gzipped(data)
            headers["Content-Encoding"] = "gzip"
    return Response(data, content_type=_TYPES[suffix], headers=headers)


@lru_cache(maxsize=64)
def _gzipped(data):
    # Keyed by the content: a file's name carries its hash, so a rebuild is a new entry.
    return gzip.compress(data, compresslevel=6, mtime=0)
