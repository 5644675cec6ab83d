"""Health, the OpenAPI document and the docs page."""
from openapi_spec_validator import validate


def test_health_reports_broker_and_database(anonymous):
    response = anonymous.get("/health")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "checks": {"database": "ok", "broker": "ok"}}


def test_openapi_json_is_valid_openapi_3(anonymous):
    response = anonymous.get("/openapi.json")
    assert response.status_code == 200
    spec = response.json()
    validate(spec)
    assert "/v1/cases/{case_id}/assign" in spec["paths"]


def test_docs_page_is_served_locally(anonymous):
    response = anonymous.get("/docs")
    assert response.status_code == 200 and response.headers["Content-Type"].startswith("text/html")
    assert "/v1/cases" in response.text and "<script src=\"http" not in response.text
