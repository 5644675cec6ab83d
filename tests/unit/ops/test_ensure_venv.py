"""ops/ensure_venv.sh, which `make install` (so `make run`, `make test`) runs before pip:
a supported Python, a working venv, and a clear word when either is missing. Fake pythons stand in
for the real ones (they answer the version question, `-m venv DIR` and `-m pip ...`)."""
import os
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[3]
SCRIPT = ROOT / "ops" / "ensure_venv.sh"

FAKE_PYTHON = """#!/bin/bash
# A fake python {version}: `-c ...` prints its version, `-m venv DIR` makes a venv of fakes (or fails
# half-way like Debian's python3 without python3-venv), `-m pip ...` works unless pip is missing.
case "$1 $2" in
  "-m venv")
    mkdir -p "$3/bin" && cp "$0" "$3/bin/python"
    {venv_failure}
    exit 0 ;;
  "-m pip") {pip} ;;
  -c*) echo "{version}" ;;
esac
"""
HALF_MADE_VENV = 'sed -i "s/^  \\"-m pip\\") .*/  \\"-m pip\\") echo No module named pip >\\&2; exit 1 ;;/" "$3/bin/python"; ' \
                 'echo "ensurepip is not available" >&2; exit 1'


def fake_python(path, version="3.11", pip_works=True, venv_fails=False):
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(FAKE_PYTHON.format(version=version, pip="exit 0" if pip_works else
                                       "echo 'No module named pip' >&2; exit 1",
                                       venv_failure=HALF_MADE_VENV if venv_fails else ""))
    path.chmod(0o755)
    return path


def pip_works(venv):
    return subprocess.run([str(venv / "bin" / "python"), "-m", "pip", "--version"], capture_output=True).returncode == 0


def ensure(python, venv, **env):
    environ = {k: v for k, v in os.environ.items() if k != "PINGJIAN_ANY_PYTHON"}
    return subprocess.run([str(SCRIPT), str(python), str(venv)], env={**environ, **env}, capture_output=True,
                          text=True)


@pytest.mark.parametrize("version", ["3.11", "3.12"])
def test_a_supported_python_makes_a_working_venv(tmp_path, version):
    venv = tmp_path / ".venv"
    result = ensure(fake_python(tmp_path / "py" / "python3", version), venv)
    assert result.returncode == 0, result.stderr
    assert pip_works(venv)


@pytest.mark.parametrize("version", ["3.10", "3.13", "pypy"])
def test_an_unsupported_python_is_refused_naming_the_version_it_needs(tmp_path, version):
    venv = tmp_path / ".venv"
    result = ensure(fake_python(tmp_path / "py" / "python3", version), venv)
    assert result.returncode != 0
    assert "3.11" in result.stderr and version in result.stderr and "PYTHON=" in result.stderr
    assert "PINGJIAN_ANY_PYTHON" in result.stderr
    assert not venv.exists()


def test_the_override_accepts_any_python(tmp_path):
    venv = tmp_path / ".venv"
    result = ensure(fake_python(tmp_path / "py" / "python3", "3.13"), venv, PINGJIAN_ANY_PYTHON="1")
    assert result.returncode == 0, result.stderr
    assert pip_works(venv)


def test_a_missing_python_is_named(tmp_path):
    result = ensure(tmp_path / "no-such-python3", tmp_path / ".venv")
    assert result.returncode != 0 and "no-such-python3" in result.stderr and "3.11" in result.stderr


def test_a_failed_venv_creation_says_to_install_python3_venv_and_leaves_nothing_behind(tmp_path):
    venv = tmp_path / ".venv"
    result = ensure(fake_python(tmp_path / "py" / "python3", venv_fails=True), venv)
    assert result.returncode != 0
    assert "apt-get install python3-venv" in result.stderr
    assert not venv.exists(), "a half-made venv (python without pip) would break every later make"


def test_a_broken_venv_is_recreated(tmp_path):
    venv = tmp_path / ".venv"
    fake_python(venv / "bin" / "python", pip_works=False)  # what a failed `python3 -m venv` leaves behind
    (venv / "leftover").write_text("")
    result = ensure(fake_python(tmp_path / "py" / "python3"), venv)
    assert result.returncode == 0, result.stderr
    assert "recreating" in result.stderr
    assert pip_works(venv) and not (venv / "leftover").exists()


def test_a_venv_of_an_unsupported_python_is_recreated_with_a_supported_one(tmp_path):
    venv = tmp_path / ".venv"
    fake_python(venv / "bin" / "python", "3.13")
    result = ensure(fake_python(tmp_path / "py" / "python3", "3.11"), venv)
    assert result.returncode == 0, result.stderr
    assert subprocess.run([str(venv / "bin" / "python"), "-c", ""], capture_output=True,
                          text=True).stdout.strip() == "3.11"


def test_a_working_symlinked_venv_is_used_as_it_is(tmp_path):
    shared = tmp_path / "shared-venv"
    fake_python(shared / "bin" / "python")
    (tmp_path / "wt").mkdir()
    link = tmp_path / "wt" / ".venv"
    link.symlink_to(shared)
    result = ensure(tmp_path / "no-python-needed", link)
    assert result.returncode == 0, result.stderr
    assert link.is_symlink() and pip_works(link)


def test_a_broken_symlinked_venv_is_reported_not_deleted(tmp_path):
    shared = tmp_path / "shared-venv"
    fake_python(shared / "bin" / "python", pip_works=False)
    (tmp_path / "wt").mkdir()
    link = tmp_path / "wt" / ".venv"
    link.symlink_to(shared)
    result = ensure(fake_python(tmp_path / "py" / "python3"), link)
    assert result.returncode != 0
    assert "symlink" in result.stderr and str(shared) in result.stderr
    assert link.is_symlink() and (shared / "bin" / "python").exists()


def test_make_install_uses_the_checks_and_keeps_its_stamp(tmp_path):
    """The Makefile wiring: a broken venv is recreated, pip runs, the stamp is written; an unsupported
    PYTHON stops make with the message."""
    venv = tmp_path / ".venv"
    fake_python(venv / "bin" / "python", pip_works=False)
    make_env = {k: v for k, v in os.environ.items() if not k.startswith("MAKE") and k != "PINGJIAN_ANY_PYTHON"}

    def make(python):
        return subprocess.run(["make", "-s", "install", f"PYTHON={python}", f"VENV={venv}"], cwd=ROOT,
                              env=make_env, capture_output=True, text=True)
    refused = make(fake_python(tmp_path / "py13" / "python3", "3.13"))
    assert refused.returncode != 0 and "3.11" in refused.stderr
    done = make(fake_python(tmp_path / "py11" / "python3", "3.11"))
    assert done.returncode == 0, done.stderr
    assert pip_works(venv) and list(venv.glob(".installed-*")), "no install stamp"
    again = make(tmp_path / "py13" / "python3")  # stamp up to date: nothing to do, no check
    assert again.returncode == 0, again.stderr
