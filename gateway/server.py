"""The gateway's HTTP server: nameko's WebServer, made safe to face clients.

What nameko and eventlet leave open, and what this module closes:
- nameko's accept loop ends (and takes the whole container down) on the first
  accept() error, e.g. EMFILE when file descriptors run out: here it logs,
  backs off and keeps accepting.
- connections are neither capped nor timed out: here at most
  HTTP_MAX_CONNECTIONS are served at once (the rest wait in the listen
  backlog), a connection that has not sent a complete request head within
  HTTP_HEADER_SECONDS (idle keep-alive included) is closed, and every socket
  operation is bounded by HTTP_SOCKET_SECONDS.
- eventlet refuses malformed requests itself (URI too long, header line too
  long, bad Content-Length, ...) with empty or HTML bodies: here with the JSON
  error format every other answer uses.
- a connection that fails in an unexpected way ends that connection only.
"""
import errno
import json
import logging
import socket
import time
from functools import partial

import eventlet
from eventlet.semaphore import Semaphore
from eventlet.wsgi import HeadersTooLarge, HeaderLineTooLong
from nameko.web.server import HttpOnlyProtocol, WebServer

log = logging.getLogger("pingjian.gateway.server")

PROTOCOL = "pingjian.protocol"  # environ key: the connection's protocol object (to close it after a response)

# accept() errors that mean "the process or system is short of something right now": wait, go on.
_RESOURCE_ERRNOS = {errno.EMFILE, errno.ENFILE, errno.ENOBUFS, errno.ENOMEM}


class _HeaderTimeout(socket.timeout):
    """The request head did not arrive in time. A socket.timeout, which eventlet's server
    already treats as "close this connection quietly"."""


def raw_json_error(status, reason, code, message):
    """A complete HTTP response (bytes) in the JSON error format, for refusals made before
    any application code runs; the connection is closed after it."""
    body = json.dumps({"error": {"code": code, "message": message}}, ensure_ascii=False).encode()
    head = (f"HTTP/1.1 {status} {reason}\r\nContent-Type: application/json; charset=utf-8\r\n"
            f"Content-Length: {len(body)}\r\nX-Content-Type-Options: nosniff\r\nConnection: close\r\n\r\n")
    return head.encode("latin-1") + body


class JsonHttpProtocol(HttpOnlyProtocol):
    """eventlet's HTTP protocol with a deadline for the request head and JSON refusals."""

    def handle_one_request(self):
        # From the moment we wait for a request until its head is complete: covers idle
        # keep-alive connections and clients that send a request line byte by byte.
        self._head_deadline = eventlet.Timeout(self.server.header_seconds, _HeaderTimeout())
        try:
            super().handle_one_request()
        finally:
            self._head_deadline.cancel()

    def get_environ(self):
        self._head_deadline.cancel()  # the head is complete; the body has its own bounds
        environ = super().get_environ()
        environ[PROTOCOL] = self
        return environ

    def _refuse(self, status, reason, code, message):
        try:
            self.wfile.write(raw_json_error(status, reason, code, message))
            self.wfile.flush()
        except OSError:
            pass
        self.close_connection = 1

    def _read_request_line(self):
        line = super()._read_request_line()
        if len(line) >= self.server.url_length_limit:
            self._refuse(414, "URI Too Long", "uri_too_long", "请求地址过长")
            return ""  # eventlet then closes the connection without writing its own 414
        return line

    def parse_request(self):
        try:
            if not super().parse_request():
                return False  # send_error (below) has answered
        except (HeaderLineTooLong, HeadersTooLarge):
            self._refuse(431, "Request Header Fields Too Large", "headers_too_large", "请求头过大")
            return False
        length, encoding = self.headers.get("content-length"), self.headers.get("transfer-encoding")
        if length is not None and not (length.isascii() and length.isdigit()):
            self._refuse(400, "Bad Request", "bad_request", "Content-Length 无效")
            return False
        if encoding is not None and (length is not None or encoding.strip().lower() != "chunked"):
            # Anything but a lone "chunked" could be framed differently by a proxy in front of us.
            self._refuse(400, "Bad Request", "bad_request", "不支持的 Transfer-Encoding 或与 Content-Length 同时出现")
            return False
        return True

    def send_error(self, code, message=None, explain=None):
        # Python's BaseHTTPRequestHandler refusals (bad request line, 431, 505): JSON, not HTML.
        reason = self.responses.get(code, ("Error",))[0]
        self._refuse(code, reason, "bad_request" if code < 500 else "http_error",
                     f"无法解析的 HTTP 请求：{message or reason}")


class SafeWebServer(WebServer):
    """nameko's WebServer with the accept loop, limits and protocol described above."""

    def setup(self):
        super().setup()
        config = self.container.config
        self.max_connections = int(config.get("HTTP_MAX_CONNECTIONS", 512))
        self.header_seconds = float(config.get("HTTP_HEADER_SECONDS", 15))
        self.socket_seconds = float(config.get("HTTP_SOCKET_SECONDS", 30))
        self._slots = Semaphore(self.max_connections)
        self._last_resource_warning = 0.0

    def get_wsgi_server(self, sock, wsgi_app, protocol=JsonHttpProtocol, debug=False):
        server = super().get_wsgi_server(sock, wsgi_app, protocol=protocol, debug=debug)
        server.socket_timeout = self.socket_seconds
        server.header_seconds = self.header_seconds
        return server

    def run(self):
        while self._is_accepting:
            self._slots.acquire()  # at the cap, new connections wait in the listen backlog
            try:
                sock, address = self._sock.accept()
            except OSError as exc:
                self._slots.release()
                if not self._is_accepting:
                    return
                self._accept_failed(exc)
                continue
            sock.settimeout(self._serv.socket_timeout)
            thread = self.container.spawn_managed_thread(partial(self._serve_connection, sock, address),
                                                         identifier="http_connection")
            thread.link(lambda _: self._slots.release())

    def _accept_failed(self, exc):
        if exc.errno in _RESOURCE_ERRNOS:
            now = time.monotonic()
            if now - self._last_resource_warning > 10:  # once per 10 s, not once per attempt
                self._last_resource_warning = now
                log.error("cannot accept connections: %s; retrying", exc, extra={"errno": exc.errno})
            eventlet.sleep(0.1)
        else:  # ECONNABORTED and the like: one client's problem
            log.warning("accept failed: %r", exc)

    def _serve_connection(self, sock, address):
        try:
            self.process_request(sock, address)
        except Exception as exc:  # one connection's failure must not end the container
            log.warning("connection from %s ended with an error: %r", address[0] if address else "?", exc)
        finally:
            try:
                sock.close()
            except OSError:
                pass

    @property
    def free_connections(self):
        return self._slots.balance
