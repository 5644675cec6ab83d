"""The accounts RPC contract: which usernames it takes."""
import pytest

from contracts.rpc import accounts_v1


@pytest.mark.parametrize("username", ["holdout_admin\n", "bell\x07", "esc\x1b[0m", "has space", "", "x" * 65,
                                      "new\u2028line", "a/b", "semi;colon"])
def test_bad_usernames_are_refused(username):
    errors = accounts_v1.CreateUser().validate({"username": username, "password": "long-enough-1",
                                            "display_name": "甲", "department": "civil", "roles": ["prosecutor"]})
    assert "username" in errors


@pytest.mark.parametrize("username", ["wang", "li.na", "zhang_san-2", "王主任", "li@jcy"])
def test_good_usernames_pass(username):
    assert accounts_v1.CreateUser().validate({"username": username, "password": "long-enough-1", "display_name": "甲",
                                          "department": "civil", "roles": ["prosecutor"]}) == {}
