"""The access ledger's consumer and its database run at a lower CPU priority than the request path."""
import subprocess
import sys

from ops import launcher


def test_only_the_ledgers_processes_are_background(monkeypatch):
    monkeypatch.delenv("PINGJIAN_BACKGROUND_NICE", raising=False)
    assert launcher.background_nice("audit") == 10 and launcher.background_nice("secantusdb-audit") == 10
    assert launcher.background_nice("cases") == 0 and launcher.background_nice("gateway") == 0
    assert launcher.background_nice("secantusdb-cases") == 0
    monkeypatch.setenv("PINGJIAN_BACKGROUND_NICE", "0")
    assert launcher.background_nice("audit") == 0


def test_a_background_process_really_runs_niced(tmp_path, monkeypatch):
    monkeypatch.delenv("PINGJIAN_BACKGROUND_NICE", raising=False)
    probe = [sys.executable, "-c", "import os; print(os.nice(0))\n"
             "try:\n    print(open('/proc/self/autogroup').read().split('nice')[1].strip())\n"
             "except OSError:\n    print('none')"]
    for name in ("audit", "cases"):
        proc = launcher.Process(name, probe, {}, tmp_path).start()
        proc.popen.wait(10)
        expected = launcher.os.nice(0) + (10 if name == "audit" else 0)
        nice, group = (tmp_path / f"{name}.log").read_text().split()
        assert nice == str(min(expected, 19))
        if name == "audit" and group != "none":  # its autogroup yields too, where the kernel has them
            assert group == "10"
