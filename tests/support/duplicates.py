"""Proof that a duplicate delivery was handled, not merely given time.

A consumer that meets an event it already processed says so, once per delivery (``kit/events.py``:
"duplicate event <id> ignored by <consumer>", at INFO). A duplicate-delivery test waits for those
lines, one per duplicate it sent, and only then asserts that nothing was added: a sleep instead
would pass as well when the duplicates had not been consumed yet.

- ``ignored_in_log(path, event_id)``: the lines of a process's JSON log (e2e platform, ``kit.run``
  processes) saying ``event_id`` was ignored as a duplicate.
- ``IgnoredDuplicates``: the same for a service in this process (integration tests' containers),
  read from the ``pingjian.events`` logger while the context is open.
"""
import json
import logging
import threading
from pathlib import Path

from tests.support.waiting import wait_for

LOGGER = "pingjian.events"


def _ignored(message, event_id):
    return message.startswith(f"duplicate event {event_id} ignored by ")


def ignored_in_log(path, event_id):
    found = []
    try:
        text = Path(path).read_text(encoding="utf-8", errors="replace")
    except FileNotFoundError:
        return found
    for line in text.splitlines():
        if event_id not in line or not line.startswith("{"):
            continue
        try:
            message = json.loads(line).get("message", "")
        except ValueError:  # a line being written right now
            continue
        if _ignored(message, event_id):
            found.append(message)
    return found


def wait_until_ignored_in_log(path, event_id, times, timeout=15):
    """Wait until the process logging to ``path`` ignored ``event_id`` as a duplicate ``times`` times."""
    return wait_for(lambda: len(ignored_in_log(path, event_id)) >= times, timeout=timeout,
                    message=f"{times} duplicate(s) of {event_id} ignored (in {path})")


class IgnoredDuplicates(logging.Handler):
    """``with IgnoredDuplicates() as seen: ...; seen.wait({event_id: times, ...})``."""

    def __init__(self):
        super().__init__(logging.INFO)
        self._lock_ = threading.Lock()
        self.messages = []
        self._logger = logging.getLogger(LOGGER)
        self._level = None

    def emit(self, record):
        with self._lock_:
            self.messages.append(record.getMessage())

    def count(self, event_id):
        with self._lock_:
            return sum(1 for message in self.messages if _ignored(message, event_id))

    def wait(self, expected, timeout=15):
        """Wait until each event id of ``expected`` was ignored at least that many times."""
        return wait_for(lambda: all(self.count(event_id) >= times for event_id, times in expected.items()),
                        timeout=timeout, message=f"the duplicates ignored: {expected}")

    def __enter__(self):
        self._level = self._logger.level
        if self._logger.getEffectiveLevel() > logging.INFO:
            self._logger.setLevel(logging.INFO)
        self._logger.addHandler(self)
        return self

    def __exit__(self, *exc):
        self._logger.removeHandler(self)
        self._logger.setLevel(self._level)
