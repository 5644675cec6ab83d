"""A platform of its own for the notifications e2e tests: the same processes as ``stack``, plus
SMTP_URL pointing at a real local SMTP server (aiosmtpd) and a quick sender (short polls and
backoff), so mail and webhooks can be read within a test."""
import uuid

import pytest

from tests.e2e.conftest import local_stack
from tests.support.api import Api
from tests.support.smtp import SmtpServer
from tests.support.webhook_receiver import WebhookReceiver

SECRET = "e2e-webhook-secret-0123456789abcdef"


@pytest.fixture(scope="module")
def smtp():
    server = SmtpServer().start()
    yield server
    server.stop()


@pytest.fixture(scope="module")
def platform(request, smtp):
    with local_stack(request, with_relay_proxy=False, SMTP_URL=smtp.url, NOTIFY_POLL_SECONDS="0.2",
                     NOTIFY_RETRY_BASE_SECONDS="0.3", NOTIFY_RETRY_MAX_SECONDS="1", NOTIFY_MAX_ATTEMPTS="5") as started:
        yield started


@pytest.fixture(scope="module")
def boss(platform):
    """The platform's admin."""
    return Api(platform.base_url).login(platform.admin_user, platform.admin_password)


@pytest.fixture(scope="module")
def receiver(boss):
    """A receiver on 127.0.0.1 subscribed to every type; answers 200."""
    hook = WebhookReceiver().start()
    response = boss.post("/v1/webhooks", json={"url": hook.url, "secret": SECRET, "events": [
        "case.assigned", "case.evaluated", "data_check.finding_opened", "case.referral_overdue"]})
    assert response.status_code == 201, response.text
    yield hook
    hook.stop()


def make_user(boss, role, department, email=True):
    username = f"{role}-{uuid.uuid4().hex[:8]}"
    body = {"username": username, "password": "password-123", "display_name": f"测试{role}",
            "department": department, "roles": [role]}
    if email:
        body["email"] = f"{username}@jcy.example"
    response = boss.post("/v1/users", json=body)
    assert response.status_code == 201, response.text
    return response.json(), boss.login(username, "password-123")
