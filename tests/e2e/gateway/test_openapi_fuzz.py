"""A bounded schemathesis run against the OpenAPI document (hardening issue §7): every route, with
a valid admin token, a few hundred generated requests; any 5xx, any status, content type, header
or body the document does not describe, or any request the document calls invalid but the server
accepts, fails the suite.

It runs on the shared e2e platform, after every other e2e test (``runs_last``): the users, cases and
locked-out logins its generated requests create cannot disturb a test that comes later. (It had a
platform of its own, which cost a platform start and stop: about a minute on 2 cores.) The seed is
fixed and printed with the command, so a failure replays with the same requests."""
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.support.api import Api

# Checks that hold for any request: not_a_server_error, status_code_conformance,
# content_type_conformance, response_headers_conformance, response_schema_conformance,
# negative_data_rejection, missing_required_header, unsupported_method, allow_header_conformance,
# ignored_auth. Left out: positive_data_acceptance (a valid-looking body can still be refused by a
# rule the schema cannot state: an unknown handler, a duplicate case number) and the stateful ones.
EXCLUDED_CHECKS = "positive_data_acceptance,use_after_free,ensure_resource_availability,object_level_authorization"
SEED = "20261125"


# Every route of eight services: longer than the suite's per-test bound of 300 s on a loaded 2-core
# machine (seen in a CI run beside a bench), so this one test has its own bound.
@pytest.mark.runs_last
@pytest.mark.timeout(1200)
def test_the_api_matches_its_openapi_document_under_generated_requests(stack):
    if os.environ.get("PINGJIAN_E2E_BASE_URL"):
        pytest.skip("the generated requests would litter a shared stack")  # `make smoke` only, never CI
    admin = Api(stack.base_url).login(stack.admin_user, stack.admin_password)
    # One worker: hypothesis parses lambda sources with ast.parse, which two threads at once can
    # break on CPython 3.11 ("AST constructor recursion depth mismatch"), an error of the tool.
    command = [str(Path(sys.executable).parent / "schemathesis"), "run", f"{stack.base_url}/openapi.json",
               "--header", f"Authorization: Bearer {admin.token}", "--checks", "all",
               "--exclude-checks", EXCLUDED_CHECKS, "--phases", "examples,coverage,fuzzing",
               "--max-examples", "12", "--workers", "1", "--seed", SEED, "--no-color"]
    print("schemathesis:", " ".join(command).replace(admin.token, "<admin token>"))
    result = subprocess.run(command, capture_output=True, text=True, timeout=1100,
                            env={**os.environ, "SCHEMATHESIS_TELEMETRY": "false"})
    assert result.returncode == 0, result.stdout[-8000:] + result.stderr[-2000:]
    assert "generated" in result.stdout and " passed" in result.stdout
