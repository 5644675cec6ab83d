""".ci/run: a wait that times out fails the run (instead of falling through to a confusing test
failure), and the tools the README story and browser tests need are installed when missing."""
import os
import re
import subprocess
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]
CI_RUN = ROOT / ".ci" / "run"
LIB = ROOT / ".ci" / "lib.sh"


def bash(script, env=None):
    return subprocess.run(["bash", "-c", f"set -euo pipefail; source {LIB}; {script}"], capture_output=True,
                          text=True, env=env, timeout=60)


def test_ci_run_has_no_wait_loop_that_falls_through():
    text = CI_RUN.read_text()
    # `for _ in $(seq 60); do check && break; sleep 1; done` ends 0 after the last try, ready or not.
    assert not re.search(r"&&\s*break\s*;", text), "a wait loop in .ci/run falls through on timeout"
    assert "wait_for " in text and f"source \"$(dirname \"$0\")/lib.sh\"" in text


def test_a_wait_that_times_out_fails_with_a_message():
    started = time.monotonic()
    result = bash('wait_for 2 "the thing" false; echo "not reached"')
    assert result.returncode != 0 and "not reached" not in result.stdout
    assert "the thing" in result.stderr and "2s" in result.stderr
    assert time.monotonic() - started < 10


def test_a_wait_that_succeeds_goes_on():
    result = bash('n=0; ready() { n=$((n+1)); [ $n -ge 2 ]; }; wait_for 5 "the thing" ready; echo "went on"')
    assert result.returncode == 0, result.stderr
    assert "went on" in result.stdout


def fake_apt(tmp_path):
    bin_dir, calls = tmp_path / "bin", tmp_path / "apt-calls"
    bin_dir.mkdir()
    for tool in ("apt-get", "sudo"):
        (bin_dir / tool).write_text(f'#!/bin/sh\n[ "$(basename $0)" = sudo ] && exec "$@"\n'
                                    f'echo "$@" >> {calls}\n')
        (bin_dir / tool).chmod(0o755)
    return {**os.environ, "PATH": f"{bin_dir}:{os.environ['PATH']}"}, calls


def test_missing_tools_are_installed_with_apt_get(tmp_path):
    env, calls = fake_apt(tmp_path)
    result = bash("ensure_tools bash pingjian-no-such-tool", env)
    assert result.returncode == 0, result.stderr
    lines = calls.read_text().splitlines()
    assert lines[-1] == "install -y --no-install-recommends pingjian-no-such-tool", lines


def test_present_tools_are_left_alone(tmp_path):
    env, calls = fake_apt(tmp_path)
    assert bash("ensure_tools bash sh", env).returncode == 0
    assert not calls.exists()


def test_ci_run_ensures_curl_jq_and_chromium_before_it_uses_curl():
    text = CI_RUN.read_text()
    ensure = re.search(r"^ensure_tools (.*)$", text, re.M)
    assert ensure and {"curl", "jq", "chromium"} <= set(ensure.group(1).split())
    assert text.index("ensure_tools") < text.index("curl -")
