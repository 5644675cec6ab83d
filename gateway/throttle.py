"""Login throttling rules, pure: failed attempts in a sliding window, per account and per address.

The state is a list of recent failure times per key (kept by ``gateway.users``, in the database,
so it survives restarts and is shared by gateway replicas). A key is locked while its last
``limit`` failures all lie within ``window``; it unlocks when the oldest of them leaves the
window. So 5 failures in 15 minutes lock an account until 15 minutes after the first of them.
"""
import math
from dataclasses import dataclass
from datetime import timedelta


@dataclass(frozen=True)
class Limit:
    limit: int
    window: timedelta

    def retry_after(self, failures, now):
        """Seconds until another attempt is allowed (0 = allowed now), given the failure times."""
        recent = sorted(t for t in failures if t > now - self.window)
        if len(recent) < self.limit:
            return 0
        unlock_at = recent[-self.limit] + self.window
        return max(math.ceil((unlock_at - now).total_seconds()), 1)


def account_key(username_key):
    return f"account:{username_key}"


def address_key(address):
    return f"address:{address or 'unknown'}"
