"""Every route declares who may call it: a public route is public on purpose, listed here."""
from gateway.openapi import routes_of
from gateway.service import GatewayService

PUBLIC = {("POST", "/v1/auth/token"), ("GET", "/health"), ("GET", "/openapi.json"), ("GET", "/docs"),
          ("GET", "/docs/assets/<bundle>/<name>"), ("GET", "/asyncapi.json"), ("GET", "/docs/events"),
          # the staff console's page and files (gateway/console.py): it signs in through the API
          ("GET", "/"), ("GET", "/<any(login,workbench,cases):section>"),
          ("GET", "/<any(login,workbench,cases):section>/<path:rest>"), ("GET", "/assets/<name>")}


def test_only_the_routes_listed_as_public_skip_authentication():
    public = {(method, route.url) for _, route in routes_of(GatewayService) if not route.auth
              for method in route.method.split(",")}
    assert public == PUBLIC, "a route without authentication must be listed in PUBLIC on purpose"


def test_every_v1_route_is_authenticated_except_logging_in():
    for _, route in routes_of(GatewayService):
        if route.url.startswith("/v1/") and route.url != "/v1/auth/token":
            assert route.auth, route.url
