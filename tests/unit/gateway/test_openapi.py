from openapi_spec_validator import validate

from gateway.openapi import build_spec
from gateway.service import GatewayService


def test_openapi_document_is_valid_openapi_3_and_lists_the_contract_paths():
    spec = build_spec(GatewayService)
    validate(spec)
    assert spec["openapi"].startswith("3.")
    for path in ["/v1/auth/token", "/v1/users", "/v1/me", "/v1/cases", "/v1/cases/{case_id}",
                 "/v1/cases/{case_id}/assign", "/v1/cases/{case_id}/transition", "/v1/me/notifications",
                 "/v1/me/notifications/{notification_id}/read", "/health"]:
        assert path in spec["paths"], path


def test_request_schemas_come_from_the_validating_marshmallow_schemas():
    spec = build_spec(GatewayService)
    register = spec["components"]["schemas"]["RegisterCase"]
    assert set(register["required"]) == {"case_no", "title", "category", "department"}
    assert "criminal" in register["properties"]["category"]["enum"]
    assert spec["paths"]["/v1/auth/token"]["post"]["security"] == []


def test_the_openapi_document_tells_the_truth_about_errors():
    paths = build_spec(GatewayService)["paths"]
    assert {"401", "429", "503", "415", "413"} <= set(paths["/v1/auth/token"]["post"]["responses"])
    assert "Retry-After" in paths["/v1/auth/token"]["post"]["responses"]["429"]["headers"]
    assert "409" in paths["/v1/users/{user_id}"]["patch"]["responses"]
    assert {"503", "504"} <= set(paths["/v1/cases"]["get"]["responses"])
    assert "504" not in paths["/health"]["get"]["responses"]
    cursor = next(p for p in paths["/v1/cases"]["get"]["parameters"] if p["name"] == "cursor")
    assert "next_cursor" in cursor["description"] and cursor["allowEmptyValue"] is True


def test_patch_user_declares_that_it_needs_a_field():
    spec = build_spec(GatewayService)
    assert spec["components"]["schemas"]["UpdateUser"]["minProperties"] == 1
