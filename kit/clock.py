"""Now, from one place: every timestamp, lease, window and due date of the platform reads it here.

Real time unless the environment moves it, for the e2e platform and ``make run`` to see deadlines
fire without waiting weeks:

- ``PINGJIAN_CLOCK_OFFSET_DAYS`` (may be fractional or negative) and/or
  ``PINGJIAN_CLOCK_OFFSET_SECONDS``: the clock runs that far ahead of (or behind) real time.

A moved clock needs ``PINGJIAN_ALLOW_FAKE_CLOCK=1`` as well: a production process refuses to start
with a fake clock unless that is explicitly allowed (``kit.run`` checks it before anything else).
Every process of one platform must share the same offset (the launcher passes it to all).

Instants are UTC with millisecond precision (what BSON dates keep, so a value read back compares
equal); due dates are calendar dates in Asia/Shanghai (``today()``).
"""
import os
from datetime import datetime, timedelta, timezone
from zoneinfo import ZoneInfo

SHANGHAI = ZoneInfo("Asia/Shanghai")
OFFSET_DAYS, OFFSET_SECONDS, ALLOW = "PINGJIAN_CLOCK_OFFSET_DAYS", "PINGJIAN_CLOCK_OFFSET_SECONDS", \
    "PINGJIAN_ALLOW_FAKE_CLOCK"


class FakeClockRefused(RuntimeError):
    """The environment moves the clock but does not allow a fake clock."""


def offset_from(environ):
    days = float(environ.get(OFFSET_DAYS) or 0)
    seconds = float(environ.get(OFFSET_SECONDS) or 0)
    return timedelta(days=days, seconds=seconds)


_offset = offset_from(os.environ) if os.environ.get(ALLOW) == "1" else timedelta(0)


def ensure_allowed(environ=os.environ):
    """Raise FakeClockRefused if ``environ`` moves the clock without allowing it."""
    if offset_from(environ) and environ.get(ALLOW) != "1":
        raise FakeClockRefused(
            f"{OFFSET_DAYS}/{OFFSET_SECONDS} move the clock, but {ALLOW}=1 is not set: a fake clock is for "
            "development and tests only")


def now():
    moment = datetime.now(timezone.utc) + _offset
    return moment.replace(microsecond=moment.microsecond // 1000 * 1000)


def today():
    """Today's calendar date in Asia/Shanghai (due dates are such dates)."""
    return now().astimezone(SHANGHAI).date()


def offset():
    return _offset


def travel(delta):
    """Move this process's clock by ``delta`` (tests in one process); returns the new offset."""
    global _offset
    _offset += delta
    return _offset


def reset():
    global _offset
    _offset = timedelta(0)
