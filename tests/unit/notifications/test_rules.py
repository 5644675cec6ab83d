"""The rules table, its templates and the contract: every type renders from its event's example."""
import os

import pytest

from contracts import enums
from contracts.envelope import build_event, parse_event, payload_schema
from services.notifications import rules, templates
from services.notifications.service import NotificationsService


def parsed_example(event_type):
    """The event's contract example, parsed as a consumer sees it (dates as dates)."""
    example = payload_schema(event_type, 1).example
    envelope = build_event(event_type, example, source="cases", aggregate_id="a1", correlation_id="c1", actor=None)
    return parse_event(envelope, event_type)


def test_every_rule_type_is_a_registered_notification_type_and_back():
    assert set(rules.TYPES) == set(enums.NOTIFICATION_TYPES)


@pytest.mark.parametrize("rule", rules.RULES, ids=lambda r: r.type)
def test_every_rule_has_its_template_file_and_renders_its_events_example(rule):
    assert os.path.exists(os.path.join(templates.DIRECTORY, rule.template_file))
    title, body = templates.render(rule.template_file, parsed_example(rule.type)["payload"])
    assert title and "\n" not in title and body
    assert "{{" not in body and "{%" not in body


@pytest.mark.parametrize("rule", rules.RULES, ids=lambda r: r.type)
def test_every_rule_has_a_consumer_and_its_ref_field_exists(rule):
    consumed = {getattr(getattr(NotificationsService, name), "consumes", None) for name in dir(NotificationsService)}
    assert (rule.source, rule.type) in consumed
    assert rule.ref[1] in payload_schema(rule.type, 1).example


def test_evaluation_message_names_grade_label_scores_and_comments():
    title, body = templates.render("case_evaluated.v1.j2", parsed_example("case.evaluated")["payload"])
    assert "优质" in title and "平检刑诉〔2026〕18号" in title
    assert "事实清楚，证据确实充分" in body and "事实认定 92" in body and "2026-Q3常规评查" in body


def test_a_template_naming_a_field_the_event_lacks_fails_loudly():
    payload = dict(parsed_example("case.evaluated")["payload"])
    del payload["comments"]
    with pytest.raises(Exception, match="comments"):
        templates.render("case_evaluated.v1.j2", payload)


def test_referral_overdue_is_critical_and_reaches_the_department_head():
    rule = rules.rule_for("case.referral_overdue")
    assert rule.critical and "department_head:department" in rule.recipients
    assert not rules.rule_for("case.assigned").critical


@pytest.mark.parametrize("memory", rules.MEMORIES, ids=lambda m: m.type)
def test_every_memory_has_a_consumer_and_names_fields_its_event_carries(memory):
    consumed = {getattr(getattr(NotificationsService, name), "consumes", None) for name in dir(NotificationsService)}
    assert (memory.source, memory.type) in consumed
    example = payload_schema(memory.type, 1).example
    assert memory.ref[1] in example and all(field in example for field in memory.fields)


def test_a_field_a_rule_needs_and_its_event_lacks_is_remembered_by_some_memory():
    remembered = {(m.ref, field) for m in rules.MEMORIES for field in m.fields}
    for rule in rules.RULES:
        from services.notifications.domain import fields_not_in
        for field in fields_not_in(rule, payload_schema(rule.type, 1).example):
            assert (rule.subject_ref, field) in remembered, (rule.type, field)


def test_budget_messages_show_amounts_in_yuan_and_labels():
    title, body = templates.render("budget_request_reviewed.v1.j2", parsed_example("budget.request_reviewed")["payload"])
    assert title == "预算申请已审核：办案区同步录音录像设备更新"
    assert "申请金额 120,000.00 元，审核金额 100,000.00 元" in body and "按市场询价核减" in body
    title, body = templates.render("budget_request_decided.v1.j2", parsed_example("budget.request_decided")["payload"])
    assert "（批准）" in title and "党组会〔2026〕12号" in body
    title, body = templates.render("procurement_started.v1.j2", parsed_example("budget.procurement_started")["payload"])
    assert "刑事检察部" in body and "集中采购" in body and "2026-11-26" in body and "供应商" not in body


def test_supervision_tasks_go_to_the_owner_or_else_the_head_and_overdue_escalates_critically():
    from services.notifications.domain import subject_key
    from services.notifications.recipients import Directory, resolve
    directory = Directory([{"_id": "owner", "department": "public_interest", "roles": ["prosecutor"], "active": True},
                           {"_id": "head", "department": "public_interest", "roles": ["department_head"], "active": True}])
    for event_type in ("supervision_task.created", "supervision_task.due_soon"):
        payload = parsed_example(event_type)["payload"]
        rule = rules.rule_for(event_type)
        assert not rule.critical
        assert [r.user_id for r in resolve(rule.recipients, {**payload, "owner_id": "owner"}, directory)] == ["owner"]
        assert [r.user_id for r in resolve(rule.recipients, {**payload, "owner_id": None}, directory)] == ["head"]
    rule = rules.rule_for("supervision_task.overdue")
    assert rule.critical
    payload = {**parsed_example("supervision_task.overdue")["payload"], "owner_id": "owner"}
    assert [r.user_id for r in resolve(rule.recipients, payload, directory)] == ["owner", "head"]
    # A finding's inspectors are remembered per inspection, while the notice points at the finding.
    rule = rules.rule_for("finding.overdue")
    payload = parsed_example("finding.overdue")["payload"]
    assert subject_key(rule, payload) == f"inspection:{payload['inspection_id']}"
    assert rule.ref == ("inspection_finding", "finding_id")


def test_inspection_messages_name_the_task_the_target_and_labels():
    payload = parsed_example("supervision_task.created")["payload"]
    title, body = templates.render("supervision_task_created.v1.j2", {**payload, "owner_id": None})
    assert title == "督办事项已交办：落实养老机构消防整改督办"
    assert "公益诉讼检察部" in body and "尚未指定责任人" in body and "2026-10-30" in body
    title, body = templates.render("inspection_finding_overdue.v1.j2", parsed_example("finding.overdue")["payload"])
    assert "某区福寿养老院" in title and "消防安全" in body and "2026-10-16" in body and "待整改" in body


def test_recommendations_go_to_the_drafter_their_head_and_very_overdue_to_the_chief():
    from services.notifications.recipients import Directory, resolve
    directory = Directory([
        {"_id": "drafter", "department": "civil", "roles": ["prosecutor"], "active": True},
        {"_id": "civil-head", "department": "civil", "roles": ["department_head"], "active": True},
        {"_id": "pi-head", "department": "public_interest", "roles": ["department_head"], "active": True},
        {"_id": "chief", "department": "leadership", "roles": ["chief_procurator"], "active": True}])

    def to(event_type, **changes):
        payload = {**parsed_example(event_type)["payload"], "drafted_by": "drafter", **changes}
        return [r.user_id for r in resolve(rules.rule_for(event_type).recipients, payload, directory)]

    for event_type in ("recommendation.approved", "recommendation.rejected", "recommendation.replied"):
        assert to(event_type) == ["drafter"]
        assert to(event_type, drafted_by=None) == ["pi-head"]    # drafted automatically: the issuing head
        assert not rules.rule_for(event_type).critical
    for event_type in ("recommendation.due_soon", "recommendation.overdue"):
        assert to(event_type) == ["drafter", "civil-head"]      # the drafter's own department head
        assert to(event_type, drafted_by=None) == ["pi-head"]
    assert to("recommendation.very_overdue") == ["chief"]
    assert rules.rule_for("recommendation.very_overdue").critical


def test_a_rejected_recommendation_names_the_comment_and_a_reply_the_adoption():
    title, body = templates.render("recommendation_rejected.v1.j2", parsed_example("recommendation.rejected")["payload"])
    assert title.startswith("检察建议被退回修改") and "退回意见：建议内容须补充整改期限" in body
    title, body = templates.render("recommendation_replied.v1.j2", parsed_example("recommendation.replied")["payload"])
    assert "某区民政局" in body and "采纳情况：采纳" in body and "按期回复" in body and "行政处罚" not in body
