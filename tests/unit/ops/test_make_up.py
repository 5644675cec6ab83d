"""`make up` names the missing secrets and stops, instead of leaving it to compose (whose `:?` would
also break `make down`); with them set it runs docker compose. A stub `docker` records the call."""
import os
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[3]
SECRETS = {"JWT_SECRET": "x" * 48, "PINGJIAN_ADMIN_USER": "admin", "PINGJIAN_ADMIN_PASSWORD": "admin-password-1",
           "PINGJIAN_DATA_KEYS": "k1:" + "A" * 43 + "="}


@pytest.fixture
def stub_docker(tmp_path):
    bin_dir, calls = tmp_path / "bin", tmp_path / "docker-calls"
    bin_dir.mkdir()
    (bin_dir / "docker").write_text(f'#!/bin/sh\necho "$@" >> {calls}\n')
    (bin_dir / "docker").chmod(0o755)
    return bin_dir, calls


def clean_env(bin_dir, **extra):
    env = {k: v for k, v in os.environ.items() if k not in SECRETS and not k.startswith("MAKE")}
    return {**env, "PATH": f"{bin_dir}:{env['PATH']}", **extra}


def check(cwd, env, *args):
    return subprocess.run([str(ROOT / "ops" / "check_compose_env.sh"), *args], cwd=cwd, env=env,
                          capture_output=True, text=True)


def test_the_check_names_every_missing_secret(tmp_path):
    result = check(tmp_path, clean_env(tmp_path, PINGJIAN_ADMIN_USER="admin"))
    assert result.returncode != 0
    assert "JWT_SECRET" in result.stderr and "PINGJIAN_ADMIN_PASSWORD" in result.stderr
    assert "PINGJIAN_ADMIN_USER" not in result.stderr.splitlines()[0]


def test_the_check_accepts_the_shell_or_the_env_file(tmp_path):
    assert check(tmp_path, clean_env(tmp_path, **SECRETS)).returncode == 0
    (tmp_path / ".env").write_text("JWT_SECRET=abc\nexport PINGJIAN_ADMIN_USER='admin'\n"
                                   "PINGJIAN_ADMIN_PASSWORD=\nPINGJIAN_DATA_KEYS=k1:x\n")
    result = check(tmp_path, clean_env(tmp_path))
    assert result.returncode != 0 and "missing PINGJIAN_ADMIN_PASSWORD (" in result.stderr  # empty is missing
    assert check(tmp_path, clean_env(tmp_path, PINGJIAN_ADMIN_PASSWORD="p")).returncode == 0


@pytest.mark.skipif((ROOT / ".env").exists(), reason="a local .env would provide the secrets")
def test_make_up_without_secrets_fails_before_docker_runs(stub_docker):
    bin_dir, calls = stub_docker
    result = subprocess.run(["make", "-s", "up"], cwd=ROOT, env=clean_env(bin_dir), capture_output=True, text=True)
    assert result.returncode != 0
    assert "JWT_SECRET" in result.stderr and "PINGJIAN_ADMIN_PASSWORD" in result.stderr
    assert not calls.exists(), "docker compose ran without the secrets"


def test_make_up_with_secrets_runs_compose_and_make_down_needs_none(stub_docker):
    bin_dir, calls = stub_docker
    up = subprocess.run(["make", "-s", "up"], cwd=ROOT, env=clean_env(bin_dir, **SECRETS), capture_output=True,
                        text=True)
    assert up.returncode == 0, up.stderr
    down = subprocess.run(["make", "-s", "down"], cwd=ROOT, env=clean_env(bin_dir), capture_output=True, text=True)
    assert down.returncode == 0, down.stderr
    assert calls.read_text().splitlines() == ["compose up -d --build", "compose down"]
