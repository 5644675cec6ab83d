"""Per-process resident memory and CPU time, read from /proc (Linux only)."""
import os
import time
from pathlib import Path

_TICK = os.sysconf("SC_CLK_TCK")


def rss_mb(pid):
    """VmRSS of ``pid`` in MB (MiB), or None if it is gone."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    except OSError:
        return None
    return None


def cpu_seconds(pid):
    """User + system CPU seconds used so far by ``pid`` (threads included), or None."""
    try:
        raw = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    fields = raw[raw.rindex(")") + 2:].split()
    return (int(fields[11]) + int(fields[12])) / _TICK


def pids_named(comm):
    """Pids whose /proc/<pid>/comm is ``comm`` (e.g. RabbitMQ's ``beam.smp``); read-only."""
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                if (entry / "comm").read_text().strip() == comm:
                    found.append(int(entry.name))
            except OSError:
                pass
    return found


class CpuMeter:
    """CPU seconds each named process used between ``start()`` and ``stop()``."""

    def __init__(self, pids):
        self.pids = {name: pid for name, pid in pids.items() if pid}
        self._before = {}

    def start(self):
        self._before = {name: cpu_seconds(pid) for name, pid in self.pids.items()}
        return self

    def stop(self):
        used = {}
        for name, pid in self.pids.items():
            after, before = cpu_seconds(pid), self._before.get(name)
            if after is not None and before is not None:
                used[name] = after - before
        return used


def _machine_ticks():
    with open("/proc/stat") as f:
        values = [int(v) for v in f.readline().split()[1:9]]
    idle = values[3] + values[4]  # idle + iowait
    return sum(values), idle


class MachineMeter:
    """Machine-wide CPU use (all processes and the kernel) between ``start()`` and ``stop()``, in cores."""

    def start(self):
        self._t0, (self._total0, self._idle0) = time.monotonic(), _machine_ticks()
        return self

    def stop(self):
        total, idle = _machine_ticks()
        busy_fraction = 1 - (idle - self._idle0) / max(total - self._total0, 1)
        return round(busy_fraction * (os.cpu_count() or 1), 2)
