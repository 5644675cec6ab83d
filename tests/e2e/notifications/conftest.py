"""The notifications e2e tests run on the shared e2e platform (``stack``), whose notifications send
e-mail to a real local SMTP server (aiosmtpd, ``smtp``) with a quick sender (short polls and backoff),
so mail and webhooks can be read within a test. Against a stack given by URL (``make smoke``), whose
mail cannot reach that server, they start a local platform of their own as before.

The platform is shared, so the tests tell their records apart by ids and unique titles, never by
counting what a whole inbox or mailbox holds. The helpers below read the three channels."""
import os
import uuid

import pytest

from tests.e2e.conftest import QUICK_SENDER, local_stack
from tests.support.api import Api, unique_case_no
from tests.support.webhook_receiver import WebhookReceiver

SECRET = "e2e-webhook-secret-0123456789abcdef"
HOOKED = ("case.assigned", "case.evaluated", "data_check.finding_opened", "case.referral_overdue",
          "recommendation.approved", "recommendation.rejected", "recommendation.due_soon", "recommendation.overdue",
          "recommendation.very_overdue", "recommendation.replied", "supervision_task.created",
          "supervision_task.due_soon", "supervision_task.overdue", "finding.overdue")


@pytest.fixture(scope="package")
def platform(request, smtp):
    if os.environ.get("PINGJIAN_E2E_BASE_URL"):
        with local_stack(request, with_relay_proxy=False, SMTP_URL=smtp.url, **QUICK_SENDER) as started:
            yield started
        return
    yield request.getfixturevalue("stack")


@pytest.fixture(scope="package")
def boss(platform):
    """The platform's admin."""
    return Api(platform.base_url).login(platform.admin_user, platform.admin_password)


@pytest.fixture(scope="package")
def receiver(boss):
    """A receiver on 127.0.0.1 subscribed to every type the tests read by webhook; answers 200."""
    hook = WebhookReceiver().start()
    response = boss.post("/v1/webhooks", json={"url": hook.url, "secret": SECRET, "events": list(HOOKED)})
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


def inbox(api, ref_id, event_type=None):
    """The caller's notifications about the record ``ref_id`` (of ``event_type``), read over HTTP."""
    items = api.get("/v1/me/notifications", params={"limit": 100}).json()["items"]
    return [n for n in items if n["ref"]["id"] == ref_id and (event_type is None or n["type"] == event_type)]


def mails(smtp, address, needle):
    return [m for m in smtp.to(address) if needle in m["Subject"] or needle in m.get_content()]


def hooks(receiver, event_type, ref_id):
    """The bodies of the deliveries of ``event_type`` about ``ref_id``, each signature verified."""
    found = []
    for request in receiver.accepted():
        body = WebhookReceiver.verify(request, SECRET)
        if body["type"] == event_type and body["ref"]["id"] == ref_id:
            found.append(body)
    return found


def register(head, handler_id=None, department="criminal"):
    """A case registered through the gateway by a department head."""
    body = {"case_no": unique_case_no(), "title": "张某等电信网络诈骗案", "category": "criminal",
            "department": department}
    if handler_id:
        body["handler_id"] = handler_id
    response = head.post("/v1/cases", json=body)
    assert response.status_code == 201, response.text
    return response.json()
