"""A bounded schemathesis run against the OpenAPI document (hardening issue §7): every route, with
a valid admin token, a few hundred generated requests; any 5xx, any status, content type, header
or body the document does not describe, or any request the document calls invalid but the server
accepts, fails the suite.

It runs on a platform of its own: generated requests create users, cases and locked-out logins
that must not leak into the other end-to-end tests."""
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.e2e.conftest import local_stack
from tests.support.api import Api

# Checks that hold for any request: not_a_server_error, status_code_conformance,
# content_type_conformance, response_headers_conformance, response_schema_conformance,
# negative_data_rejection, missing_required_header, unsupported_method, allow_header_conformance,
# ignored_auth. Left out: positive_data_acceptance (a valid-looking body can still be refused by a
# rule the schema cannot state: an unknown handler, a duplicate case number) and the stateful ones.
EXCLUDED_CHECKS = "positive_data_acceptance,use_after_free,ensure_resource_availability,object_level_authorization"


@pytest.fixture(scope="module")
def fuzz_stack(request):
    if os.environ.get("PINGJIAN_E2E_BASE_URL"):
        pytest.skip("the generated requests would litter a shared stack")  # `make smoke` only, never CI
    with local_stack(request, with_relay_proxy=False) as started:
        yield started


# Every route of eight services: longer than the suite's per-test bound of 300 s on a loaded 2-core
# machine (seen in a CI run beside a bench), so this one test has its own bound.
@pytest.mark.timeout(1200)
def test_the_api_matches_its_openapi_document_under_generated_requests(fuzz_stack):
    admin = Api(fuzz_stack.base_url).login(fuzz_stack.admin_user, fuzz_stack.admin_password)
    # One worker: hypothesis parses lambda sources with ast.parse, which two threads at once can
    # break on CPython 3.11 ("AST constructor recursion depth mismatch"), an error of the tool.
    command = [str(Path(sys.executable).parent / "schemathesis"), "run", f"{fuzz_stack.base_url}/openapi.json",
               "--header", f"Authorization: Bearer {admin.token}", "--checks", "all",
               "--exclude-checks", EXCLUDED_CHECKS, "--phases", "examples,coverage,fuzzing",
               "--max-examples", "12", "--workers", "1", "--seed", "20261125", "--no-color"]
    result = subprocess.run(command, capture_output=True, text=True, timeout=1100,
                            env={**os.environ, "SCHEMATHESIS_TELEMETRY": "false"})
    assert result.returncode == 0, result.stdout[-8000:] + result.stderr[-2000:]
    assert "generated" in result.stdout and " passed" in result.stdout
