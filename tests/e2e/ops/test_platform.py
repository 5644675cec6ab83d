"""Health, the OpenAPI and AsyncAPI documents and the docs pages."""
import re

import pytest
from openapi_spec_validator import validate


def test_health_reports_broker_database_and_the_calendars_horizon(anonymous):
    from datetime import datetime, timedelta, timezone
    from zoneinfo import ZoneInfo

    import chinese_calendar
    response = anonymous.get("/health")
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "ok" and body["checks"]["database"] == "ok" and body["checks"]["broker"] == "ok"
    # A calendar that ends within two months (60 days) is a warning, said ahead of time; not (yet) a
    # failure. The expectation comes from the holiday data itself, not from the code under test.
    last_year = max(chinese_calendar.constants.holidays).year
    today = datetime.now(timezone.utc).astimezone(ZoneInfo("Asia/Shanghai")).date()
    if (today + timedelta(days=60)).year > last_year:
        assert body["checks"]["calendar"].startswith("warning: "), body
        assert f"只收录到 {last_year} 年" in body["checks"]["calendar"] and f"{last_year + 1} 年起" in body["checks"]["calendar"]
    else:
        assert body["checks"]["calendar"] == "ok", body


def test_openapi_json_is_valid_openapi_3(anonymous):
    response = anonymous.get("/openapi.json")
    assert response.status_code == 200
    spec = response.json()
    validate(spec)
    assert "/v1/cases/{case_id}/assign" in spec["paths"]


def test_docs_page_is_swagger_ui_served_locally(anonymous):
    response = anonymous.get("/docs")
    assert response.status_code == 200 and response.headers["Content-Type"].startswith("text/html")
    assert "SwaggerUIBundle" in response.text and "<script src=\"http" not in response.text
    assets = re.findall(r"(?:src|href)='(/docs/assets/[^']+)'", response.text)
    assert any(asset.endswith(".js") for asset in assets) and any(asset.endswith(".css") for asset in assets)
    for asset in assets:
        served = anonymous.get(asset)
        assert served.status_code == 200, asset
        # nosniff on every answer: the browser uses a script or style sheet only with the right type
        assert served.headers["X-Content-Type-Options"] == "nosniff"
        assert served.headers["Content-Type"].split(";")[0] in ("text/javascript", "text/css", "image/png"), asset
        assert "max-age" in served.headers["Cache-Control"]
    assert anonymous.get("/docs/assets/swagger-ui-0.0.0/swagger-ui.css").status_code == 404


def test_asyncapi_json_and_the_events_page_are_served(anonymous):
    from tests.support.asyncapi_schema import asyncapi_errors
    document = anonymous.get("/asyncapi.json")
    assert document.status_code == 200 and asyncapi_errors(document.json()) == []
    page = anonymous.get("/docs/events")
    assert page.status_code == 200 and page.headers["Content-Type"].startswith("text/html")
    for channel in document.json()["channels"]:
        assert f"data-event-type='{channel}'" in page.text


def test_health_is_503_naming_the_database_when_it_is_gone(stack, rabbit_config, tmp_path):
    """/health keeps answering, with 503, when the database behind the accounts service (which
    every authenticated request needs) disappears."""
    import os
    import secrets

    import requests

    from ops.launcher import ROOT, Process, free_port, service_command, start_secantus, wait_until
    if stack.proxy is None:
        pytest.skip("starts its own processes (local platform only)")
    mongo, mongo_uri = start_secantus(":memory:", free_port(), tmp_path)
    port = free_port()
    env = {**os.environ, "PYTHONPATH": str(ROOT), "MONGO_URI": mongo_uri, "GATEWAY_ADDRESS": f"127.0.0.1:{port}",
           "AMQP_URI": rabbit_config["AMQP_URI"], "JWT_SECRET": secrets.token_urlsafe(40),
           "MONGO_DB_PREFIX": "health503"}
    processes = [Process(name, service_command(target), env, tmp_path).start()
                 for name, target in (("accounts-503", "services.accounts.service:AccountsService"),
                                      ("gateway-503", "gateway.service:GatewayService"))]
    url = f"http://127.0.0.1:{port}/health"
    try:
        wait_until(lambda: requests.get(url, timeout=5).status_code == 200, 60, "gateway")
        mongo.stop()
        response = requests.get(url, timeout=15)
        assert response.status_code == 503
        body = response.json()
        assert body["status"] == "unavailable" and body["checks"]["broker"] == "ok"
        assert body["checks"]["database"].startswith("unavailable")
    finally:
        for process in processes:
            process.stop()
        mongo.stop()


def test_every_request_leaves_one_access_line_with_who_what_and_outcome(stack, criminal_head, civil_prosecutor):
    import json
    import uuid
    from pathlib import Path

    from tests.support.api import unique_case_no
    from tests.support.waiting import wait_for
    if stack.log_dir is None:
        pytest.skip("reads the local platform's log files")
    head_user, head = criminal_head
    _, other = civil_prosecutor
    created_id, refused_id = f"req-{uuid.uuid4().hex}", f"req-{uuid.uuid4().hex}"
    case = head.post("/v1/cases", headers={"X-Request-ID": created_id},
                     json={"case_no": unique_case_no(), "title": "台账", "category": "other",
                           "department": "criminal"}).json()
    assert other.get(f"/v1/cases/{case['id']}", headers={"X-Request-ID": refused_id}).status_code == 403
    role_refused_id = f"req-{uuid.uuid4().hex}"
    assert other.post("/v1/users", headers={"X-Request-ID": role_refused_id}, json={}).status_code == 403

    def access_lines():
        lines = [json.loads(line) for line in Path(stack.log_dir, "gateway.log").read_text().splitlines()
                 if line.startswith("{") and '"pingjian.access"' in line]
        return {line["correlation_id"]: line for line in lines if line["correlation_id"] in (created_id, refused_id, role_refused_id)}
    lines = wait_for(lambda: (lambda got: got if len(got) == 3 else None)(access_lines()), message="access lines")
    assert lines[created_id]["status"] == 201 and lines[created_id]["method"] == "POST"
    assert lines[created_id]["user_id"] == head_user["id"] and lines[created_id]["path"] == "/v1/cases"
    assert lines[refused_id]["status"] == 403 and lines[refused_id]["path"] == f"/v1/cases/{case['id']}"
    other_user = other.get("/v1/me").json()
    assert lines[role_refused_id]["status"] == 403 and lines[role_refused_id]["user_id"] == other_user["id"]
