"""Signed, expiring JWT bearer tokens (passwords are the accounts service's business)."""
import secrets
import time
from typing import NamedTuple, Optional

import jwt
from nameko.extensions import DependencyProvider

from kit.context import Actor
from kit.errors import Unauthorized
from kit.preflight import StartRefused

ISSUER = "pingjian"
ALGORITHM = "HS256"
MIN_SECRET_BYTES = 32
_VERIFIED_CACHE_SIZE = 4096


class Verified(NamedTuple):
    """What a valid token says: its actor (as of issue), account version, session id and expiry."""
    actor: Actor
    version: int
    session_id: Optional[str]  # None for a token issued before sessions existed
    expires_at: int


class TokenIssuer:
    def __init__(self, secret, ttl_seconds):
        if len(secret.encode()) < MIN_SECRET_BYTES:
            raise StartRefused(f"JWT_SECRET must be set to at least {MIN_SECRET_BYTES} bytes "
                               "(e.g. `openssl rand -base64 48`)")
        self.secret = secret
        self.ttl_seconds = int(ttl_seconds)
        self._verified = {}  # token -> (actor, exp): skip re-verifying a token seen before

    @classmethod
    def from_config(cls, config):
        return cls(config.get("JWT_SECRET") or "", config.get("JWT_TTL_SECONDS", 3600))

    def issue(self, user):
        now = int(time.time())
        claims = {"iss": ISSUER, "sub": user["id"], "iat": now, "exp": now + self.ttl_seconds,
                  "username": user["username"], "roles": list(user["roles"]), "department": user["department"],
                  # Raised on the account by deactivation, a role change or a new password: older tokens die.
                  "ver": int(user.get("token_version", 0)),
                  # The session a logout ends (POST /v1/auth/logout): this token only, at once.
                  "sid": secrets.token_hex(16)}
        return jwt.encode(claims, self.secret, algorithm=ALGORITHM)

    def actor_from_header(self, header):
        return self.verify(header).actor

    def verify(self, header):
        """``Verified`` (the actor as the token states it, its account version, session and expiry);
        Unauthorized if invalid."""
        if not header:
            raise Unauthorized("缺少访问令牌（Authorization: Bearer …）")
        scheme, _, token = header.partition(" ")
        if scheme.lower() != "bearer" or not token.strip():
            raise Unauthorized("访问令牌格式应为 Authorization: Bearer <token>")
        token = token.strip()
        cached = self._verified.get(token)
        if cached is not None and cached.expires_at > time.time():
            return cached
        try:
            claims = jwt.decode(token, self.secret, algorithms=[ALGORITHM], issuer=ISSUER,
                                options={"require": ["exp", "iat", "sub", "iss"]})
        except jwt.ExpiredSignatureError:
            raise Unauthorized("访问令牌已过期，请重新登录") from None
        except jwt.InvalidTokenError:
            raise Unauthorized("访问令牌无效") from None
        actor = Actor(user_id=claims["sub"], roles=tuple(claims.get("roles") or ()),
                      department=claims.get("department") or "")
        if len(self._verified) >= _VERIFIED_CACHE_SIZE:
            self._verified.clear()
        session_id = claims.get("sid")
        verified = Verified(actor, int(claims.get("ver") or 0),
                            session_id if isinstance(session_id, str) else None, int(claims["exp"]))
        self._verified[token] = verified
        return verified


class Tokens(DependencyProvider):
    """Injects the TokenIssuer; refuses to start without a strong JWT_SECRET."""

    def setup(self):
        self.issuer = TokenIssuer.from_config(self.container.config)

    def get_dependency(self, worker_ctx):
        return self.issuer
