"""``make run`` (``python -m ops.run_local``): the whole platform on this machine.

SecantusDB under the var dir, one process per service database (unless MONGO_URI
is given: then every service uses that server), a broker (see
ops/broker.py: AMQP_URI, the local RabbitMQ, or a private node under the var
dir), every service and the gateway on 127.0.0.1:8000. Data survives a
restart; ``make clean`` wipes the var dir (PINGJIAN_VAR_DIR, default var/).
Ctrl-C stops everything.
"""
import os
import secrets
import signal
import sys
import time
from pathlib import Path

from cryptography.fernet import Fernet

from kit.preflight import ALLOW_DEV_SECRETS, DEV_ADMIN_PASSWORD, DEV_ADMIN_USER
from kit.redact import redact
from ops.broker import BrokerError, ensure_broker
from ops.launcher import HOME_OF_OTHER_DATABASES, ROOT, SERVICES, LocalPlatform, start_service_databases



def say(message, error=False):
    """Every launcher message goes through here, so none shows a URI password."""
    print(redact(message), file=sys.stderr if error else sys.stdout, flush=True)


def var_dir():
    return Path(os.environ.get("PINGJIAN_VAR_DIR") or ROOT / "var").resolve()


def dev_secret(var):
    """A JWT secret kept under the var dir so tokens survive a restart of the dev platform."""
    path = var / "jwt_secret"
    if not path.exists():
        var.mkdir(parents=True, exist_ok=True)
        path.write_text(secrets.token_urlsafe(48))
        path.chmod(0o600)
    return path.read_text().strip()


def dev_data_keys(var):
    """A data key for personal data at rest, kept under the var dir like the JWT secret (a dev
    platform's data stays readable across restarts; production passes PINGJIAN_DATA_KEYS)."""
    path = var / "data_keys"
    if not path.exists():
        var.mkdir(parents=True, exist_ok=True)
        path.write_text(f"dev1:{Fernet.generate_key().decode()}\n")
        path.chmod(0o600)
    return path.read_text().strip()


def main():
    var = var_dir()
    log_dir = var / "log"
    port = int(os.environ.get("PINGJIAN_PORT", "8000"))
    started = []  # stopped in reverse order, whatever happens
    # Explicit handlers: a launcher started from a script may inherit SIGINT as "ignored";
    # until the platform is up, a signal interrupts the start (and everything started is stopped).
    stopping, platform_up = [], False

    def on_signal(*_):
        if not stopping:
            stopping.append(True)
            if not platform_up:
                raise KeyboardInterrupt
    for signum in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signum, on_signal)
    try:
        try:
            broker = ensure_broker(os.environ, var, log_dir, say=say)
        except BrokerError as exc:
            say(f"✗ {exc}", error=True)
            return 2
        started.append(broker)

        mongo_uri = os.environ.get("MONGO_URI")
        overrides = {}
        if not mongo_uri:
            # One SecantusDB process per service database (ops/launcher.py ServiceDatabases), on
            # consecutive ports from PINGJIAN_MONGO_PORT; each service gets its own MONGO_URI.
            mongo_port = int(os.environ.get("PINGJIAN_MONGO_PORT", "27117"))
            say(f"• starting SecantusDB, one process per service database, on 127.0.0.1:{mongo_port}"
                f"–{mongo_port + len(SERVICES) - 1} (data in {var / 'mongo'})")
            databases = start_service_databases(var / "mongo", log_dir, mongo_port, say=say)
            started.append(databases)
            overrides = databases.overrides()
            mongo_uri = databases.uris[HOME_OF_OTHER_DATABASES]  # nothing reads it; config.yml needs one

        admin_user = os.environ.get("PINGJIAN_ADMIN_USER") or DEV_ADMIN_USER
        admin_password = os.environ.get("PINGJIAN_ADMIN_PASSWORD") or DEV_ADMIN_PASSWORD
        env = {"AMQP_URI": broker.uri, "MONGO_URI": mongo_uri,
               "JWT_SECRET": os.environ.get("JWT_SECRET") or dev_secret(var),
               "PINGJIAN_ADMIN_USER": admin_user, "PINGJIAN_ADMIN_PASSWORD": admin_password,
               "PINGJIAN_DATA_KEYS": os.environ.get("PINGJIAN_DATA_KEYS") or dev_data_keys(var),
               # The development admin password is published in README: only make run may use it.
               ALLOW_DEV_SECRETS: "1"}
        platform = LocalPlatform(env, log_dir, gateway_port=port, overrides=overrides)
        say(f"• starting services: {', '.join([*SERVICES, 'gateway'])} (logs in {log_dir})")
        started.append(platform)  # stop() copes with a half-started platform
        try:
            platform.start()
        except Exception as exc:
            say(f"✗ platform did not start: {exc}", error=True)
            return 1
        platform_up = True

        say(f"\n✓ 智慧平检 Pingjian is up: {platform.base_url}   (API docs: {platform.base_url}/docs)")
        if "PINGJIAN_ADMIN_PASSWORD" in os.environ:
            say(f"  admin user: {admin_user} (password from PINGJIAN_ADMIN_PASSWORD)")
        else:
            say(f"  development admin: {admin_user} / {admin_password}  "
                "(set PINGJIAN_ADMIN_USER/PASSWORD to change)")
        say("  Ctrl-C stops everything.\n")

        while not stopping:
            dead = [name for name, proc in platform.processes.items() if not proc.alive()]
            if dead:
                say(f"✗ {', '.join(dead)} exited; see {log_dir}. Stopping.", error=True)
                return 1
            time.sleep(0.5)
        return 0
    except KeyboardInterrupt:
        say("• interrupted")
        return 130
    finally:
        if started:
            say("• stopping …")
            # Gateway and services first, then the database, then the broker they all use.
            for thing in reversed(started):
                thing.stop()
            say("✓ stopped")


if __name__ == "__main__":
    sys.exit(main())
