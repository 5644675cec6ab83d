"""`make run` (python -m ops.run_local) keeps its data across a restart, as the README promises.

The launcher runs as users run it: a subprocess, stopped with SIGINT (Ctrl-C),
started again on the same var dir (PINGJIAN_VAR_DIR), on its own ports and a
fresh RabbitMQ vhost. The bootstrap admin is created once: a second start with
another PINGJIAN_ADMIN_PASSWORD does not overwrite it.
"""
import os
import signal
import subprocess
import sys
import time
import uuid

import pytest
import requests

from ops.launcher import ROOT, free_port
from tests.support.api import Api

# Whatever the test run itself was given must not leak into the launcher under test.
LAUNCHER_SETTINGS = ("AMQP_URI", "RELAY_AMQP_URI", "MONGO_URI", "MONGO_DB_PREFIX", "JWT_SECRET", "GATEWAY_ADDRESS",
                     "PINGJIAN_ADMIN_USER", "PINGJIAN_ADMIN_PASSWORD", "PINGJIAN_VAR_DIR", "PINGJIAN_PORT",
                     "PINGJIAN_MONGO_PORT", "PINGJIAN_DATA_KEYS", "PINGJIAN_DATA_KEYS_FILE")


class RunLocal:
    def __init__(self, env, output):
        self.env, self.output, self.popen = env, output, None

    def start(self, timeout=90):
        self.output.touch()
        with open(self.output, "ab") as out:
            self.popen = subprocess.Popen([sys.executable, "-m", "ops.run_local"], cwd=ROOT, env=self.env,
                                          stdout=out, stderr=subprocess.STDOUT)
        base_url = f"http://127.0.0.1:{self.env['PINGJIAN_PORT']}"
        started_at = len(self.output.read_text())
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            assert self.popen.poll() is None, f"run_local exited:\n{self.output.read_text()}"
            # Up means what the user sees: the launcher's own "is up" line (the gateway may answer
            # /health a moment before the launcher has finished its checks).
            if f"is up: {base_url}" in self.output.read_text()[started_at:]:
                assert requests.get(base_url + "/health", timeout=5).status_code == 200
                return Api(base_url)
            time.sleep(0.5)
        raise AssertionError(f"run_local not up after {timeout}s:\n{self.output.read_text()}")

    def interrupt(self, timeout=60):
        """Ctrl-C, and the launcher stops everything it started and exits."""
        if self.popen is None or self.popen.poll() is not None:
            return
        self.popen.send_signal(signal.SIGINT)
        try:
            self.popen.wait(timeout)
        except subprocess.TimeoutExpired:
            self.popen.kill()  # its children follow it (PR_SET_PDEATHSIG)
            self.popen.wait()
            raise AssertionError(f"run_local ignored SIGINT for {timeout}s:\n{self.output.read_text()}")


@pytest.fixture
def vhost_uri(rabbit_manager):
    vhost = f"pingjian_run_local_{uuid.uuid4().hex[:8]}"
    rabbit_manager.create_vhost(vhost)
    rabbit_manager.set_vhost_permissions(vhost, "guest", ".*", ".*", ".*")
    yield f"pyamqp://guest:guest@127.0.0.1:5672/{vhost}"
    rabbit_manager.delete_vhost(vhost)


@pytest.mark.timeout(240)
def test_make_run_keeps_its_data_and_its_admin_across_a_restart(tmp_path, vhost_uri):
    var = tmp_path / "var"
    env = {k: v for k, v in os.environ.items() if k not in LAUNCHER_SETTINGS}
    env.update({"PINGJIAN_VAR_DIR": str(var), "PINGJIAN_PORT": str(free_port()),
                "PINGJIAN_MONGO_PORT": str(free_port()), "AMQP_URI": vhost_uri,
                "PINGJIAN_ADMIN_USER": "admin", "PINGJIAN_ADMIN_PASSWORD": "first-admin-password"})
    output = tmp_path / "run_local.out"
    user = {"username": "zhao", "password": "secret-2026-jiancha", "display_name": "赵检察官",
            "department": "criminal", "roles": ["prosecutor"]}

    first = RunLocal(env, output)
    try:
        api = first.start()
        admin = api.login("admin", "first-admin-password")
        created = admin.post("/v1/users", json=user)
        assert created.status_code == 201, created.text
    finally:
        first.interrupt()
    assert first.popen.returncode == 0, output.read_text()
    assert "✓ stopped" in output.read_text()
    # The data is in the var dir it was given, not in the repository's var/.
    assert (var / "mongo").is_dir() and (var / "jwt_secret").is_file()

    second = RunLocal({**env, "PINGJIAN_ADMIN_PASSWORD": "second-admin-password"}, output)
    try:
        api = second.start()
        admin = api.login("admin", "first-admin-password")  # the bootstrap admin was not overwritten
        refused = api.post("/v1/auth/token", json={"username": "admin", "password": "second-admin-password"})
        assert refused.status_code == 401, refused.text
        again = admin.get(f"/v1/users/{created.json()['id']}")
        assert again.status_code == 200 and again.json()["username"] == "zhao", again.text
        api.login("zhao", "secret-2026-jiancha")
    finally:
        second.interrupt()
    assert second.popen.returncode == 0, output.read_text()


def write_previous_version_data(var):
    """A var/ as the previous version left it: users in the gateway's own database (no
    username_key, no version) and a case registered then, in a SecantusDB data directory."""
    from argon2 import PasswordHasher
    from pymongo import MongoClient

    from kit import clock
    from ops.launcher import start_secantus

    proc, uri = start_secantus(var / "mongo", free_port(), var / "log")
    try:
        with MongoClient(uri, tz_aware=True) as client:
            now = clock.now()
            client.pingjian_gateway.users.insert_many([
                {"_id": "legacy-admin", "username": "admin", "password_hash": PasswordHasher().hash("legacy-admin-pw"),
                 "display_name": "系统管理员", "department": "general", "roles": ["admin"], "active": True,
                 "created_at": now, "created_by": "bootstrap", "token_version": 1},
                {"_id": "legacy-qian", "username": "qian", "password_hash": PasswordHasher().hash("qian-old-secret"),
                 "display_name": "钱检察官", "department": "criminal", "roles": ["prosecutor"], "active": True,
                 "created_at": now, "created_by": "legacy-admin"}])
            client.pingjian_cases.cases.insert_one(
                {"_id": "legacy-case", "case_no": "平检刑诉〔2025〕77号", "title": "旧版本登记的案件",
                 "category": "criminal", "department": "criminal", "handler_id": "legacy-qian",
                 "status": "under_review", "version": 3, "created_by": "legacy-admin", "created_at": now,
                 "updated_at": now})
    finally:
        proc.stop()


@pytest.mark.timeout(240)
def test_a_var_dir_of_the_previous_version_keeps_its_users_and_data_after_the_upgrade(tmp_path, vhost_uri):
    var = tmp_path / "var"
    write_previous_version_data(var)
    env = {k: v for k, v in os.environ.items() if k not in LAUNCHER_SETTINGS}
    env.update({"PINGJIAN_VAR_DIR": str(var), "PINGJIAN_PORT": str(free_port()),
                "PINGJIAN_MONGO_PORT": str(free_port()), "AMQP_URI": vhost_uri,
                "PINGJIAN_ADMIN_USER": "admin", "PINGJIAN_ADMIN_PASSWORD": "a-new-bootstrap-pw"})
    upgraded = RunLocal(env, tmp_path / "run_local.out")
    try:
        api = upgraded.start()
        admin = api.login("admin", "legacy-admin-pw")  # the old admin, not a new bootstrap one
        assert api.post("/v1/auth/token", json={"username": "admin",
                                                "password": "a-new-bootstrap-pw"}).status_code == 401
        qian = api.login("qian", "qian-old-secret")
        case = qian.get("/v1/cases/legacy-case")
        assert case.status_code == 200 and case.json()["case_no"] == "平检刑诉〔2025〕77号"
        users = {u["username"] for u in admin.get("/v1/users", params={"limit": 100}).json()["items"]}
        assert users == {"admin", "qian"}
    finally:
        upgraded.interrupt()
