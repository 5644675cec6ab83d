"""The WSGI layer: the request id on every log line of the request."""
import logging

from werkzeug.test import EnvironBuilder

from contracts.fields import line
from kit.logging import CorrelationFilter


def test_route_level_log_lines_carry_the_request_id(caplog):
    """A line logged by the WSGI layer itself (an unhandled error, an upstream timeout) carries the
    request id, not null: the id is set for the whole request, not only inside the worker."""
    from gateway.http import JsonWsgiApp

    class Server:
        discard_bytes, socket_seconds = 1024, 1

        def make_url_map(self):
            from werkzeug.routing import Map, Rule
            rule = Rule("/boom")
            rule.endpoint = Provider()
            return Map([rule])

    class Provider:
        def handle_request(self, request):
            logging.getLogger("pingjian.gateway").error("unhandled error")
            from gateway.http import error_response
            return error_response(500, "internal_error", "x")

    caplog.handler.addFilter(CorrelationFilter())
    environ = EnvironBuilder(path="/boom", headers={"X-Request-ID": "req-123"}).get_environ()
    JsonWsgiApp(Server())(environ, lambda *args: None)
    [record] = [r for r in caplog.records if r.getMessage() == "unhandled error"]
    assert record.correlation_id == "req-123"
