"""The staff console (console/, issue 23) in a real browser against the real platform: Debian's
headless Chromium driven by Playwright (its own browser download is not used: no download works
here), the console built by `make console` and served by the gateway at /.

The story: a department head opens a page of the console without a session and is sent to the
login (keeping where he was), mistypes the password and reads the API's words, logs in, finds a
case registered through the API in the worklist, opens its card, assigns a prosecutor while
someone else already changed the case (412: the console offers to reload, then the assignment
goes through, checked through the API); the prosecutor finds the notification on his workbench.
No console error, no failed request but the expected ones, no raw JSON on any page; screenshots
of the pages are written to docs/console/. The story runs in a Python of its own (story.py).

Skips without Chromium or a built console, except in CI (CI=true), where it fails."""
import re
import subprocess
import sys
from pathlib import Path

import pytest

from tests.support.chromium import chromium_executable, in_ci

ROOT = Path(__file__).resolve().parents[3]
DIST = ROOT / "console" / "dist" / "index.html"


@pytest.fixture(scope="module")
def chromium():
    # Module-scoped and first in the test's arguments: decided before the platform starts.
    path = chromium_executable()
    if not DIST.exists():
        reason = "the console is not built (make console)"
        if in_ci():
            pytest.fail(f"{reason}; make test builds it", pytrace=False)
        pytest.skip(reason)
    return path


@pytest.fixture(scope="module")
def playwright_browser(chromium):
    sync_api = pytest.importorskip("playwright.sync_api")
    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=chromium,
                                             args=[flag for flag in FLAGS if flag != "--headless"] + CONFINED)
        yield browser
        browser.close()


def test_a_department_head_logs_in_finds_a_case_and_assigns_it_and_the_prosecutor_is_told(chromium, stack, admin):
    pytest.importorskip("playwright.sync_api")
    done = subprocess.run([sys.executable, "-m", "tests.e2e.console.story", stack.base_url, admin.token, chromium],
                          cwd=ROOT, capture_output=True, text=True, timeout=240)
    assert done.returncode == 0 and "console story: passed" in done.stdout, done.stdout[-3000:] + done.stderr[-6000:]
    print(done.stdout)  # the first load's figures (docs/performance.md), shown with -s


def test_the_console_page_and_its_files_as_the_gateway_serves_them(chromium, stack, anonymous):
    page = anonymous.get("/cases/any-id")
    assert page.status_code == 200 and page.headers["Cache-Control"] == "no-store"
    assert "script-src 'self'" in page.headers["Content-Security-Policy"]
    scripts = re.findall(r'src="(/assets/[^"]+\.js)"', page.text)
    assert scripts and "<script>" not in page.text
    asset = anonymous.get(scripts[0])
    assert asset.status_code == 200 and "immutable" in asset.headers["Cache-Control"]
    assert asset.headers["Content-Encoding"] == "gzip"  # requests asks for it, and unpacks it
    assert anonymous.get("/v1/nowhere").json()["error"]["code"] == "not_found"
