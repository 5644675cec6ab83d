"""ops.launcher: the platform's processes never outlive the launcher."""
import os
import subprocess
import sys
import time

import pytest

from ops.launcher import ROOT

LAUNCHER = """
import os, sys, tempfile
from ops.launcher import Process
child = Process("sleeper", [sys.executable, "-c", "import time; time.sleep(60)"], dict(os.environ),
                tempfile.mkdtemp()).start()
print(child.popen.pid, flush=True)
os._exit(0)  # the launcher dies without stopping its children, as under SIGKILL or a hard timeout
"""


def alive(pid):
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    try:
        with open(f"/proc/{pid}/stat") as stat:  # a zombie waiting for init to reap it is gone too
            return stat.read().split()[2] != "Z"
    except FileNotFoundError:
        return False


def status(pid):
    try:
        with open(f"/proc/{pid}/status") as lines:
            return {k: v.strip() for k, _, v in (line.partition(":") for line in lines)
                    if k in ("State", "PPid", "SigIgn", "SigCgt", "SigBlk")}
    except FileNotFoundError:
        return "gone"


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="PR_SET_PDEATHSIG is Linux-only")
def test_children_die_when_the_launcher_dies_abruptly():
    out = subprocess.run([sys.executable, "-c", LAUNCHER], capture_output=True, text=True, check=True,
                         cwd=str(ROOT))
    pid = int(out.stdout.strip())
    deadline = time.monotonic() + 10
    while alive(pid) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not alive(pid), f"the child outlived its launcher: {status(pid)}"


def test_an_unreachable_broker_is_named_without_its_password():
    from ops.launcher import broker_reachable, free_port
    uri = f"pyamqp://guest:topsecret-pw@127.0.0.1:{free_port()}/"
    with pytest.raises(ConnectionError) as raised:
        broker_reachable(uri, timeout=1)
    message = str(raised.value)
    assert "topsecret-pw" not in message
    assert f"pyamqp://guest:***@127.0.0.1:{uri.rsplit(':', 1)[1]}" in message and "AMQP_URI" in message
