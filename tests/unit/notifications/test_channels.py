"""The channels' pure parts: SMTP_URL, the e-mail message, the webhook body and its signature."""
import email
import email.policy
import hashlib
import hmac
import json
from datetime import datetime, timezone

import pytest

from services.notifications.channels import SmtpChannel, WebhookChannel, sign

RECORD = {"_id": "d1", "event_id": "e1", "type": "case.assigned", "title": "新案件分配：平检刑诉〔2026〕7号",
          "body": "您已被指定为案件「李某帮信案」的承办人。", "ref": {"kind": "case", "id": "c1"},
          "payload": {"case_id": "c1"}, "created_at": datetime(2026, 11, 25, tzinfo=timezone.utc)}


def test_smtp_url_forms():
    plain = SmtpChannel("smtp://127.0.0.1:2525", "a@b.c")
    assert (plain.host, plain.port, plain.tls, plain.starttls, plain.username) == ("127.0.0.1", 2525, False, False, None)
    secure = SmtpChannel("smtps://mail%40jcy:p%3Ass@mail.jcy.example", "a@b.c")
    assert (secure.port, secure.tls, secure.username, secure.password) == (465, True, "mail@jcy", "p:ss")
    assert SmtpChannel("smtp://h?starttls=1", "a@b.c").starttls
    with pytest.raises(ValueError):
        SmtpChannel("http://h", "a@b.c")


def test_no_smtp_url_means_no_email_channel():
    assert SmtpChannel.from_config({"SMTP_URL": ""}) is None
    assert SmtpChannel.from_config({}) is None


def test_the_email_carries_the_zh_cn_subject_and_body_intact():
    message = SmtpChannel("smtp://h", "智慧平检 <noreply@pingjian.local>").message(RECORD, "li@jcy.example", "李检察官")
    parsed = email.message_from_bytes(message.as_bytes(), policy=email.policy.default)
    assert parsed["Subject"] == RECORD["title"] and "李检察官" in str(parsed["To"])
    assert "李某帮信案" in parsed.get_content() and parsed["X-Pingjian-Delivery"] == "d1"


def test_the_webhook_signature_is_hmac_sha256_of_the_exact_body():
    body = WebhookChannel.body(RECORD, 1764028800)
    assert sign("secret", body) == "sha256=" + hmac.new(b"secret", body, hashlib.sha256).hexdigest()
    decoded = json.loads(body)
    assert decoded["timestamp"] == 1764028800 and decoded["event_id"] == "e1" and decoded["title"] == RECORD["title"]
    assert sign("other", body) != sign("secret", body)
