"""The staff console as the gateway serves it (gateway/console.py): index.html no-store under a
strict CSP for / and every console page, hashed assets with a long cache, a zh-CN 503 page while
the console is not built, and the API's JSON 404 for everything else."""
import pytest
from werkzeug.routing import Map
from werkzeug.routing import Rule

from gateway import console
from gateway.openapi import build_spec, routes_of
from gateway.service import GatewayService
from kit.errors import NotFound

INDEX = b"<!doctype html><html><head><script type='module' src='/assets/index-AbC123.js'></script></head></html>"


@pytest.fixture
def built(tmp_path, monkeypatch):
    (tmp_path / "assets").mkdir()
    (tmp_path / "index.html").write_bytes(INDEX)
    (tmp_path / "assets" / "index-AbC123.js").write_text("console.log(1)")
    (tmp_path / "assets" / "vendor-Zz9.css").write_text("body{}")
    (tmp_path / "secret.txt").write_text("not an asset")
    monkeypatch.setenv("PINGJIAN_CONSOLE_DIST", str(tmp_path))
    return tmp_path


def _url_map():
    return Map([Rule(route.url, endpoint=route.url, methods=[route.method]) for _, route in routes_of(GatewayService)])


def test_the_page_is_index_html_no_store_under_a_csp_without_inline_scripts(built):
    response = console.page()
    assert response.status_code == 200 and response.get_data() == INDEX
    assert response.headers["Cache-Control"] == "no-store"
    csp = response.headers["Content-Security-Policy"]
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp and "unsafe-eval" not in csp
    assert "frame-ancestors 'none'" in csp and "connect-src 'self'" in csp


def test_assets_are_served_by_their_hashed_name_with_a_year_of_cache(built):
    script = console.asset("index-AbC123.js")
    assert script.content_type.startswith("text/javascript") and script.get_data() == b"console.log(1)"
    assert script.headers["Cache-Control"] == console.ASSET_CACHE
    assert console.asset("vendor-Zz9.css").content_type.startswith("text/css")


def test_text_assets_go_out_gzipped_to_a_browser_that_accepts_it(built):
    import gzip
    plain = console.asset("index-AbC123.js")
    zipped = console.asset("index-AbC123.js", "gzip, deflate, br")
    assert "Content-Encoding" not in plain.headers and plain.headers["Vary"] == "Accept-Encoding"
    assert zipped.headers["Content-Encoding"] == "gzip" and gzip.decompress(zipped.get_data()) == b"console.log(1)"
    assert zipped.headers["Cache-Control"] == console.ASSET_CACHE


@pytest.mark.parametrize("name", ["nope.js", "_nope.js", "..%2Findex.html", "../secret.txt", "secret.txt", ".hidden.js", ""])
def test_anything_but_a_file_of_the_build_is_not_found(built, name):
    with pytest.raises(NotFound):
        console.asset(name)


def test_without_a_build_the_page_says_in_zh_cn_how_to_build_it(tmp_path, monkeypatch):
    monkeypatch.setenv("PINGJIAN_CONSOLE_DIST", str(tmp_path / "missing"))
    response = console.page()
    assert response.status_code == 503 and response.headers["Retry-After"]
    text = response.get_data(as_text=True)
    assert "控制台尚未构建" in text and "make run" in text and "Node.js" in text and "<script" not in text
    with pytest.raises(NotFound):
        console.asset("index-AbC123.js")


@pytest.mark.parametrize("path", ["/", "/login", "/workbench", "/cases", "/cases/4f2a/", "/cases/4f2a"])
def test_every_console_page_is_the_console(path):
    endpoint, _ = _url_map().bind("x").match(path, method="GET")
    assert endpoint in {"/", f"/<any({','.join(console.PAGES)}):section>",
                        f"/<any({','.join(console.PAGES)}):section>/<path:rest>"}


@pytest.mark.parametrize("path", ["/v1/nowhere", "/nowhere", "/casesx", "/v1/cases/abc"])
def test_the_api_and_unknown_paths_are_not_the_console(path):
    try:
        endpoint, _ = _url_map().bind("x").match(path, method="GET")
    except Exception:
        return  # 404 as before: the API's JSON error
    assert endpoint.startswith("/v1/"), endpoint


def test_the_console_routes_need_no_login_and_stay_out_of_the_openapi_document():
    routes = [route for _, route in routes_of(GatewayService) if route.url == "/" or route.url.startswith(("/assets", "/<any"))]
    assert len(routes) == 4 and all(route.auth is False and route.documented is False for route in routes)
    assert not [path for path in build_spec(GatewayService)["paths"] if not path.startswith(("/v1/", "/health"))]
