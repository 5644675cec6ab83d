"""A real SMTP server for tests: aiosmtpd as its own process, storing what arrives in a Maildir.

A process (not a thread of the test): the test process is eventlet-patched, aiosmtpd is asyncio.
``stop()`` and ``start()`` again on the same port play "the SMTP server was down for a while"."""
import email
import email.policy
import mailbox
import os
import socket
import subprocess
import sys
import tempfile
import time

from ops.launcher import free_port


class SmtpServer:
    def __init__(self, port=None):
        self.port = port or free_port()
        self.maildir = os.path.join(tempfile.mkdtemp(prefix="pingjian-smtp-"), "Maildir")
        self._proc = None

    @property
    def url(self):
        return f"smtp://127.0.0.1:{self.port}"

    def start(self):
        self._proc = subprocess.Popen(
            [sys.executable, "-m", "aiosmtpd", "-n", "-l", f"127.0.0.1:{self.port}",
             "-c", "aiosmtpd.handlers.Mailbox", self.maildir],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + 15
        while time.monotonic() < deadline:
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=0.5) as sock:
                    if sock.recv(3) == b"220":
                        return self
            except OSError:
                time.sleep(0.1)
        raise RuntimeError("aiosmtpd did not start")

    def stop(self):
        if self._proc is not None:
            self._proc.terminate()
            self._proc.wait(10)
            self._proc = None

    def messages(self):
        """Every message received so far, parsed (headers decoded), oldest first."""
        if not os.path.isdir(self.maildir):
            return []
        box = mailbox.Maildir(self.maildir, factory=None, create=False)
        found = [email.message_from_bytes(box.get_bytes(key), policy=email.policy.default) for key in box.keys()]
        return sorted(found, key=lambda m: m["Date"] or "")

    def to(self, address):
        return [m for m in self.messages() if address in str(m["To"])]
