"""The README story test may skip for a missing curl or jq on a laptop, never in CI (CI=true):
there it fails, so a CI image without the tools cannot pass with the story untested."""
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[3]


def run_story(tmp_path, **env):
    # No curl or jq on this PATH; a stack given by URL so that nothing is started.
    environ = {k: v for k, v in os.environ.items() if k != "CI"}
    environ.update({"PATH": str(tmp_path), "PINGJIAN_E2E_BASE_URL": "http://127.0.0.1:9",
                    "PINGJIAN_E2E_ADMIN_USER": "admin", "PINGJIAN_E2E_ADMIN_PASSWORD": "unused", **env})
    return subprocess.run([sys.executable, "-m", "pytest", "-q", "-rs", "-p", "no:cacheprovider",
                           "tests/e2e/ops/test_readme_story.py"], cwd=ROOT, env=environ, capture_output=True,
                          text=True, timeout=120)


@pytest.mark.parametrize("ci", ["true", "1"])
def test_in_ci_missing_tools_fail_the_story(tmp_path, ci):
    result = run_story(tmp_path, CI=ci)
    assert result.returncode == 1, result.stdout + result.stderr
    assert "1 failed" in result.stdout and "curl" in result.stdout and "jq" in result.stdout


def test_outside_ci_missing_tools_skip_the_story(tmp_path):
    result = run_story(tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "1 skipped" in result.stdout and "curl" in result.stdout
