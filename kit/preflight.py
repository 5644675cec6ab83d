"""What a process refuses to start with: missing secrets, or secrets everyone knows.

A ``StartRefused`` raised while a service sets up (a missing or weak JWT_SECRET, no data key for
personal data, a bootstrap admin password that is the published development default) ends
``python -m kit.run`` with its message and exit status 2, before the process serves anything.
``make run`` uses the development defaults on purpose and says so with ``PINGJIAN_ALLOW_DEV_SECRETS=1``;
nothing else sets it.
"""
import os

ALLOW_DEV_SECRETS = "PINGJIAN_ALLOW_DEV_SECRETS"
# Published in README for `make run`: never acceptable anywhere else.
DEV_ADMIN_USER = "admin"
DEV_ADMIN_PASSWORD = "pingjian-dev-admin"
PUBLISHED_SECRETS = frozenset({DEV_ADMIN_PASSWORD})


class StartRefused(RuntimeError):
    """The process must not start; the message says what to set."""


def dev_secrets_allowed(environ=os.environ):
    return environ.get(ALLOW_DEV_SECRETS) == "1"


def ensure_not_published(name, value, environ=os.environ):
    if value in PUBLISHED_SECRETS and not dev_secrets_allowed(environ):
        raise StartRefused(f"{name} is the published development default; set a secret of your own "
                           f"(only `make run` may use it, with {ALLOW_DEV_SECRETS}=1)")
