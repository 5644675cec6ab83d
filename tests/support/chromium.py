"""Headless Chromium (Debian's ``chromium``) driven over the DevTools protocol, for tests that
check a page as a person's browser shows it. Every request the page makes is recorded.

The browser cannot reach anything but 127.0.0.1: its proxy for every other address is a closed
local port and no other host name resolves, so a page that tries a CDN shows up in the recorded
requests (and fails the test) without any traffic leaving the machine.
"""
import base64
import itertools
import json
import os
import shutil
import subprocess
import tempfile
import time
from pathlib import Path

import pytest
import requests
import websocket

# The flags the platform's browser checks run with (no sandbox: tests run as root in CI).
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync"]
CONFINED = ["--proxy-server=http://127.0.0.1:9", "--proxy-bypass-list=127.0.0.1",
            "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1"]


def in_ci():
    return os.environ.get("CI", "").lower() in ("true", "1", "yes")


def chromium_executable():
    """Debian's chromium; skip the test without it, except in CI (CI=true), where it must run."""
    path = os.environ.get("PINGJIAN_CHROMIUM") or shutil.which("chromium")
    if path:
        return path
    reason = "the browser test needs Chromium (Debian: apt-get install chromium)"
    if in_ci():
        pytest.fail(f"{reason}; CI must run it (.ci/run installs chromium)", pytrace=False)
    pytest.skip(reason)


class DevToolsError(RuntimeError):
    pass


class Chromium:
    """``with Chromium(path) as browser: browser.open(url); browser.wait_for(js)``."""

    def __init__(self, executable, timeout=30):
        self.executable, self.timeout = executable, timeout
        self.requests = []      # every request the page sent: {"id", "url", "method", "headers", "type"}
        self.responses = {}     # request id -> {"url", "status", "mime"}
        self.failures = []      # requests that got no response: {"url", "error", "blocked"}
        self.errors = []        # console errors and uncaught exceptions
        self._ids = itertools.count(1)
        self._process = self._socket = None
        self._profile = tempfile.mkdtemp(prefix="pingjian-chromium-")

    def __enter__(self):
        self._process = subprocess.Popen(
            [self.executable, *FLAGS, *CONFINED, f"--user-data-dir={self._profile}",
             "--remote-debugging-port=0", "--window-size=1280,1000", "about:blank"],
            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        try:
            port = self._devtools_port()
            page = self._until(lambda: next((t for t in requests.get(f"http://127.0.0.1:{port}/json/list",
                                                                     timeout=5).json()
                                             if t["type"] == "page"), None), "a page target")
            # No Origin header: Chromium refuses DevTools connections from origins it was not told of.
            self._socket = websocket.create_connection(page["webSocketDebuggerUrl"], timeout=self.timeout,
                                                       suppress_origin=True)
            for domain in ("Page", "Network", "Runtime", "Log"):
                self.send(f"{domain}.enable")
        except BaseException:
            self.__exit__(None, None, None)
            raise
        return self

    def __exit__(self, *exc):
        if self._socket is not None:
            self._socket.close()
        if self._process is not None and self._process.poll() is None:
            self._process.terminate()
            try:
                self._process.wait(10)
            except subprocess.TimeoutExpired:
                self._process.kill()
                self._process.wait()
        shutil.rmtree(self._profile, ignore_errors=True)

    def _devtools_port(self):
        # Chromium writes the port it picked into the profile once DevTools listens.
        active = Path(self._profile, "DevToolsActivePort")

        def port():
            if self._process.poll() is not None:
                raise DevToolsError(f"chromium exited ({self._process.returncode}): "
                                    f"{self._process.stderr.read().decode(errors='replace')[-2000:]}")
            text = active.read_text() if active.exists() else ""
            return int(text.split()[0]) if text.strip() else None
        return self._until(port, "DevTools to listen")

    def _until(self, probe, what, timeout=None):
        deadline = time.monotonic() + (timeout or self.timeout)
        while time.monotonic() < deadline:
            try:
                value = probe()
            except (requests.RequestException, ValueError):
                value = None
            if value:
                return value
            time.sleep(0.1)
        raise TimeoutError(f"timed out waiting for {what}")

    # -- the protocol ----------------------------------------------------
    def send(self, method, **params):
        call_id = next(self._ids)
        self._socket.send(json.dumps({"id": call_id, "method": method, "params": params}))
        deadline = time.monotonic() + self.timeout
        while time.monotonic() < deadline:
            message = json.loads(self._socket.recv())
            if message.get("id") == call_id:
                if "error" in message:
                    raise DevToolsError(f"{method}: {message['error']}")
                return message.get("result", {})
            self._record(message)
        raise TimeoutError(f"no answer to {method}")

    def _record(self, message):
        method, params = message.get("method"), message.get("params", {})
        if method == "Network.requestWillBeSent":
            request = params["request"]
            self.requests.append({"id": params["requestId"], "url": request["url"], "method": request["method"],
                                  "headers": request.get("headers", {}), "type": params.get("type")})
        elif method == "Network.responseReceived":
            response = params["response"]
            self.responses[params["requestId"]] = {"url": response["url"], "status": response["status"],
                                                   "mime": response.get("mimeType")}
        elif method == "Network.loadingFailed":
            url = next((r["url"] for r in self.requests if r["id"] == params["requestId"]), "?")
            self.failures.append({"url": url, "error": params.get("errorText"), "blocked": params.get("blockedReason")})
        elif method == "Runtime.exceptionThrown":
            self.errors.append(params["exceptionDetails"].get("text", "exception"))
        elif method == "Log.entryAdded" and params["entry"]["level"] == "error":
            self.errors.append(f"{params['entry'].get('url', '')}: {params['entry']['text']}")

    def drain(self, seconds=0.3):
        """Record the events that arrive within ``seconds``."""
        self._socket.settimeout(seconds)
        try:
            while True:
                self._record(json.loads(self._socket.recv()))
        except websocket.WebSocketTimeoutException:
            pass
        finally:
            self._socket.settimeout(self.timeout)

    # -- what a test does ---------------------------------------------------
    def evaluate(self, expression):
        result = self.send("Runtime.evaluate", expression=expression, returnByValue=True, awaitPromise=True)
        if "exceptionDetails" in result:
            raise DevToolsError(f"{expression[:80]}…: {result['exceptionDetails']}")
        return result["result"].get("value")

    def open(self, url):
        self.send("Page.navigate", url=url)
        self.wait_for("document.readyState === 'complete' && location.href === " + json.dumps(url),
                      f"{url} to load")

    def wait_for(self, expression, what=None, timeout=None):
        """Evaluate ``expression`` until it is truthy; returns its value."""
        def probe():
            value = self.evaluate(expression)
            if not value:
                self.drain(0.2)
            return value
        return self._until(probe, what or expression, timeout)

    def screenshot(self, path):
        Path(path).write_bytes(base64.b64decode(self.send("Page.captureScreenshot")["data"]))
