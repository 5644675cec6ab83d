"""The docs pages as a person's browser shows them: headless Chromium loads /docs (Swagger UI) and
/docs/events from the running platform. Every route of the OpenAPI document is listed, "Authorize"
and "Try it out" work against the gateway itself, and no request leaves 127.0.0.1.

Skips without Chromium, except in CI (CI=true), where it fails: .ci/run installs chromium."""
import json
from urllib.parse import urlsplit

import pytest

from tests.support.chromium import Chromium, chromium_executable

# Not network requests: inline images of Swagger UI's style sheet, the initial blank page.
_NOT_NETWORK = ("data", "blob", "about")


@pytest.fixture(scope="session")
def chromium():
    # Session-scoped and first in each test's arguments: decided before the platform starts.
    return chromium_executable()


def _operations(spec):
    return sorted((method.upper(), path) for path, operations in spec["paths"].items() for method in operations)


def assert_only_local_requests_all_answered(browser):
    assert browser.requests, "the browser recorded no request"
    left = [r["url"] for r in browser.requests
            if urlsplit(r["url"]).scheme not in _NOT_NETWORK and urlsplit(r["url"]).hostname != "127.0.0.1"]
    assert left == [], f"requests that left 127.0.0.1: {left}"
    assert browser.failures == [], browser.failures
    refused = [(r["url"], r["status"]) for r in browser.responses.values() if r["status"] >= 400]
    assert refused == [] and browser.errors == [], (refused, browser.errors)


def test_swagger_ui_lists_every_route_and_tries_them_on_the_gateway(chromium, stack, anonymous, admin):
    expected = _operations(anonymous.get("/openapi.json").json())
    with Chromium(chromium) as browser:
        browser.open(f"{stack.base_url}/docs")
        browser.wait_for(f"document.querySelectorAll('.opblock').length >= {len(expected)}",
                         "Swagger UI to list the operations")
        listed = browser.evaluate("""Array.from(document.querySelectorAll('.opblock')).map(block => [
            block.querySelector('.opblock-summary-method').textContent,
            block.querySelector('.opblock-summary-path').getAttribute('data-path')])""")
        assert sorted(map(tuple, listed)) == expected
        assert browser.evaluate("!!document.querySelector(\"a[href='/docs/events']\")")

        # Authorize: the bearer token of a login, typed into Swagger UI's dialog.
        browser.evaluate("document.querySelector('.btn.authorize').click()")
        browser.wait_for("!!document.querySelector(\"input[aria-label='auth-bearer-value']\")", "the Authorize dialog")
        browser.evaluate(f"""(() => {{
            const input = document.querySelector("input[aria-label='auth-bearer-value']");
            // React keeps its own copy of an input's value: set it the way typing would.
            const setValue = Object.getOwnPropertyDescriptor(HTMLInputElement.prototype, 'value').set;
            setValue.call(input, {json.dumps(admin.token)});
            input.dispatchEvent(new Event('input', {{bubbles: true}}));
            document.querySelector('.modal-ux button.authorize').click();
        }})()""")
        browser.wait_for("!!document.querySelector('.modal-ux button.btn-done') && "
                         "document.querySelector('.modal-ux').innerText.includes('Logout')", "the token to be taken")
        browser.evaluate("document.querySelector('.modal-ux button.btn-done').click()")

        # Try it out: GET /v1/me, from the page, to the gateway that served it.
        me = "#operations-users-me"
        browser.evaluate(f"document.querySelector('{me} .opblock-summary-control').click()")
        browser.wait_for(f"!!document.querySelector('{me} .try-out__btn')", "Try it out")
        browser.evaluate(f"document.querySelector('{me} .try-out__btn').click()")
        browser.wait_for(f"!!document.querySelector('{me} button.execute')", "Execute")
        browser.evaluate(f"document.querySelector('{me} button.execute').click()")
        status = browser.wait_for(f"(document.querySelector('{me} .live-responses-table tr.response "
                                  ".response-col_status') || {}).textContent", "the response")
        body = browser.evaluate(f"document.querySelector('{me} .live-responses-table tr.response "
                                ".response-col_description').innerText")
        browser.drain()
        assert status.strip() == "200" and stack.admin_user in body, (status, body)
        [call] = [r for r in browser.requests if r["url"] == f"{stack.base_url}/v1/me"]
        assert call["headers"].get("Authorization") == f"Bearer {admin.token}"
        assert_only_local_requests_all_answered(browser)


def test_the_events_page_lists_every_event_type(chromium, stack, anonymous):
    document = anonymous.get("/asyncapi.json").json()
    with Chromium(chromium) as browser:
        browser.open(f"{stack.base_url}/docs/events")
        listed = browser.evaluate("Array.from(document.querySelectorAll('section[data-event-type]'))"
                                  ".map(section => section.dataset.eventType)")
        assert sorted(listed) == sorted(message["name"] for message in document["components"]["messages"].values())
        assert set(listed) == set(document["channels"])
        assert browser.evaluate("!!document.querySelector(\"a[href='/docs']\")")
        browser.drain()
        assert_only_local_requests_all_answered(browser)
