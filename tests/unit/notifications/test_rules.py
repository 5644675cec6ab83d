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
