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
