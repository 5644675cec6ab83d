"""Password hashing (argon2), bounded: at most a few computations at once per process.

argon2 is deliberately expensive (64 MiB, 4 lanes): forty concurrent failed logins on two cores
stalled every other request for seconds. With the gate, at most ``concurrency`` run (in OS threads,
off the eventlet hub) and at most ``queue`` wait; anyone past that, or waiting longer than
``wait_seconds``, gets a fast Overloaded (503 with Retry-After)."""
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from eventlet import tpool
from eventlet.semaphore import Semaphore

from kit.errors import Overloaded

_hasher = PasswordHasher()
# Verifying against this when the user does not exist keeps the response time the same, so
# usernames cannot be probed by timing.
_DUMMY_HASH = _hasher.hash("pingjian-no-such-user")


class HashingGate:
    def __init__(self, concurrency=1, queue=4, wait_seconds=3.0):
        self.configure(concurrency, queue, wait_seconds)
        self._waiting = 0

    def configure(self, concurrency, queue, wait_seconds):
        self._slots = Semaphore(max(int(concurrency), 1))
        self._queue = max(int(queue), 0)
        self._wait_seconds = float(wait_seconds)

    def run(self, fn, *args, suspect=False):
        """``suspect``: a login from an address that has been failing; it may not take the last place
        in the queue, which is kept for a login from a clean address (a flood of failing logins does
        not keep the real user out)."""
        queue = self._queue - 1 if suspect and self._queue > 1 else self._queue
        if self._slots.locked() and self._waiting >= queue:
            raise Overloaded("登录请求过多，请稍后重试", retry_after=1)
        self._waiting += 1
        try:
            acquired = self._slots.acquire(timeout=self._wait_seconds)
        finally:
            self._waiting -= 1
        if not acquired:
            raise Overloaded("登录请求过多，请稍后重试", retry_after=1)
        try:
            return tpool.execute(fn, *args)
        finally:
            self._slots.release()


# One gate per process: every argon2 computation of the service goes through it.
gate = HashingGate()


def configure(config):
    gate.configure(config.get("LOGIN_HASH_CONCURRENCY", 1), config.get("LOGIN_HASH_QUEUE", 4),
                   config.get("LOGIN_HASH_WAIT_SECONDS", 3))


def hash_password(password):
    return gate.run(_hasher.hash, password)


def verify_password(password_hash, password, suspect=False):
    """True only for an existing hash that matches (a missing one costs the same time). ``suspect``:
    from an address that has been failing (HashingGate.run)."""
    try:
        return gate.run(_hasher.verify, password_hash or _DUMMY_HASH, password, suspect=suspect) and bool(password_hash)
    except (VerificationError, InvalidHashError):
        return False
