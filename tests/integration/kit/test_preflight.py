"""A production start with a missing or published secret is refused, with a message that says
what to set, before the process serves anything (python -m kit.run, as compose and make run start
every process)."""
import os
import secrets
import subprocess
import sys

import pytest
from cryptography.fernet import Fernet

from kit.preflight import ALLOW_DEV_SECRETS, DEV_ADMIN_PASSWORD
from ops.launcher import ROOT
from tests.support.waiting import wait_for

pytestmark = pytest.mark.processes  # starts processes of its own: not in make test-fast

ACCOUNTS = "services.accounts.service:AccountsService"
CASES = "services.cases.service:CasesService"
GATEWAY = "gateway.service:GatewayService"


def start(target, rabbit_config, mongo_uri, db_prefix, **env):
    base = {key: value for key, value in os.environ.items()
            if not key.startswith(("PINGJIAN_", "JWT_"))}
    base.update({"PYTHONPATH": str(ROOT), "AMQP_URI": rabbit_config["AMQP_URI"], "MONGO_URI": mongo_uri,
                 "MONGO_DB_PREFIX": db_prefix, "JWT_SECRET": secrets.token_urlsafe(40),
                 "PINGJIAN_DATA_KEYS": f"k1:{Fernet.generate_key().decode()}", **env})
    return subprocess.run([sys.executable, "-m", "kit.run", "--config", "config.yml", target], cwd=ROOT,
                          env=base, capture_output=True, text=True, timeout=60)


@pytest.mark.parametrize("target, env, named", [
    (GATEWAY, {"JWT_SECRET": ""}, "JWT_SECRET"),
    (GATEWAY, {"JWT_SECRET": "too-short"}, "JWT_SECRET"),
    (CASES, {"PINGJIAN_DATA_KEYS": ""}, "DATA_KEYS"),
    (CASES, {"PINGJIAN_DATA_KEYS": "k1:not-a-key"}, "k1"),
    (ACCOUNTS, {"PINGJIAN_ADMIN_USER": "admin", "PINGJIAN_ADMIN_PASSWORD": DEV_ADMIN_PASSWORD},
     "PINGJIAN_ADMIN_PASSWORD"),
])
def test_a_missing_or_published_secret_refuses_the_start(target, env, named, rabbit_config, mongo_uri, db_prefix):
    result = start(target, rabbit_config, mongo_uri, db_prefix, **env)
    assert result.returncode == 2, result.stderr[-2000:]
    refusal = [line for line in result.stderr.splitlines() if line.startswith("refusing to start:")]
    assert refusal and named in refusal[0], result.stderr[-2000:]


def test_make_run_may_use_the_published_development_password(rabbit_config, mongo_uri, db_prefix, service_db):
    """The same start with PINGJIAN_ALLOW_DEV_SECRETS=1 (what make run sets) is not refused: the
    process runs and creates the development admin."""
    base = {key: value for key, value in os.environ.items() if not key.startswith(("PINGJIAN_", "JWT_"))}
    process = subprocess.Popen(
        [sys.executable, "-m", "kit.run", "--config", "config.yml", ACCOUNTS], cwd=ROOT,
        env={**base, "PYTHONPATH": str(ROOT), "AMQP_URI": rabbit_config["AMQP_URI"], "MONGO_URI": mongo_uri,
             "MONGO_DB_PREFIX": db_prefix, "PINGJIAN_ADMIN_USER": "admin",
             "PINGJIAN_ADMIN_PASSWORD": DEV_ADMIN_PASSWORD, ALLOW_DEV_SECRETS: "1"},
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        wait_for(lambda: process.poll() is not None or
                 service_db("accounts").users.count_documents({"username": "admin"}) == 1,
                 timeout=60, message="the development admin created")
        assert process.poll() is None, "the process stopped"
    finally:
        process.terminate()
        process.wait(timeout=30)
