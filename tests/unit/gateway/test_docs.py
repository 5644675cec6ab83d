"""The docs pages: Swagger UI from the swagger-ui-bundle package, served by the gateway itself,
and the event catalogue; none of them in the OpenAPI document."""
import re

import pytest
from werkzeug.routing import Map, Rule
from werkzeug.test import EnvironBuilder

import contracts.events  # noqa: F401
from contracts.envelope import registered_events
from gateway import docs
from gateway.http import JsonWsgiApp
from gateway.openapi import build_spec, routes_of
from gateway.service import GatewayService
from kit.errors import NotFound

DOC_URLS = {"/openapi.json", "/asyncapi.json", "/docs", "/docs/events", "/docs/assets/<bundle>/<name>"}


def local_references(html):
    return re.findall(r"""(?:src|href)=['"]([^'"]+)['"]""", html)


def test_the_docs_routes_are_served_without_login_and_stay_out_of_the_openapi_document():
    routes = {route.url: route for _, route in routes_of(GatewayService)}
    assert DOC_URLS <= set(routes)
    for url in DOC_URLS:
        assert routes[url].auth is False and routes[url].documented is False, url
    paths = build_spec(GatewayService)["paths"]
    assert not [path for path in paths if path.startswith("/docs") or path.endswith(".json")]


def test_the_swagger_page_loads_swagger_ui_from_the_gateway_only():
    page = docs.swagger_page().get_data(as_text=True)
    references = local_references(page)
    assert f"{docs.ASSETS}/swagger-ui-bundle.js" in references and f"{docs.ASSETS}/swagger-ui.css" in references
    assert all(ref.startswith("/") and not ref.startswith("//") for ref in references), references
    assert '"validatorUrl": null' in page and '"url": "/openapi.json"' in page
    assert "/docs/events" in references and "persistAuthorization\": false" in page


def test_every_asset_the_page_names_is_served_with_its_type_and_a_long_cache():
    for ref in local_references(docs.swagger_page().get_data(as_text=True)):
        if not ref.startswith("/docs/assets/"):
            continue
        _, _, _, bundle, name = ref.split("/")
        response = docs.asset(bundle, name)
        assert response.status_code == 200 and len(response.get_data()) > 100, ref
        expected = {"js": "text/javascript", "css": "text/css", "png": "image/png"}[name.rsplit(".", 1)[1]]
        assert response.content_type.startswith(expected), ref
        assert "immutable" in response.headers["Cache-Control"]


def test_the_package_bundles_swagger_ui_itself():
    assert docs.SWAGGER_UI.startswith("swagger-ui-")
    script = docs.asset(docs.SWAGGER_UI, "swagger-ui-bundle.js").get_data(as_text=True)
    assert "SwaggerUIBundle" in script


@pytest.mark.parametrize("bundle,name", [("swagger-ui-0.0.1", "swagger-ui.css"), (docs.SWAGGER_UI, "nope.js"),
                                         (docs.SWAGGER_UI, "..%2F__init__.py"), (docs.SWAGGER_UI, "index.j2"),
                                         (docs.SWAGGER_UI, "swagger-ui.css.gz"), (docs.SWAGGER_UI, "")])
def test_anything_but_a_bundle_file_is_not_found(bundle, name):
    with pytest.raises(NotFound):
        docs.asset(bundle, name)


def test_the_events_page_lists_every_event_and_links_back_to_the_api_docs():
    page = docs.events_page().get_data(as_text=True)
    for (event_type, version), _ in registered_events():
        assert f"data-event-type='{event_type}'" in page
    assert "href='/docs'" in page and "href='/asyncapi.json'" in page
    assert "evt-cases-case.assigned--notifications.on_case_assigned" in page
    assert not [ref for ref in local_references(page) if not ref.startswith(("/", "#", "data:"))]
    assert "<script" not in page


def _serve(responses, path):
    """``path`` through the gateway's WSGI app, with ``responses[path]`` as the route's answer."""
    class Server:
        discard_bytes, socket_seconds = 1024, 1

        def make_url_map(self):
            rules = []
            for url, response in responses.items():
                rule = Rule(url)
                rule.endpoint = type("Provider", (), {"handle_request": lambda self, request, r=response: r})()
                rules.append(rule)
            return Map(rules)
    captured = {}

    def start_response(status, headers, exc_info=None):
        captured.update(status=status, headers=dict(headers))
    JsonWsgiApp(Server())(EnvironBuilder(path=path).get_environ(), start_response)
    return captured["headers"]


def test_an_asset_keeps_its_cache_header_and_everything_else_is_no_store():
    responses = {"/asset": docs.asset(docs.SWAGGER_UI, "swagger-ui.css"), "/page": docs.swagger_page()}
    asset, page = _serve(responses, "/asset"), _serve(responses, "/page")
    assert asset["Cache-Control"] == docs.ASSET_CACHE and asset["X-Content-Type-Options"] == "nosniff"
    assert page["Cache-Control"] == "no-store" and page["X-Content-Type-Options"] == "nosniff"
