"""Reply deadlines of recommendations: the configured rule table, month ends, leap years, urgency,
overdue computed from today."""
from datetime import date

import pytest

from kit.context import Actor
from kit.errors import Forbidden, ValidationFailed
from services.recommendations import policy

DEFAULTS = policy.Settings()


@pytest.mark.parametrize("served_on,due_on", [
    (date(2026, 1, 31), date(2026, 3, 31)),   # the examples
    (date(2025, 12, 31), date(2026, 2, 28)),
    (date(2027, 12, 31), date(2028, 2, 29)),  # leap year
    (date(2026, 12, 31), date(2027, 2, 28)),
    (date(2027, 12, 30), date(2028, 2, 29)),
    (date(2026, 3, 15), date(2026, 5, 15)),
    (date(2026, 11, 30), date(2027, 1, 30)),  # across the year
])
@pytest.mark.parametrize("kind", sorted(set(policy.DEFAULT_REPLY_RULES) - {"court_execution"}))
def test_reply_is_due_two_calendar_months_after_service_clamped_to_the_month_end(kind, served_on, due_on):
    assert policy.reply_due_on(DEFAULTS, kind, served_on) == due_on


def test_urgent_reply_days_override_the_months():
    assert policy.reply_due_on(DEFAULTS, "correct_violation", date(2026, 1, 31), 10) == date(2026, 2, 10)
    assert policy.reply_due_on(DEFAULTS, "public_interest", date(2026, 2, 20), 15) == date(2026, 3, 7)


def test_urgent_public_interest_defaults_to_15_days():
    assert policy.urgent_days(DEFAULTS, "public_interest", True, None) == 15
    assert policy.urgent_days(DEFAULTS, "public_interest", True, 5) == 5
    assert policy.urgent_days(DEFAULTS, "public_interest", False, None) is None


def test_urgent_without_days_for_a_kind_without_an_urgent_default_names_the_field():
    with pytest.raises(ValidationFailed) as err:
        policy.urgent_days(DEFAULTS, "retrial", True, None)
    assert "urgent_reply_days" in err.value.fields


def test_the_rule_table_comes_from_configuration():
    settings = policy.Settings.from_config({
        "RECOMMENDATION_REPLY_RULES": {"retrial": {"months": 3}, "other": {"days": 20},
                                       "public_interest": {"months": 2, "urgent_days": 10}},
        "RECOMMENDATION_DUE_SOON_DAYS": [5], "RECOMMENDATION_VERY_OVERDUE_DAYS": "45"})
    assert policy.reply_due_on(settings, "retrial", date(2025, 11, 30)) == date(2026, 2, 28)
    assert policy.reply_due_on(settings, "other", date(2026, 1, 31)) == date(2026, 2, 20)
    assert policy.reply_due_on(settings, "social_governance", date(2026, 1, 31)) == date(2026, 3, 31)  # default
    assert policy.urgent_days(settings, "public_interest", True, None) == 10
    assert settings.very_overdue_days == 45
    assert [t.name for t in settings.reply_rule().thresholds] == ["due_soon_5d", "overdue", "very_overdue"]


def test_a_configured_rule_for_an_unknown_kind_or_without_a_period_is_refused():
    with pytest.raises(ValueError):
        policy.Settings.from_config({"RECOMMENDATION_REPLY_RULES": {"bogus": {"months": 2}}})
    with pytest.raises(ValueError):
        policy.Settings.from_config({"RECOMMENDATION_REPLY_RULES": {"retrial": {"urgent_days": 2}}})


def test_default_thresholds_are_7_and_1_days_before_due_today_overdue_and_30_days_overdue():
    rule = DEFAULTS.reply_rule()
    assert rule.kind == "recommendation.reply"
    assert [(t.name, t.days) for t in rule.thresholds] == [
        ("due_soon_7d", -7), ("due_soon_1d", -1), ("due_soon_0d", 0), ("overdue", 1), ("very_overdue", 30)]
    # Fired at the start of the day in Asia/Shanghai: the overdue one as the due day ends.
    fires = rule.fires_at(date(2026, 3, 31), rule.threshold("overdue"))
    assert fires.isoformat() == "2026-03-31T16:00:00+00:00"


def test_served_three_months_ago_is_overdue_at_once_with_the_right_days():
    today = date(2026, 11, 26)
    served_on = date(2026, 8, 26)
    due = policy.reply_due_on(DEFAULTS, "social_governance", served_on)
    assert due == date(2026, 10, 26)
    rec = {"status": "served", "reply_due_on": due.isoformat()}
    assert policy.lateness(rec, today) == (True, 31)
    assert policy.very_overdue(DEFAULTS, rec, today)


@pytest.mark.parametrize("today,expected", [
    (date(2026, 3, 30), (False, 0)), (date(2026, 3, 31), (False, 0)),  # the due day itself is in time
    (date(2026, 4, 1), (True, 1)), (date(2026, 4, 30), (True, 30)),
])
def test_overdue_counts_days_after_the_due_date(today, expected):
    assert policy.lateness({"status": "served", "reply_due_on": "2026-03-31"}, today) == expected


@pytest.mark.parametrize("status", ["draft", "approved", "replied", "closed", "withdrawn"])
def test_nothing_is_overdue_unless_a_reply_is_awaited(status):
    assert policy.lateness({"status": status, "reply_due_on": "2026-01-01"}, date(2026, 6, 1)) == (False, 0)


def test_very_overdue_from_the_configured_days():
    rec = {"status": "served", "reply_due_on": "2026-03-31"}
    assert not policy.very_overdue(DEFAULTS, rec, date(2026, 4, 29))
    assert policy.very_overdue(DEFAULTS, rec, date(2026, 4, 30))


CHIEF = Actor("u-chief", ("chief_procurator",), "leadership")
PROSECUTOR = Actor("u-pi", ("prosecutor",), "public_interest")
OTHER = Actor("u-civ", ("prosecutor",), "civil")
INSPECTOR = Actor("u-insp", ("inspector",), "inspection")
REC = {"department": "public_interest", "drafted_by": "u-pi"}


def test_only_the_chief_procurator_approves():
    policy.ensure_can_approve(CHIEF, REC)
    for actor in (PROSECUTOR, Actor("u-h", ("department_head",), "public_interest"), Actor("a", ("admin",), "")):
        with pytest.raises(Forbidden):
            policy.ensure_can_approve(actor, REC)


def test_the_department_works_on_it_others_do_not_and_cross_department_roles_only_see_it():
    policy.ensure_can_work(PROSECUTOR, REC)
    with pytest.raises(Forbidden):
        policy.ensure_can_work(OTHER, REC)
    policy.ensure_can_view(INSPECTOR, REC)
    with pytest.raises(Forbidden):
        policy.ensure_can_work(INSPECTOR, REC)


def test_drafting_needs_a_visible_case():
    case = {"department": "criminal", "handler_id": "u-handler"}
    with pytest.raises(Forbidden) as err:
        policy.ensure_can_draft(PROSECUTOR, case)
    assert "case_id" in err.value.fields
    policy.ensure_can_draft(Actor("u-handler", ("prosecutor",), "civil"), case)  # the handler sees it
    policy.ensure_can_draft(CHIEF, case)


@pytest.mark.parametrize("served_on,due_on", [
    (date(2026, 11, 30), date(2027, 2, 28)),   # three months, clamped to the month end across the year
    (date(2026, 1, 31), date(2026, 4, 30)),
])
def test_the_courts_reply_within_three_months(served_on, due_on):
    assert policy.reply_due_on(DEFAULTS, "court_execution", served_on) == due_on
