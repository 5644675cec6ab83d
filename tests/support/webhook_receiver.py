"""A webhook receiver on 127.0.0.1 for tests: answers with a scripted list of statuses (then 200)
and keeps every request it got (headers and raw body), so a test verifies the signature itself."""
import hashlib
import hmac
import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


class WebhookReceiver:
    def __init__(self, statuses=()):
        self.statuses = list(statuses)
        self.requests = []
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                status = receiver.statuses.pop(0) if receiver.statuses else 200
                receiver.requests.append({"path": self.path, "headers": dict(self.headers), "body": body,
                                          "answered": status})
                self.send_response(status)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def url(self):
        return f"http://127.0.0.1:{self.server.server_address[1]}/hook"

    def start(self):
        self.thread.start()
        return self

    def stop(self):
        self.server.shutdown()
        self.server.server_close()

    def accepted(self):
        return [r for r in self.requests if 200 <= r["answered"] < 300]

    @staticmethod
    def verify(request, secret):
        """The signature header is HMAC-SHA256 of the raw body with the secret; the timestamp header
        equals the signed body's timestamp. Returns the body as JSON."""
        headers = {k.lower(): v for k, v in request["headers"].items()}
        expected = "sha256=" + hmac.new(secret.encode(), request["body"], hashlib.sha256).hexdigest()
        assert hmac.compare_digest(headers["x-pingjian-signature"], expected), "bad signature"
        body = json.loads(request["body"])
        assert str(body["timestamp"]) == headers["x-pingjian-timestamp"]
        return body
