import time

import jwt
import pytest

from gateway.auth import TokenIssuer
from kit.errors import Unauthorized
from kit.preflight import StartRefused

SECRET = "s" * 40
USER = {"id": "u1", "username": "li", "roles": ["prosecutor"], "department": "criminal"}


def test_token_round_trip_gives_the_actor():
    issuer = TokenIssuer(SECRET, 60)
    actor = issuer.actor_from_header("Bearer " + issuer.issue(USER))
    assert (actor.user_id, actor.roles, actor.department) == ("u1", ("prosecutor",), "criminal")


@pytest.mark.parametrize("header", [None, "", "Basic abc", "Bearer", "Bearer not.a.jwt"])
def test_missing_or_malformed_token_is_unauthorized(header):
    with pytest.raises(Unauthorized):
        TokenIssuer(SECRET, 60).actor_from_header(header)


def test_expired_or_foreign_token_is_unauthorized():
    expired = jwt.encode({"iss": "pingjian", "sub": "u1", "iat": 1, "exp": int(time.time()) - 5}, SECRET,
                         algorithm="HS256")
    with pytest.raises(Unauthorized):
        TokenIssuer(SECRET, 60).actor_from_header("Bearer " + expired)
    foreign = TokenIssuer("x" * 40, 60).issue(USER)
    with pytest.raises(Unauthorized):
        TokenIssuer(SECRET, 60).actor_from_header("Bearer " + foreign)


def test_a_weak_secret_is_refused():
    with pytest.raises(StartRefused, match="JWT_SECRET"):
        TokenIssuer("short", 60)


def test_a_cached_token_still_expires():
    issuer = TokenIssuer(SECRET, 1)
    token = issuer.issue(USER)
    assert issuer.actor_from_header("Bearer " + token).user_id == "u1"  # verified, then cached
    time.sleep(2.1)  # exp has whole-second resolution
    with pytest.raises(Unauthorized):
        issuer.actor_from_header("Bearer " + token)


@pytest.mark.parametrize("scheme", ["bearer", "BEARER", "BeArEr"])
def test_the_scheme_is_case_insensitive(scheme):
    """RFC 7235: the auth-scheme is case-insensitive; issue 19 asked to keep ``bearer`` working."""
    issuer = TokenIssuer(SECRET, 60)
    assert issuer.actor_from_header(f"{scheme} " + issuer.issue(USER)).user_id == USER["id"]
