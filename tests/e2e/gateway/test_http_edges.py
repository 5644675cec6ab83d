"""What a client can send that is not a plain JSON request (hardening issue §2 and §3):
chunked and oversized bodies, other media types, broken requests, slow and idle connections.
Every refusal is in the JSON error format, and nothing is written."""
import json
import socket
import time
import urllib.error
import urllib.request
from urllib.parse import urlsplit

import pytest
import requests
from requests.structures import CaseInsensitiveDict

from tests.e2e.conftest import HEADER_SECONDS
from tests.support.api import unique_case_no

MAX_BODY = 1024 * 1024


def address(stack):
    parts = urlsplit(stack.base_url)
    return parts.hostname, parts.port


def raw_exchange(stack, data, read_timeout=10):
    """Send raw bytes, return (status, headers, parsed JSON body) of the answer."""
    with socket.create_connection(address(stack), timeout=read_timeout) as sock:
        sock.sendall(data)
        received = b""
        while True:
            try:
                chunk = sock.recv(65536)
            except ConnectionResetError:
                break
            if not chunk:
                break
            received += chunk
    head, _, body = received.partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    headers = CaseInsensitiveDict(line.split(": ", 1) for line in lines[1:] if ": " in line)
    return int(lines[0].split()[1]), headers, json.loads(body.decode("utf-8"))


def case_body(case_no):
    return {"case_no": case_no, "title": "分块请求", "category": "criminal", "department": "criminal"}


def absent(api, case_no):
    return api.get("/v1/cases", params={"q": case_no}).json()["items"] == []


def test_a_chunked_body_is_read(criminal_head):
    _, head = criminal_head
    case_no = unique_case_no()
    encoded = json.dumps(case_body(case_no), ensure_ascii=False).encode()
    pieces = (encoded[i:i + 7] for i in range(0, len(encoded), 7))  # a generator: requests sends it chunked
    response = head.post("/v1/cases", data=pieces, headers={"Content-Type": "application/json"})
    assert response.request.headers.get("Transfer-Encoding") == "chunked"
    assert response.status_code == 201, response.text
    assert response.json()["case_no"] == case_no


def test_a_chunked_body_over_the_limit_is_413(criminal_head):
    _, head = criminal_head
    case_no = unique_case_no()
    big = json.dumps({**case_body(case_no), "title": "x" * (MAX_BODY + 10)}).encode()
    response = head.post("/v1/cases", data=(big[i:i + 65536] for i in range(0, len(big), 65536)),
                         headers={"Content-Type": "application/json"})
    assert response.status_code == 413 and response.json()["error"]["code"] == "payload_too_large"
    assert absent(head, case_no)


@pytest.mark.parametrize("authenticated", [True, False])
def test_a_client_still_sending_a_large_body_reads_the_refusal(stack, criminal_head, authenticated):
    """urllib sends all 6 MB before it reads: it must get the 413 (or 401), not a connection reset."""
    _, head = criminal_head
    headers = {"Content-Type": "application/json"}
    if authenticated:
        headers["Authorization"] = f"Bearer {head.token}"
    body = json.dumps({"case_no": unique_case_no(), "title": "x" * (6 * 1024 * 1024)}).encode()
    request = urllib.request.Request(stack.base_url + "/v1/cases", data=body, headers=headers, method="POST")
    with pytest.raises(urllib.error.HTTPError) as refused:
        urllib.request.urlopen(request, timeout=30)
    assert refused.value.code == (413 if authenticated else 401)
    assert json.loads(refused.value.read())["error"]["code"] in ("payload_too_large", "unauthorized")


@pytest.mark.parametrize("content_type,data", [("text/plain", None), ("application/x-www-form-urlencoded",
                                                                      "case_no=x&title=y")])
def test_a_body_that_is_not_json_is_415(criminal_head, content_type, data):
    _, head = criminal_head
    case_no = unique_case_no()
    payload = data or json.dumps(case_body(case_no))
    response = head.post("/v1/cases", data=payload.encode(), headers={"Content-Type": content_type})
    assert response.status_code == 415, response.text
    assert response.json()["error"]["code"] == "unsupported_media_type"
    assert absent(head, case_no)


@pytest.mark.parametrize("request_bytes,status", [
    (b"GET /" + b"a" * 9000 + b" HTTP/1.1\r\nHost: x\r\n\r\n", 414),
    (b"GET /health HTTP/1.1\r\nHost: x\r\nX-Long: " + b"a" * 9000 + b"\r\n\r\n", 431),
    (b"GET /health HTTP/1.1\r\nHost: x\r\n" + b"".join(b"X-H%d: %s\r\n" % (i, b"a" * 900) for i in range(80))
     + b"\r\n", 431),
    (b"POST /v1/auth/token HTTP/1.1\r\nHost: x\r\nContent-Length: -1\r\n\r\n", 400),
    (b"POST /v1/auth/token HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\nTransfer-Encoding: chunked\r\n\r\n{}",
     400),
    (b"POST /v1/auth/token HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: gzip, chunked\r\n\r\n0\r\n\r\n", 400),
    (b"NOT A REQUEST\r\n\r\n", 400),
])
def test_requests_the_server_refuses_itself_get_json_errors(stack, request_bytes, status):
    got, headers, body = raw_exchange(stack, request_bytes)
    assert got == status
    assert headers["Content-Type"].startswith("application/json")
    assert body["error"]["code"] and body["error"]["message"]


def test_idle_and_half_sent_connections_are_closed(stack):
    sockets = []
    for i in range(50):
        sock = socket.create_connection(address(stack), timeout=HEADER_SECONDS + 10)
        sock.sendall(b"GET /hea" if i % 2 else b"")  # half a request line, or nothing at all
        sockets.append(sock)
    started = time.monotonic()
    try:
        for sock in sockets:
            assert sock.recv(1024) == b""  # the server hung up
    finally:
        for sock in sockets:
            sock.close()
    assert time.monotonic() - started < HEADER_SECONDS + 5
    assert requests.get(stack.base_url + "/health", timeout=5).status_code == 200


def test_security_headers_are_on_every_answer(stack, anonymous):
    token = anonymous.post("/v1/auth/token", json={"username": stack.admin_user, "password": stack.admin_password})
    assert token.headers["Cache-Control"] == "no-store"
    for response in (token, anonymous.get("/v1/nowhere"), anonymous.get("/health"), anonymous.get("/v1/me")):
        assert response.headers["X-Content-Type-Options"] == "nosniff"


@pytest.mark.parametrize("offered", [b"with space", b"<script>", "\u00fc\u00fc".encode("utf-8"), b"x" * 200])
def test_an_unsafe_request_id_is_replaced(stack, offered):
    status, headers, _ = raw_exchange(stack, b"GET /v1/nowhere HTTP/1.1\r\nHost: x\r\nConnection: close\r\n"
                                             b"X-Request-ID: " + offered + b"\r\n\r\n")
    assert status == 404
    assert headers["X-Request-ID"].encode() != offered and len(headers["X-Request-ID"]) == 32


def test_a_safe_request_id_is_kept(anonymous):
    assert anonymous.get("/health", headers={"X-Request-ID": "ok-id.1:2"}).headers["X-Request-ID"] == "ok-id.1:2"
