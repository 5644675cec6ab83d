"""A small HTTP client for the gateway, as any API consumer would use it."""
import uuid

import requests
from requests.adapters import HTTPAdapter


class _FromAddress(HTTPAdapter):
    """Connect from a given local address (e.g. 127.0.0.2: Linux routes all of 127/8 to loopback),
    so a test can be two clients at two addresses of one machine."""

    def __init__(self, source_address, **kwargs):
        self.source_address = source_address
        super().__init__(**kwargs)

    def init_poolmanager(self, *args, **kwargs):
        kwargs["source_address"] = (self.source_address, 0)
        return super().init_poolmanager(*args, **kwargs)


class Api:
    def __init__(self, base_url, token=None, source_address=None):
        self.base_url = base_url.rstrip("/")
        self.token = token
        self.source_address = source_address
        self.session = requests.Session()
        if source_address:
            self.session.mount("http://", _FromAddress(source_address))

    def as_user(self, token):
        return Api(self.base_url, token, self.source_address)

    def request(self, method, path, **kwargs):
        headers = kwargs.pop("headers", {})
        if self.token and "Authorization" not in headers:
            headers["Authorization"] = f"Bearer {self.token}"
        return self.session.request(method, self.base_url + path, headers=headers, timeout=30, **kwargs)

    def get(self, path, **kwargs):
        return self.request("GET", path, **kwargs)

    def post(self, path, **kwargs):
        return self.request("POST", path, **kwargs)

    def patch(self, path, **kwargs):
        return self.request("PATCH", path, **kwargs)

    def put(self, path, **kwargs):
        return self.request("PUT", path, **kwargs)

    def login(self, username, password):
        response = self.post("/v1/auth/token", json={"username": username, "password": password})
        assert response.status_code == 200, response.text
        return self.as_user(response.json()["access_token"])

    def create_user(self, role, department, password="password-123"):
        """As admin: create a user with a unique name; returns (user, api logged in as that user)."""
        username = f"{role}-{uuid.uuid4().hex[:8]}"
        response = self.post("/v1/users", json={"username": username, "password": password,
                                                "display_name": f"测试{role}", "department": department,
                                                "roles": [role]})
        assert response.status_code == 201, response.text
        return response.json(), self.login(username, password)


def unique_case_no():
    return f"平检刑诉〔2026〕{uuid.uuid4().hex[:8]}号"
