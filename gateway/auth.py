"""Credentials: argon2 password hashes and signed, expiring JWT bearer tokens."""
import time
import unicodedata

import jwt
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from eventlet import tpool
from eventlet.semaphore import Semaphore
from nameko.extensions import DependencyProvider

from kit.context import Actor
from kit.errors import Overloaded, Unauthorized

ISSUER = "pingjian"
ALGORITHM = "HS256"
MIN_SECRET_BYTES = 32
_VERIFIED_CACHE_SIZE = 4096

_hasher = PasswordHasher()
# Verifying against this when the user does not exist keeps the response time
# the same, so usernames cannot be probed by timing.
_DUMMY_HASH = _hasher.hash("pingjian-no-such-user")


MIN_PASSWORD_LENGTH = 10


def normalize_username(username):
    """(the username as stored, its key for uniqueness and login).

    NFKC folds full-width and other compatibility forms ("ａｄｍｉｎ" is "admin"); the key is also
    case-folded, so two accounts cannot differ only in letter case or width."""
    stored = unicodedata.normalize("NFKC", username)
    return stored, unicodedata.normalize("NFKC", stored.casefold())


def password_problems(password, username):
    """What is wrong with ``password`` for the account ``username`` (empty: acceptable)."""
    problems = []
    if len(password) < MIN_PASSWORD_LENGTH:
        problems.append(f"密码至少 {MIN_PASSWORD_LENGTH} 个字符")
    if username and normalize_username(username)[1] in normalize_username(password)[1]:
        problems.append("密码不能包含用户名")
    return problems


class HashingGate:
    """Bounds how many argon2 computations a process runs at once, and how many wait for one.

    argon2 is deliberately expensive (64 MiB, 4 lanes): forty concurrent failed logins on two
    cores stalled every other request for seconds. With a gate, at most ``concurrency`` run (in
    OS threads, off the eventlet hub) and at most ``queue`` wait; anyone past that, or waiting
    longer than ``wait_seconds``, gets a fast 503 with Retry-After, so a login flood costs the
    other routes at most ``concurrency`` cores' worth and ``concurrency + queue`` workers."""

    def __init__(self, concurrency=1, queue=4, wait_seconds=3.0):
        self.configure(concurrency, queue, wait_seconds)
        self._waiting = 0

    def configure(self, concurrency, queue, wait_seconds):
        self._slots = Semaphore(max(int(concurrency), 1))
        self._queue = max(int(queue), 0)
        self._wait_seconds = float(wait_seconds)

    def run(self, fn, *args):
        if self._slots.locked() and self._waiting >= self._queue:
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


# One gate per process: every argon2 computation of the gateway goes through it.
gate = HashingGate()


def hash_password(password):
    return gate.run(_hasher.hash, password)


def verify_password(password_hash, password):
    try:
        return gate.run(_hasher.verify, password_hash or _DUMMY_HASH, password) and bool(password_hash)
    except (VerificationError, InvalidHashError):
        return False


class TokenIssuer:
    def __init__(self, secret, ttl_seconds):
        if len(secret.encode()) < MIN_SECRET_BYTES:
            raise ValueError(f"JWT_SECRET must be set to at least {MIN_SECRET_BYTES} bytes")
        self.secret = secret
        self.ttl_seconds = int(ttl_seconds)
        self._verified = {}  # token -> (actor, exp): skip re-verifying a token seen before

    @classmethod
    def from_config(cls, config):
        return cls(config.get("JWT_SECRET") or "", config.get("JWT_TTL_SECONDS", 3600))

    def issue(self, user):
        now = int(time.time())
        claims = {"iss": ISSUER, "sub": user["_id"], "iat": now, "exp": now + self.ttl_seconds,
                  "username": user["username"], "roles": list(user["roles"]), "department": user["department"],
                  # Raised on the account by deactivation, a role change or a new password: older tokens die.
                  "ver": int(user.get("token_version", 0))}
        return jwt.encode(claims, self.secret, algorithm=ALGORITHM)

    def actor_from_header(self, header):
        return self.verify(header)[0]

    def verify(self, header):
        """(actor as the token states it, the token's account version); Unauthorized if invalid."""
        if not header:
            raise Unauthorized("缺少访问令牌（Authorization: Bearer …）")
        scheme, _, token = header.partition(" ")
        if scheme.lower() != "bearer" or not token.strip():
            raise Unauthorized("访问令牌格式应为 Authorization: Bearer <token>")
        token = token.strip()
        cached = self._verified.get(token)
        if cached is not None and cached[1] > time.time():
            return cached[0], cached[2]
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
        version = int(claims.get("ver") or 0)
        self._verified[token] = (actor, claims["exp"], version)
        return actor, version


class Tokens(DependencyProvider):
    """Injects the TokenIssuer; refuses to start without a strong JWT_SECRET."""

    def setup(self):
        config = self.container.config
        self.issuer = TokenIssuer.from_config(config)
        gate.configure(config.get("LOGIN_HASH_CONCURRENCY", 1), config.get("LOGIN_HASH_QUEUE", 4),
                       config.get("LOGIN_HASH_WAIT_SECONDS", 3))

    def get_dependency(self, worker_ctx):
        return self.issuer
