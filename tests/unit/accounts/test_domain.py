"""Account rules: usernames, passwords, what a change does to tokens, the events, throttle windows."""
from datetime import datetime, timedelta, timezone

import pytest

from services.accounts import domain

NOW = datetime(2026, 11, 25, 12, 0, tzinfo=timezone.utc)


def a_user(**overrides):
    data = {"username": "Wang", "display_name": "王主任", "department": "criminal", "roles": ["department_head"],
            "email": None, **overrides}
    return domain.new_user(data, "$argon2id$hash", "u-admin", NOW)


def test_a_new_user_is_stored_normalised_and_announced_without_secrets():
    user = a_user(username="Ｗａｎｇ", email="wang@jcy.example")
    assert (user["username"], user["username_key"], user["token_version"]) == ("Wang", "wang", 0)
    [(event_type, payload)] = domain.creation_events(user)
    assert event_type == "user.created"
    assert payload == {"id": user["_id"], "username": "Wang", "display_name": "王主任", "department": "criminal",
                       "roles": ["department_head"], "active": True, "email": "wang@jcy.example"}
    assert "password_hash" not in payload


def test_an_event_leaves_out_an_email_that_is_not_set():
    assert "email" not in domain.creation_events(a_user())[0][1]


@pytest.mark.parametrize("changes,bumps", [({"display_name": "新名字"}, False), ({"email": "x@y.cn"}, False),
                                           ({"roles": ["prosecutor"]}, True), ({"department": "civil"}, True),
                                           ({"active": False}, True)])
def test_only_changes_a_token_vouches_for_end_older_tokens(changes, bumps):
    user = a_user()
    write, events = domain.update(user, changes, "u-admin")
    assert ("token_version" in write) is bumps
    assert events and events[0][1]["id"] == user["_id"]


def test_deactivation_is_its_own_event_and_other_changes_name_their_fields():
    user = a_user()
    assert domain.update(user, {"active": False}, "u-admin")[1][0][0] == "user.deactivated"
    [(event_type, payload)] = domain.update(user, {"display_name": "新", "roles": ["prosecutor"]}, "u-admin")[1]
    assert event_type == "user.updated" and payload["changed"] == ["display_name", "roles"]


def test_a_change_to_what_already_is_changes_nothing():
    user = a_user()
    assert domain.update(user, {"display_name": "王主任", "roles": ["department_head"]}, "u-admin") == ({}, [])


def test_a_new_password_ends_older_tokens_without_an_event():
    write, events = domain.password_change(a_user(), "$argon2id$new", NOW)
    assert write["token_version"] == 1 and events == []


def test_the_password_policy():
    assert domain.password_problems("short-1", "li") == ["密码至少 10 个字符"]
    assert domain.password_problems("x-WANG-2026-x", "wang") == ["密码不能包含用户名"]
    assert domain.password_problems("ｗａｎｇ-2026-abc", "Wang") == ["密码不能包含用户名"]
    assert domain.password_problems("jiancha-mima-2026", "wang") == []


@pytest.mark.parametrize("given,key", [("Admin", "admin"), ("ａｄｍｉｎ", "admin"), ("Straße", "strasse"),
                                       ("王主任", "王主任")])
def test_usernames_are_normalised_nfkc_and_case_folded(given, key):
    assert domain.normalize_username(given)[1] == key


def test_past_the_limit_each_failure_is_followed_by_a_growing_pause_never_a_lock():
    limit = domain.Limit(3, timedelta(minutes=15), base_seconds=30)
    failures = [NOW - timedelta(seconds=s) for s in (300, 200, 10)]
    assert limit.retry_after(failures[1:], NOW) == 0  # two failures: free
    assert limit.retry_after(failures, NOW) == 20  # the third: 30 s after the last failure
    assert limit.retry_after(failures, NOW + timedelta(seconds=21)) == 0  # waiting always works
    assert limit.retry_after([*failures, NOW], NOW) == 60  # the fourth: twice as long
    assert limit.retry_after([*failures, NOW - timedelta(seconds=1), NOW], NOW) == 120
    assert limit.retry_after([NOW - timedelta(seconds=1)] * 30, NOW) <= 900  # at most the window
    assert limit.retry_after([NOW - timedelta(minutes=20)] * 5, NOW) == 0  # all outside the window


POLICY = domain.LoginPolicy(domain.Limit(5, timedelta(minutes=15)), domain.Limit(20, timedelta(minutes=15)))


def test_a_paused_account_still_logs_in_from_an_address_that_has_not_been_failing():
    """Issue 19: five wrong passwords kept crim_head out for 15 minutes, right password or not."""
    attacked = [NOW - timedelta(seconds=s) for s in (50, 40, 30, 20, 10)]
    attacker = list(attacked)
    wait, failing = POLICY.before_attempt(attacked, attacker, NOW)
    assert wait > 0 and failing  # the attacker's address waits
    assert POLICY.before_attempt(attacked, [], NOW) == (0, False)  # the owner's clean address does not


def test_a_failing_address_waits_whatever_account_it_tries():
    address = [NOW - timedelta(seconds=s) for s in range(1, 21)]
    wait, failing = POLICY.before_attempt([], address, NOW)
    assert wait > 0 and failing


def test_a_failure_that_starts_a_pause_is_announced_to_the_owner_and_admins_once_per_pause():
    four = [NOW - timedelta(seconds=s) for s in (40, 30, 20, 10)]
    assert POLICY.throttles_after_failure(four[:3], [], NOW) == []
    started = POLICY.throttles_after_failure(four, four, NOW)
    assert started == [("account", 30)]
    events = domain.throttle_events(started, {"_id": "u-1"}, "crim_head", "203.0.113.7", NOW)
    assert [(t, p["user_id"], p["kind"], p["retry_after"]) for t, p in events] == [
        ("account.login_throttled", "u-1", "account", 30)]
    assert domain.throttle_events(started, None, "nobody", "203.0.113.7", NOW) == []  # no owner: no flood
    address = [NOW - timedelta(seconds=s) for s in range(1, 20)]
    [(kind, _)] = POLICY.throttles_after_failure([], address, NOW)
    assert kind == "address"
    [(_, payload)] = domain.throttle_events([(kind, 30)], None, "nobody", "203.0.113.7", NOW)
    assert payload["user_id"] is None and payload["address"] == "203.0.113.7"
