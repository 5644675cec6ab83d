"""Recommendations and inspections notifications through the gateway (issue 12): each type reaches
the right people — and not the head of another department — in the inbox (read over HTTP), by mail
(read from the local SMTP server) and by signed webhook.

The actions (approve, reject, reply, assign a task) are driven through the gateway for real. The
time-based events (reply due soon, overdue, very overdue; a task due soon or overdue; a finding
overdue) are fired by deadlines the shared platform's real clock will not reach during a test, so
they are published as their producer would, contract-checked, built from the record the gateway
created and answered."""
import uuid
from datetime import datetime, timedelta

import pytest

import contracts.events  # noqa: F401  (registers the payload schemas build_event checks)
from contracts.envelope import build_event
from kit.clock import SHANGHAI
from tests.e2e.notifications.conftest import hooks, inbox, mails, make_user, register
from tests.support.amqp import publish_event
from tests.support.waiting import wait_for

WAIT = 15


def today():
    """The platform's today (real clock; due dates are Asia/Shanghai dates)."""
    return datetime.now(SHANGHAI).date()


def reaches(api, user, smtp, receiver, ref_id, event_type, title, count=1):
    """``user`` has ``count`` notices of ``event_type`` about ``ref_id`` titled ``title`` in the inbox
    and as many mails at their address; the receiver got ``count`` signed deliveries. Returns the
    notices (newest first) and the webhook bodies."""
    notes = wait_for(lambda: (found := inbox(api, ref_id, event_type)) and len(found) >= count and found,
                     timeout=WAIT, message=f"{event_type} in the inbox of {user['username']}")
    assert len(notes) == count and {n["title"] for n in notes} == {title}, notes
    wait_for(lambda: len(mails(smtp, user["email"], title)) >= count, timeout=WAIT,
             message=f"{event_type} mail to {user['email']}")
    sent = mails(smtp, user["email"], title)
    assert len(sent) == count and all(m["Subject"] == title for m in sent)
    bodies = wait_for(lambda: (found := hooks(receiver, event_type, ref_id)) and len(found) >= count and found,
                      timeout=WAIT, message=f"{event_type} webhook")
    assert len(bodies) == count and {b["title"] for b in bodies} == {title}
    return notes, bodies


def nothing_for(api, user, smtp, ref_id, *event_types, titles=()):
    """Nothing of these types about ``ref_id`` in ``user``'s inbox, no mail with these titles (called
    once the right recipients had theirs: the same event wrote every inbox in one transaction, and
    the sender had as long to send the mails)."""
    for event_type in event_types:
        assert inbox(api, ref_id, event_type) == [], (user["username"], event_type)
    for title in titles:
        assert mails(smtp, user["email"], title) == [], (user["username"], title)


# -- recommendations --------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def office(boss):
    """A public-interest drafter and their head, a head of another department, the chief procurator,
    and a case the drafter handles."""
    head_user, head = make_user(boss, "department_head", "public_interest")
    drafter_user, drafter = make_user(boss, "prosecutor", "public_interest")
    other_user, other = make_user(boss, "department_head", "civil")
    chief_user, chief = make_user(boss, "chief_procurator", "leadership")
    case = register(head, handler_id=drafter_user["id"], department="public_interest")
    return {"head": (head_user, head), "drafter": (drafter_user, drafter), "other": (other_user, other),
            "chief": (chief_user, chief), "case": case}


def draft_and_submit(office, title):
    _, drafter = office["drafter"]
    drafted = drafter.post("/v1/recommendations", json={
        "case_id": office["case"]["id"], "kind": "social_governance", "target_unit": "某区民政局", "title": title,
        "problems": ["辖区养老机构消防通道堆放杂物"], "proposals": ["督促养老机构限期清理消防通道"]})
    assert drafted.status_code == 201, drafted.text
    submitted = drafter.post(f"/v1/recommendations/{drafted.json()['id']}/submit")
    assert submitted.status_code == 200 and submitted.json()["status"] == "pending_approval", submitted.text
    return submitted.json()


def unique_title():
    return f"关于加强养老机构消防安全管理的检察建议（{uuid.uuid4().hex[:6]}）"


def test_an_approval_and_a_rejection_reach_the_drafter_only(office, smtp, receiver):
    drafter_user, drafter = office["drafter"]
    chief_user, chief = office["chief"]
    approved_title, rejected_title = unique_title(), unique_title()
    approved, rejected = draft_and_submit(office, approved_title), draft_and_submit(office, rejected_title)
    # Approval and rejection are the chief procurator's: the drafter cannot approve their own.
    assert drafter.post(f"/v1/recommendations/{approved['id']}/approve").status_code == 403
    assert chief.post(f"/v1/recommendations/{approved['id']}/approve").status_code == 200
    response = chief.post(f"/v1/recommendations/{rejected['id']}/reject", json={"comment": "请补充整改期限"})
    assert response.status_code == 200 and response.json()["status"] == "draft", response.text

    [note], [hook] = reaches(drafter, drafter_user, smtp, receiver, approved["id"], "recommendation.approved",
                             f"检察建议已批准：{approved_title}")
    assert "请及时向某区民政局送达" in note["body"] and office["case"]["case_no"] in note["body"]
    assert hook["payload"]["approved_by"] == chief_user["id"] and hook["payload"]["drafted_by"] == drafter_user["id"]
    [note], [hook] = reaches(drafter, drafter_user, smtp, receiver, rejected["id"], "recommendation.rejected",
                             f"检察建议被退回修改：{rejected_title}")
    assert "退回意见：请补充整改期限" in note["body"]
    assert hook["payload"]["comment"] == "请补充整改期限" and hook["payload"]["rejected_by"] == chief_user["id"]

    # Not the drafter's head, not the approver, not another department's head (the chief procurator was
    # told of the submissions, which wait for them: recommendation.submitted, not these).
    for user, api in (office["head"], office["chief"], office["other"]):
        for rec in (approved, rejected):
            nothing_for(api, user, smtp, rec["id"], "recommendation.approved", "recommendation.rejected",
                        titles=(f"检察建议已批准：{approved_title}", f"检察建议被退回修改：{rejected_title}"))


def served(office, title):
    """A recommendation approved and served today, as the gateway answers it."""
    _, drafter = office["drafter"]
    _, chief = office["chief"]
    rec = draft_and_submit(office, title)
    assert chief.post(f"/v1/recommendations/{rec['id']}/approve").status_code == 200
    response = drafter.post(f"/v1/recommendations/{rec['id']}/serve",
                           json={"served_on": today().isoformat(), "method": "written"})
    assert response.status_code == 200 and response.json()["status"] == "served", response.text
    return response.json()


def deadline_event(rec, event_type, **extra):
    """What recommendations' reply-deadline timer publishes for ``rec`` (domain.deadline_event)."""
    payload = {"recommendation_id": rec["id"], "case_id": rec["case_id"], "case_no": rec["case_no"],
               "kind": rec["kind"], "department": rec["department"], "target_unit": rec["target_unit"],
               "title": rec["title"], "status": rec["status"], "drafted_by": rec["drafted_by"],
               "suspect_id": rec["suspect_id"], "served_on": rec["served_on"], "reply_due_on": rec["reply_due_on"],
               **extra}
    return build_event(event_type, payload, source="recommendations", aggregate_id=rec["id"],
                       correlation_id=uuid.uuid4().hex, actor=None)


def test_reply_deadline_reminders_reach_the_drafter_and_their_head_very_overdue_the_chief_and_the_reply_the_drafter(
        platform, office, smtp, receiver):
    head_user, head = office["head"]
    drafter_user, drafter = office["drafter"]
    chief_user, chief = office["chief"]
    other_user, other = office["other"]
    title = unique_title()
    rec = served(office, title)
    for event in (deadline_event(rec, "recommendation.due_soon", days_left=7),
                  deadline_event(rec, "recommendation.due_soon", days_left=1),
                  deadline_event(rec, "recommendation.overdue", days_overdue=1),
                  deadline_event(rec, "recommendation.very_overdue", days_overdue=30,
                                 attention_of="chief_procurator")):
        publish_event(platform.amqp_uri, "recommendations", event)

    soon, overdue, very = (f"检察建议回复期限将至：{title}", f"检察建议逾期未回复：{title}",
                           f"检察建议严重逾期未回复，提请关注：{title}")
    for user, api in ((drafter_user, drafter), (head_user, head)):
        notes, _ = reaches(api, user, smtp, receiver, rec["id"], "recommendation.due_soon", soon, count=2)
        assert {("还有 7 天" in n["body"], "还有 1 天" in n["body"]) for n in notes} == {(True, False), (False, True)}
        [note], _ = reaches(api, user, smtp, receiver, rec["id"], "recommendation.overdue", overdue)
        assert f"回复期限 {rec['reply_due_on']} 已过 1 天" in note["body"]
    [note], [hook] = reaches(chief, chief_user, smtp, receiver, rec["id"], "recommendation.very_overdue", very)
    assert "提请检察长关注" in note["body"] and "公益诉讼检察部" in note["body"]
    assert hook["payload"]["days_overdue"] == 30
    # Very overdue is the chief's alone; the reminders are not theirs, nor another department's head's.
    for user, api in ((drafter_user, drafter), (head_user, head)):
        nothing_for(api, user, smtp, rec["id"], "recommendation.very_overdue", titles=(very,))
    nothing_for(chief, chief_user, smtp, rec["id"], "recommendation.due_soon", "recommendation.overdue",
                titles=(soon, overdue))
    nothing_for(other, other_user, smtp, rec["id"], "recommendation.due_soon", "recommendation.overdue",
                "recommendation.very_overdue", titles=(soon, overdue, very))

    # The unit's reply, recorded through the gateway: the drafter hears of it, with the adoption.
    response = drafter.post(f"/v1/recommendations/{rec['id']}/reply", json={
        "received_on": today().isoformat(), "adoption": "adopted", "content": "已对辖区养老机构完成消防整改"})
    assert response.status_code == 200 and response.json()["status"] == "replied", response.text
    [note], [hook] = reaches(drafter, drafter_user, smtp, receiver, rec["id"], "recommendation.replied",
                             f"被建议单位已回复：{title}")
    assert "按期回复" in note["body"] and "采纳情况：采纳" in note["body"] and "已对辖区养老机构完成消防整改" in note["body"]
    assert hook["payload"]["adoption"] == "adopted" and hook["payload"]["on_time"] is True
    # Adopted: inspections opens a 回头看 task without an owner, which goes to the issuing department's head.
    task_title = f"督办事项已交办：回头看：{title}"
    [task_note] = wait_for(lambda: [n for n in head.get("/v1/me/notifications", params={"limit": 100}).json()["items"]
                                    if n["type"] == "supervision_task.created" and n["title"] == task_title],
                           timeout=WAIT, message="the follow-up task reaches the head")
    assert "尚未指定责任人" in task_note["body"]
    reaches(head, head_user, smtp, receiver, task_note["ref"]["id"], "supervision_task.created", task_title)
    for user, api in ((head_user, head), (chief_user, chief), (other_user, other)):
        nothing_for(api, user, smtp, rec["id"], "recommendation.replied", titles=(f"被建议单位已回复：{title}",))
    for user, api in ((drafter_user, drafter), (other_user, other)):
        nothing_for(api, user, smtp, task_note["ref"]["id"], "supervision_task.created", titles=(task_title,))


# -- inspections ------------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def bureau(boss):
    """Three inspectors, an administrative prosecutor who owns tasks and their head, a civil head."""
    inspectors = [make_user(boss, "inspector", "inspection") for _ in range(3)]
    return {"inspectors": inspectors, "owner": make_user(boss, "prosecutor", "administrative"),
            "head": make_user(boss, "department_head", "administrative"),
            "other": make_user(boss, "department_head", "civil")}


def task_event(task, event_type, **extra):
    """What inspections' task timers publish for ``task`` (domain.task_reminder / task_overdue)."""
    payload = {"task_id": task["id"], "title": task["title"], "kind": task["kind"], "department": task["department"],
               "owner_id": task["owner_id"], "due_on": task["due_on"], "source": task["source"], **extra}
    return build_event(event_type, payload, source="inspections", aggregate_id=task["id"],
                       correlation_id=uuid.uuid4().hex, actor=None)


def test_a_supervision_task_reaches_its_owner_and_once_overdue_their_head_as_well(platform, bureau, smtp, receiver):
    _, inspector = bureau["inspectors"][0]
    owner_user, owner = bureau["owner"]
    head_user, head = bureau["head"]
    title = f"落实行政执法监督整改督办（{uuid.uuid4().hex[:6]}）"
    response = inspector.post("/v1/supervision-tasks", json={
        "title": title, "department": "administrative", "owner_id": owner_user["id"],
        "due_on": (today() + timedelta(days=30)).isoformat(), "description": "督促于期限内完成整改并报送佐证材料。"})
    assert response.status_code == 201, response.text
    task = response.json()
    created = f"督办事项已交办：{title}"
    [note], [hook] = reaches(owner, owner_user, smtp, receiver, task["id"], "supervision_task.created", created)
    assert note["body"].startswith("您有一项新的督办事项") and "督办要求：督促于期限内完成整改" in note["body"]
    assert hook["payload"]["owner_id"] == owner_user["id"]

    publish_event(platform.amqp_uri, "inspections", task_event(task, "supervision_task.due_soon", days_left=3))
    soon = f"督办事项即将到期：{title}"
    [note], _ = reaches(owner, owner_user, smtp, receiver, task["id"], "supervision_task.due_soon", soon)
    assert "距期限还有 3 天" in note["body"]
    # The task has an owner: created and due soon are theirs, the head hears only once it is overdue.
    nothing_for(head, head_user, smtp, task["id"], "supervision_task.created", "supervision_task.due_soon",
                titles=(created, soon))

    publish_event(platform.amqp_uri, "inspections", task_event(task, "supervision_task.overdue", status="open"))
    overdue = f"督办事项已逾期：{title}"
    for user, api in ((owner_user, owner), (head_user, head)):
        [note], _ = reaches(api, user, smtp, receiver, task["id"], "supervision_task.overdue", overdue)
        assert "当前状态：待办理" in note["body"] and "已同时报告部门负责人" in note["body"]
    for user, api in (bureau["other"], bureau["inspectors"][0]):
        nothing_for(api, user, smtp, task["id"], "supervision_task.created", "supervision_task.due_soon",
                    "supervision_task.overdue", titles=(created, soon, overdue))


def test_an_overdue_finding_reaches_the_inspectors_of_its_inspection(platform, bureau, smtp, receiver):
    (first_user, first), (second_user, second), (third_user, third) = bureau["inspectors"]
    target = f"某区福寿养老院{uuid.uuid4().hex[:6]}"
    response = first.post("/v1/inspections", json={
        "target": {"name": target, "kind": "elder_care_institution", "address": "某区福寿路 8 号"},
        "inspected_on": today().isoformat(), "inspector_ids": [first_user["id"], second_user["id"]],
        "categories": ["fire_safety"]})
    assert response.status_code == 201, response.text
    inspection = response.json()
    response = first.post(f"/v1/inspections/{inspection['id']}/findings", json={
        "category": "fire_safety", "severity": "high", "description": "消防通道堆放杂物",
        "rectify_by": (today() + timedelta(days=10)).isoformat()})
    assert response.status_code == 201, response.text
    finding = response.json()
    # finding.overdue does not name the inspectors: notifications keeps them from inspection.recorded.
    wait_for(lambda: platform.db("notifications").subjects.find_one({"_id": f"inspection:{inspection['id']}"}),
             timeout=WAIT, message="the inspectors remembered")
    publish_event(platform.amqp_uri, "inspections", build_event("finding.overdue", {
        "finding_id": finding["id"], "inspection_id": inspection["id"], "target_name": finding["target"]["name"],
        "target_kind": finding["target"]["kind"], "category": finding["category"], "severity": finding["severity"],
        "rectify_by": finding["rectify_by"], "status": finding["status"]}, source="inspections",
        aggregate_id=finding["id"], correlation_id=uuid.uuid4().hex, actor=None))

    title = f"检查问题逾期未整改：{target}"
    for user, api in ((first_user, first), (second_user, second)):
        [note], [hook] = reaches(api, user, smtp, receiver, finding["id"], "finding.overdue", title)
        assert f"整改期限 {finding['rectify_by']} 已过" in note["body"] and "隐患等级：高" in note["body"]
        assert note["ref"] == {"kind": "inspection_finding", "id": finding["id"]}
    assert hook["payload"]["inspection_id"] == inspection["id"]
    # Only this inspection's inspectors: not a third inspector, not a department head.
    for user, api in ((third_user, third), bureau["head"]):
        nothing_for(api, user, smtp, finding["id"], "finding.overdue", titles=(title,))
