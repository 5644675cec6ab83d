"""Checking a token against its account, as the accounts service has it now.

A token is signed and unexpired, but its account may have been deactivated, demoted or given a
new password since. Each gateway process asks the accounts service (``get_account``) and
remembers the answer for ACCOUNT_CACHE_SECONDS, so a change reaches every replica within that
time at the cost of one call per user per interval instead of one per request. Admin-only routes
always ask afresh, and the process that relays a change forgets its copy at once.
"""
import time
import weakref

from kit.context import Actor
from kit.errors import Unauthorized

_CACHE_SIZE = 4096
# Every account cache of this process, so the code that relays a change can clear them all.
_caches = weakref.WeakSet()


def forget_account(user_id):
    for cache in list(_caches):
        cache.evict(user_id)


class AccountChecks:
    def __init__(self, fetch, ttl_seconds):
        """``fetch(user_id, context_data)`` returns the account ({id, roles, department, active,
        token_version}) or None."""
        self._fetch = fetch
        self._ttl = float(ttl_seconds)
        self._cache = {}  # user_id -> (account or None, read at)
        _caches.add(self)

    def actor(self, claimed, token_version, context_data, fresh=False):
        """The actor with the account's current roles and department; Unauthorized if the token
        was issued before a change that revoked it, or the account is gone or deactivated."""
        account = self._account(claimed.user_id, context_data, fresh)
        if account is not None and int(account.get("token_version", 0)) < token_version:
            account = self._account(claimed.user_id, context_data, fresh=True)  # newer than we remember
        if account is None or not account.get("active") or int(account.get("token_version", 0)) != token_version:
            raise Unauthorized("访问令牌已失效（账户已停用或权限、密码已变更），请重新登录")
        return Actor(user_id=account["id"], roles=tuple(account["roles"]), department=account["department"])

    def evict(self, user_id):
        self._cache.pop(user_id, None)

    def _account(self, user_id, context_data, fresh=False):
        cached = self._cache.get(user_id)
        if not fresh and cached is not None and time.monotonic() - cached[1] < self._ttl:
            return cached[0]
        account = self._fetch(user_id, context_data)
        if len(self._cache) >= _CACHE_SIZE:
            self._cache.clear()
        self._cache[user_id] = (account, time.monotonic())
        return account
