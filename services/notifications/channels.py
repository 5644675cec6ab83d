"""The outbound channels: e-mail over SMTP and signed webhooks. Each ``send`` returns an Outcome;
none raises for a failure of the far side (the sender records it and retries or gives up)."""
import hashlib
import hmac
import json
import smtplib
import socket
import ssl
from dataclasses import dataclass, field
from email.message import EmailMessage
from email.utils import formataddr, make_msgid, parseaddr
from urllib.parse import parse_qs, unquote, urlsplit

import requests

from kit import clock

SIGNATURE_HEADER = "X-Pingjian-Signature"     # sha256=<hex HMAC-SHA256 of the raw body with the secret>
TIMESTAMP_HEADER = "X-Pingjian-Timestamp"     # Unix seconds; also in the signed body as "timestamp"
EVENT_HEADER = "X-Pingjian-Event"
DELIVERY_HEADER = "X-Pingjian-Delivery"       # the delivery record's id: receivers can dedupe on it


@dataclass
class Outcome:
    ok: bool
    permanent: bool = False     # a failure retrying cannot fix (550 no such mailbox)
    error: str = None
    log: dict = field(default_factory=dict)  # what the attempt log keeps (status code, SMTP reply)


def sign(secret, body):
    return "sha256=" + hmac.new(secret.encode("utf-8"), body, hashlib.sha256).hexdigest()


class SmtpChannel:
    """``SMTP_URL``: ``smtp://[user:password@]host[:port]`` (plain; ``?starttls=1`` to upgrade),
    ``smtps://…`` (TLS from the start). The sender address is ``SMTP_FROM``."""

    def __init__(self, url, sender, timeout=20):
        parts = urlsplit(url)
        if parts.scheme not in ("smtp", "smtps"):
            raise ValueError("SMTP_URL must start with smtp:// or smtps://")
        self.tls = parts.scheme == "smtps"
        self.starttls = parse_qs(parts.query).get("starttls", ["0"])[0] in ("1", "true", "yes")
        self.host, self.port = parts.hostname, parts.port or (465 if self.tls else 25)
        self.username = unquote(parts.username) if parts.username else None
        self.password = unquote(parts.password) if parts.password else None
        self.sender = sender
        self.timeout = timeout

    @classmethod
    def from_config(cls, config):
        url = (config.get("SMTP_URL") or "").strip()
        if not url:
            return None
        return cls(url, config.get("SMTP_FROM") or "智慧平检 <noreply@pingjian.local>",
                   float(config.get("SMTP_TIMEOUT_SECONDS", 20)))

    def message(self, record, address, display_name=None):
        message = EmailMessage()
        name, from_address = parseaddr(self.sender)
        message["From"] = formataddr((name, from_address)) if name else from_address
        message["To"] = formataddr((display_name, address)) if display_name else address
        message["Subject"] = record["title"]
        message["Message-ID"] = make_msgid(idstring=record["_id"], domain=from_address.rpartition("@")[2] or None)
        message[DELIVERY_HEADER] = record["_id"]
        message[EVENT_HEADER] = record["type"]
        message.set_content(record["body"] + "\n\n——智慧平检 动态提醒（请登录平台查看详情）\n", charset="utf-8")
        return message

    def send(self, record, address, display_name=None):
        message = self.message(record, address, display_name)
        try:
            client_cls = smtplib.SMTP_SSL if self.tls else smtplib.SMTP
            kwargs = {"context": ssl.create_default_context()} if self.tls else {}
            with client_cls(self.host, self.port, timeout=self.timeout, **kwargs) as client:
                if self.starttls:
                    client.starttls(context=ssl.create_default_context())
                if self.username:
                    client.login(self.username, self.password or "")
                refused = client.send_message(message)
            if refused:
                code, reply = next(iter(refused.values()))
                return Outcome(False, permanent=code >= 500, error=f"SMTP {code} {_text(reply)}",
                               log={"smtp_code": code})
            return Outcome(True, log={"smtp_code": 250})
        except smtplib.SMTPRecipientsRefused as exc:
            code, reply = next(iter(exc.recipients.values()))
            return Outcome(False, permanent=code >= 500, error=f"SMTP {code} {_text(reply)}", log={"smtp_code": code})
        except smtplib.SMTPResponseException as exc:
            return Outcome(False, permanent=exc.smtp_code >= 500 and exc.smtp_code != 554,
                           error=f"SMTP {exc.smtp_code} {_text(exc.smtp_error)}", log={"smtp_code": exc.smtp_code})
        except (smtplib.SMTPException, OSError, socket.timeout) as exc:  # down, refused, timed out
            return Outcome(False, error=f"{type(exc).__name__}: {exc}"[:300])


def _text(reply):
    return reply.decode("utf-8", "replace") if isinstance(reply, bytes) else str(reply)


class WebhookChannel:
    def __init__(self, timeout=10):
        self.timeout = timeout

    @staticmethod
    def body(record, timestamp):
        return json.dumps({
            "delivery_id": record["_id"], "event_id": record["event_id"], "type": record["type"],
            "timestamp": timestamp, "title": record["title"], "body": record["body"], "ref": record["ref"],
            "payload": record.get("payload"),
        }, ensure_ascii=False, separators=(",", ":"), sort_keys=True).encode("utf-8")

    def send(self, record, webhook):
        timestamp = int(clock.now().timestamp())
        body = self.body(record, timestamp)
        headers = {"Content-Type": "application/json; charset=utf-8", "User-Agent": "Pingjian-Webhook/1",
                   SIGNATURE_HEADER: sign(webhook["secret"], body), TIMESTAMP_HEADER: str(timestamp),
                   EVENT_HEADER: record["type"], DELIVERY_HEADER: record["_id"]}
        try:
            response = requests.post(webhook["url"], data=body, headers=headers, timeout=self.timeout,
                                     allow_redirects=False)
        except requests.RequestException as exc:
            return Outcome(False, error=f"{type(exc).__name__}: {exc}"[:300])
        if 200 <= response.status_code < 300:
            return Outcome(True, log={"http_status": response.status_code})
        return Outcome(False, error=f"HTTP {response.status_code}", log={"http_status": response.status_code})
