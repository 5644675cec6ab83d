"""gateway.accounts: the account check a token passes on every request, and logouts it honours."""
import time

import pytest

from gateway.accounts import AccountChecks, session_ended
from kit.context import Actor
from kit.errors import Unauthorized

ACCOUNT = {"id": "u1", "roles": ["prosecutor"], "department": "criminal", "active": True, "token_version": 0}
CLAIMED = Actor(user_id="u1", roles=("prosecutor",), department="criminal")


class Accounts:
    """The accounts service as the check sees it: who was asked, and which sessions ended there."""
    def __init__(self):
        self.asked, self.ended = [], set()

    def fetch(self, user_id, session_id, context_data):
        self.asked.append((user_id, session_id))
        return {**ACCOUNT, "session_ended": session_id in self.ended}


def test_a_session_ended_in_this_process_is_refused_at_once_even_when_cached():
    accounts = Accounts()
    checks = AccountChecks(accounts.fetch, ttl_seconds=3600)
    assert checks.actor(CLAIMED, 0, {}, session_id="s1").user_id == "u1"
    session_ended("s1", int(time.time()) + 600)
    with pytest.raises(Unauthorized, match="退出"):
        checks.actor(CLAIMED, 0, {}, session_id="s1")
    assert checks.actor(CLAIMED, 0, {}, session_id="s2").user_id == "u1"  # another session is not touched


def test_a_session_ended_elsewhere_is_refused_once_accounts_is_asked():
    accounts = Accounts()
    checks = AccountChecks(accounts.fetch, ttl_seconds=0)
    checks.actor(CLAIMED, 0, {}, session_id="s9")
    accounts.ended.add("s9")  # a logout through another gateway whose broadcast was missed
    with pytest.raises(Unauthorized):
        checks.actor(CLAIMED, 0, {}, session_id="s9")


def test_the_cache_is_per_session_and_forgetting_an_account_forgets_all_its_sessions():
    accounts = Accounts()
    checks = AccountChecks(accounts.fetch, ttl_seconds=3600)
    for session in ("a", "b", "a", "b"):
        checks.actor(CLAIMED, 0, {}, session_id=session)
    assert accounts.asked == [("u1", "a"), ("u1", "b")]
    checks.evict("u1")
    checks.actor(CLAIMED, 0, {}, session_id="a")
    assert accounts.asked[-1] == ("u1", "a") and len(accounts.asked) == 3


def test_an_expired_session_is_not_remembered():
    checks = AccountChecks(Accounts().fetch, ttl_seconds=3600)
    checks.end_session("old", int(time.time()) - 1)
    assert "old" not in checks._ended
