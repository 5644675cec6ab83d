"""Checking a token against its account, as the accounts service has it now.

A token is signed and unexpired, but its account may have been deactivated, demoted or given a
new password since. Each gateway process asks the accounts service (``get_account``) and
remembers the answer for ACCOUNT_CACHE_SECONDS, so a change reaches every replica within that
time at the cost of one call per user per interval instead of one per request. Admin-only routes
always ask afresh, and the process that relays a change forgets its copy at once.

A logout ends one token's session at once: the process that serves it remembers the session as
ended before it answers, and every other gateway process hears ``session.ended`` from the accounts
service a moment later (a broadcast; should the broker be down, the account check asks accounts,
which knows, within ACCOUNT_CACHE_SECONDS).
"""
import time
import weakref

from kit.context import Actor
from kit.errors import Unauthorized

_CACHE_SIZE = 4096
_ENDED_SIZE = 100_000
# Every account cache of this process, so the code that relays a change can clear them all.
_caches = weakref.WeakSet()


def forget_account(user_id):
    for cache in list(_caches):
        cache.evict(user_id)


def session_ended(session_id, expires_at):
    """Refuse this session's token from now on, in every account check of this process."""
    for cache in list(_caches):
        cache.end_session(session_id, expires_at)


class AccountChecks:
    def __init__(self, fetch, ttl_seconds):
        """``fetch(user_id, session_id, context_data)`` returns the account ({id, roles, department,
        active, token_version, session_ended}) or None."""
        self._fetch = fetch
        self._ttl = float(ttl_seconds)
        self._cache = {}  # (user_id, session_id) -> (account or None, read at)
        self._ended = {}  # session_id -> its token's expiry (unix seconds): refused until then
        _caches.add(self)

    def actor(self, claimed, token_version, context_data, fresh=False, session_id=None):
        """The actor with the account's current roles and department; Unauthorized if the token's
        session was ended by a logout, if it was issued before a change that revoked it, or if the
        account is gone or deactivated."""
        if session_id is not None and session_id in self._ended:
            raise Unauthorized("已退出登录，请重新登录")
        key = (claimed.user_id, session_id)
        account = self._account(key, context_data, fresh)
        if account is not None and int(account.get("token_version", 0)) < token_version:
            account = self._account(key, context_data, fresh=True)  # newer than we remember
        if account is None or not account.get("active") or int(account.get("token_version", 0)) != token_version:
            raise Unauthorized("访问令牌已失效（账户已停用或权限、密码已变更），请重新登录")
        if account.get("session_ended"):
            raise Unauthorized("已退出登录，请重新登录")
        return Actor(user_id=account["id"], roles=tuple(account["roles"]), department=account["department"])

    def evict(self, user_id):
        for key in [key for key in self._cache if key[0] == user_id]:
            self._cache.pop(key, None)

    def end_session(self, session_id, expires_at):
        now = time.time()
        if len(self._ended) >= _ENDED_SIZE:  # forget what has expired anyway; accounts still knows the rest
            self._ended = {sid: exp for sid, exp in self._ended.items() if exp > now}
        if expires_at > now:
            self._ended[session_id] = expires_at
        for key in [key for key in self._cache if key[1] == session_id]:
            self._cache.pop(key, None)

    def _account(self, key, context_data, fresh=False):
        cached = self._cache.get(key)
        if not fresh and cached is not None and time.monotonic() - cached[1] < self._ttl:
            return cached[0]
        account = self._fetch(key[0], key[1], context_data)
        if len(self._cache) >= _CACHE_SIZE:
            self._cache.clear()
        self._cache[key] = (account, time.monotonic())
        return account
