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


def _login_route(limit=5, per_address=2, reserve=2):
    from types import SimpleNamespace

    from eventlet.semaphore import Semaphore

    from gateway.http import Route
    route = Route("POST", "/v1/auth/token", auth=False, max_in_flight=lambda config: limit,
                  max_in_flight_per_address=lambda config: per_address)
    route._in_flight_limit, route._per_address_limit = limit, per_address
    route._clean_reserve, route._failing_seconds = reserve, 900
    route.server = SimpleNamespace(worker_slots=Semaphore(10), worker_wait_seconds=0.01,
                                   reserved_slots=Semaphore(1))
    return route


def test_one_address_holds_at_most_its_share_of_the_login_workers():
    import pytest
    from kit.errors import TooManyRequests
    route = _login_route()
    route._by_address = {"127.0.0.2": 2}
    with pytest.raises(TooManyRequests):
        route._admit_address("127.0.0.2")
    route._admit_address("127.0.0.3")  # another address is not held back


def test_a_failing_address_leaves_the_last_login_workers_to_clean_ones():
    import pytest
    from kit.errors import Overloaded, TooManyRequests
    route = _login_route()
    route._remember_outcome("127.0.0.2", 401)
    assert route._failing_address("127.0.0.2") and not route._failing_address("127.0.0.3")
    route._in_flight = 3
    with pytest.raises(TooManyRequests):
        route._take_worker_slot(suspect=True)
    route._take_worker_slot(suspect=False).release()  # a clean address still gets one
    route._in_flight = 5
    with pytest.raises(Overloaded):
        route._take_worker_slot(suspect=False)
    route._remember_outcome("127.0.0.2", 200)  # a success from it: no longer failing
    assert not route._failing_address("127.0.0.2")
