"""The budgeting routes, from the route table: the paths of issue 11 exist, and the roles that
decide who may act are declared on them (the first gate: a 403 before any body is read)."""
from gateway.openapi import routes_of
from gateway.service import GatewayService

TABLE = {(method, route.url): route for _, route in routes_of(GatewayService) for method in route.method.split(",")}
REQUEST = "/v1/budget/requests/<request_id>"


def test_every_route_of_the_issue_is_served():
    expected = {("POST", "/v1/budget/allocations"), ("GET", "/v1/budget/balances"), ("POST", "/v1/budget/requests"),
                ("GET", "/v1/budget/requests"), ("GET", REQUEST), ("POST", f"{REQUEST}/review"),
                ("POST", f"{REQUEST}/decide"), ("POST", f"{REQUEST}/procurement/start"),
                ("POST", f"{REQUEST}/procurement/complete"), ("POST", f"{REQUEST}/cancel"),
                ("GET", "/v1/budget/reports/execution"), ("POST", "/v1/vehicles"), ("GET", "/v1/vehicles"),
                ("POST", "/v1/vehicles/<vehicle_id>/bookings"), ("GET", "/v1/vehicles/<vehicle_id>/bookings"),
                ("POST", "/v1/vehicles/<vehicle_id>/bookings/<booking_id>/cancel")}
    assert expected <= set(TABLE)
    assert all(TABLE[key].auth for key in expected)


def test_who_may_act_is_declared_on_the_route():
    assert TABLE[("POST", "/v1/budget/allocations")].roles == ("finance",)
    assert TABLE[("POST", f"{REQUEST}/review")].roles == ("finance",)
    assert TABLE[("POST", f"{REQUEST}/decide")].roles == ("party_group",)
    assert TABLE[("POST", f"{REQUEST}/procurement/start")].roles == ("finance",)
    assert TABLE[("POST", f"{REQUEST}/procurement/complete")].roles == ("finance",)
    assert set(TABLE[("POST", "/v1/budget/requests")].roles) == {"department_head", "prosecutor"}
    assert set(TABLE[("POST", "/v1/vehicles")].roles) == {"finance", "admin"}


def test_creations_answer_201():
    for key in (("POST", "/v1/budget/requests"), ("POST", "/v1/vehicles"),
                ("POST", "/v1/vehicles/<vehicle_id>/bookings")):
        assert TABLE[key].status == 201, key
