"""``make run`` (``python -m ops.run_local``): the whole platform on this machine.

SecantusDB under var/ (unless MONGO_URI is given), the local RabbitMQ (or
AMQP_URI), every service and the gateway on 127.0.0.1:8000. Data survives a
restart; ``make clean`` wipes var/. Ctrl-C stops everything.
"""
import os
import secrets
import signal
import sys
import time

from ops.launcher import ROOT, LocalPlatform, broker_reachable, start_secantus

VAR = ROOT / "var"
DEV_ADMIN_USER = "admin"
DEV_ADMIN_PASSWORD = "pingjian-dev-admin"


def dev_secret():
    """A JWT secret kept under var/ so tokens survive a restart of the dev platform."""
    path = VAR / "jwt_secret"
    if not path.exists():
        VAR.mkdir(exist_ok=True)
        path.write_text(secrets.token_urlsafe(48))
        path.chmod(0o600)
    return path.read_text().strip()


def main():
    amqp_uri = os.environ.get("AMQP_URI", "pyamqp://guest:guest@127.0.0.1:5672/")
    port = int(os.environ.get("PINGJIAN_PORT", "8000"))
    try:
        broker_reachable(amqp_uri)
    except ConnectionError as exc:
        print(f"✗ {exc}", file=sys.stderr)
        return 2

    started = []
    mongo_uri = os.environ.get("MONGO_URI")
    if not mongo_uri:
        mongo_port = int(os.environ.get("PINGJIAN_MONGO_PORT", "27117"))
        print(f"• starting SecantusDB on 127.0.0.1:{mongo_port} (data in var/mongo)")
        mongo, mongo_uri = start_secantus(VAR / "mongo", mongo_port, VAR / "log")
        started.append(mongo)

    admin_user = os.environ.get("PINGJIAN_ADMIN_USER") or DEV_ADMIN_USER
    admin_password = os.environ.get("PINGJIAN_ADMIN_PASSWORD") or DEV_ADMIN_PASSWORD
    env = {"AMQP_URI": amqp_uri, "MONGO_URI": mongo_uri,
           "JWT_SECRET": os.environ.get("JWT_SECRET") or dev_secret(),
           "PINGJIAN_ADMIN_USER": admin_user, "PINGJIAN_ADMIN_PASSWORD": admin_password}
    platform = LocalPlatform(env, VAR / "log", gateway_port=port)
    print("• starting services: cases, notifications, gateway (logs in var/log/)")
    try:
        platform.start()
    except Exception as exc:
        print(f"✗ platform did not start: {exc}", file=sys.stderr)
        for proc in started:
            proc.stop()
        return 1

    print(f"\n✓ 智慧平检 Pingjian is up: {platform.base_url}   (API docs: {platform.base_url}/docs)")
    if "PINGJIAN_ADMIN_PASSWORD" in os.environ:
        print(f"  admin user: {admin_user} (password from PINGJIAN_ADMIN_PASSWORD)")
    else:
        print(f"  development admin: {admin_user} / {admin_password}  (set PINGJIAN_ADMIN_USER/PASSWORD to change)")
    print("  Ctrl-C stops everything.\n")

    # Explicit handlers: a launcher started from a script may inherit SIGINT as "ignored".
    stopping = []
    for signum in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signum, lambda *_: stopping.append(True))
    while not stopping:
        dead = [name for name, proc in platform.processes.items() if not proc.alive()]
        if dead:
            print(f"✗ {', '.join(dead)} exited; see var/log/. Stopping.", file=sys.stderr)
            break
        time.sleep(0.5)
    print("• stopping …")
    platform.stop()
    for proc in started:
        proc.stop()
    print("✓ stopped")
    return 0


if __name__ == "__main__":
    sys.exit(main())
