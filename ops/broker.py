"""The RabbitMQ broker for ``make run``.

- ``AMQP_URI`` set: used as given; only checked for reachability.
- otherwise the local RabbitMQ at the default address, if it answers;
- otherwise, when ``rabbitmq-server`` is installed, a private node of our own
  whose data, logs, config and ports live under ``<var>/rabbitmq`` (so it
  never touches the system node, its data or its config), started for this
  run, stopped with the platform and reused, data included, on the next run;
- otherwise a clear hint how to install RabbitMQ or point AMQP_URI somewhere.

Every message masks URI passwords.
"""
import os
import shutil
import signal
import socket
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Optional

from kit.redact import redact
from ops.launcher import Process, broker_reachable

DEFAULT_AMQP_URI = "pyamqp://guest:guest@127.0.0.1:5672/"
DEFAULT_PRIVATE_PORT = 5673
# RabbitMQ's own convention: the distribution port is the AMQP port + 20000.
DIST_PORT_OFFSET = 20000
# Debian installs rabbitmq-server in /usr/sbin, which is not on a normal user's PATH.
EXTRA_SEARCH_DIRS = ("/usr/sbin", "/usr/local/sbin")
START_TIMEOUT_SECONDS = 90  # a first boot takes ~15 s on two busy cores
STOP_TIMEOUT_SECONDS = 60
INSTALL_HINT = ("Install it (Debian/Ubuntu: `sudo apt-get install rabbitmq-server`; `make run` then starts "
                "a private node under var/ by itself) or set AMQP_URI to a running broker.")


class BrokerError(RuntimeError):
    """No broker for this run; the message says what to do (passwords masked)."""

    def __init__(self, message):
        super().__init__(redact(message))


def search_path(environ):
    """Where to look for rabbitmq-server: the PATH, then the sbin directories Debian uses."""
    dirs = [d for d in environ.get("PATH", "").split(os.pathsep) if d]
    return os.pathsep.join(dirs + [d for d in EXTRA_SEARCH_DIRS if d not in dirs])


def find_rabbitmq_server(path):
    """The rabbitmq-server script to run as the current user, or None.

    Debian's /usr/sbin/rabbitmq-server is a wrapper that switches to the
    ``rabbitmq`` user (refusing anyone else) and logs to /var/log; the real
    script sits next to the wrapper's target, so run that one instead.
    """
    found = shutil.which("rabbitmq-server", path=path)
    if not found:
        return None
    real = Path(found).resolve()
    if real.name == "rabbitmq-script-wrapper" and (real.parent / "rabbitmq-server").is_file():
        return real.parent / "rabbitmq-server"
    return Path(found)


def _port_in_use(port):
    with socket.socket() as sock:
        # As the node's own listener does: connections of the last run in TIME_WAIT do not count.
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind(("127.0.0.1", port))
        except OSError:
            return True
    return False


class PrivateNode:
    """A RabbitMQ node of our own under ``root``, run in the foreground as a child process.

    Its node name carries its port, so two checkouts on different ports do not
    clash; its Erlang cookie is ``root/.erlang.cookie`` (HOME points there), so
    it needs nothing from the user's home or the system node.
    """

    def __init__(self, server, root, port, dist_port, log_dir):
        self.server, self.root, self.port, self.dist_port = Path(server), Path(root), port, dist_port
        self.log_dir = Path(log_dir)
        self.nodename = f"pingjian-{port}@localhost"
        self.uri = f"pyamqp://guest:guest@127.0.0.1:{port}/"
        self.data_dir = self.root / "mnesia" / self.nodename
        self.pid_file = self.root / f"{self.nodename}.pid"
        self.process = None

    def _write_config(self):
        for sub in ("mnesia", "log", "conf.d"):
            (self.root / sub).mkdir(parents=True, exist_ok=True)
        (self.root / "rabbitmq.conf").write_text(
            "# Written by ops/broker.py at every start: the private node of `make run`.\n"
            f"listeners.tcp.1 = 127.0.0.1:{self.port}\n"
            "loopback_users.guest = true\n")
        # No plugins: the management plugin would take the system node's 15672.
        (self.root / "enabled_plugins").write_text("[].\n")
        # Read instead of /etc/rabbitmq/rabbitmq-env.conf, which configures the system node.
        (self.root / "rabbitmq-env.conf").write_text("# the private node reads no system-wide settings\n")

    def _env(self):
        # Inherited RABBITMQ_* settings describe some other node: drop them all.
        env = {k: v for k, v in os.environ.items() if not k.startswith("RABBITMQ_")}
        root = self.root
        env.update({
            "HOME": str(root),  # the Erlang cookie lives in $HOME
            "RABBITMQ_CONF_ENV_FILE": str(root / "rabbitmq-env.conf"),
            "RABBITMQ_NODENAME": self.nodename,
            "RABBITMQ_NODE_IP_ADDRESS": "127.0.0.1",
            "RABBITMQ_NODE_PORT": str(self.port),
            "RABBITMQ_DIST_PORT": str(self.dist_port),
            "RABBITMQ_MNESIA_BASE": str(root / "mnesia"),
            "RABBITMQ_LOG_BASE": str(root / "log"),
            "RABBITMQ_PID_FILE": str(self.pid_file),
            "RABBITMQ_ENABLED_PLUGINS_FILE": str(root / "enabled_plugins"),
            "RABBITMQ_CONFIG_FILE": str(root / "rabbitmq.conf"),
            "RABBITMQ_CONFIG_FILES": str(root / "conf.d" / "*.conf"),
            "RABBITMQ_ADVANCED_CONFIG_FILE": str(root / "advanced.config"),
            # Distribution (used by rabbitmqctl) on loopback only.
            "RABBITMQ_SERVER_ADDITIONAL_ERL_ARGS": "-kernel inet_dist_use_interface {127,0,0,1}",
            "ERL_CRASH_DUMP": str(root / "log" / "erl_crash.dump"),
        })
        return env

    def start(self, timeout=START_TIMEOUT_SECONDS):
        busy = [p for p in (self.port, self.dist_port) if _port_in_use(p)]
        if busy:
            raise BrokerError(f"cannot start the private RabbitMQ node {self.nodename}: port(s) "
                              f"{', '.join(map(str, busy))} on 127.0.0.1 already in use (another `make run`?). "
                              "Set PINGJIAN_RABBITMQ_PORT (and PINGJIAN_RABBITMQ_DIST_PORT) to free ports.")
        self._write_config()
        self.process = Process("rabbitmq", [str(self.server)], self._env(), self.log_dir, cwd=self.root).start()
        try:
            self._wait_ready(timeout)
        except BaseException:  # Ctrl-C included: never leave a half-started node behind
            self.stop()
            raise
        return self

    def _wait_ready(self, timeout):
        deadline = time.monotonic() + timeout
        while True:
            if not self.process.alive():
                raise BrokerError(f"the private RabbitMQ node {self.nodename} exited "
                                  f"(log: {self.process.log_path}):\n{self.process.tail()}")
            try:
                broker_reachable(self.uri, timeout=2)
                return
            except ConnectionError as exc:
                if time.monotonic() > deadline:
                    raise BrokerError(f"the private RabbitMQ node {self.nodename} did not answer within "
                                      f"{timeout}s ({exc}); log {self.process.log_path}:\n"
                                      f"{self.process.tail()}") from None
            time.sleep(0.5)

    def stop(self, timeout=STOP_TIMEOUT_SECONDS):
        """SIGTERM: the foreground rabbitmq-server script stops the node gracefully (data flushed)."""
        popen = self.process.popen if self.process else None
        if popen is None or popen.poll() is not None:
            return
        popen.send_signal(signal.SIGTERM)
        try:
            popen.wait(timeout)
        except subprocess.TimeoutExpired:
            # The Erlang VM is the script's child, in the script's own session: kill both.
            os.killpg(popen.pid, signal.SIGKILL)
            popen.wait()


@dataclass
class Broker:
    uri: str
    node: Optional[PrivateNode] = None

    def stop(self):
        if self.node:
            self.node.stop()


def ensure_broker(environ, var_dir, log_dir, default_uri=DEFAULT_AMQP_URI, path=None, say=print):
    """The broker for this run (see the module docstring); raises BrokerError with what to do."""
    given = environ.get("AMQP_URI")
    if given:
        try:
            broker_reachable(given, hint="Check AMQP_URI, or unset it: `make run` then uses the local "
                                         "RabbitMQ or starts a private node.")
        except ConnectionError as exc:
            raise BrokerError(str(exc)) from None
        return Broker(given)
    try:
        broker_reachable(default_uri)
        return Broker(default_uri)
    except ConnectionError:
        pass
    server = find_rabbitmq_server(search_path(environ) if path is None else path)
    if server is None:
        raise BrokerError(f"RabbitMQ is not reachable at {default_uri} and rabbitmq-server is not installed. "
                          + INSTALL_HINT)
    port = int(environ.get("PINGJIAN_RABBITMQ_PORT") or DEFAULT_PRIVATE_PORT)
    dist_port = int(environ.get("PINGJIAN_RABBITMQ_DIST_PORT") or port + DIST_PORT_OFFSET)
    node = PrivateNode(server, Path(var_dir) / "rabbitmq", port, dist_port, log_dir)
    say(redact(f"• RabbitMQ is not running at {default_uri}: starting a private node {node.nodename} "
               f"on 127.0.0.1:{port} (data in {node.root}, log {node.log_dir / 'rabbitmq.log'})"))
    node.start()
    return Broker(node.uri, node)
