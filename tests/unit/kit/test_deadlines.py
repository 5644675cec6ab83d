"""Deadline rules: thresholds are data, each firing at the rule's local time on its day."""
from datetime import date, datetime, time, timezone

from kit.deadlines import DeadlineRule, Threshold, record_id

REPLY = DeadlineRule("recommendation.reply", (Threshold("due_soon_7d", -7), Threshold("due_soon_1d", -1),
                                              Threshold("due_today", 0), Threshold("overdue", 1),
                                              Threshold("very_overdue", 30)), at=time(8, 0))


def test_each_threshold_fires_at_eight_in_the_morning_shanghai_time_on_its_day():
    due = date(2026, 3, 31)
    fires = {t.name: REPLY.fires_at(due, t) for t in REPLY.thresholds}
    assert fires["due_soon_7d"] == datetime(2026, 3, 24, 0, 0, tzinfo=timezone.utc)
    assert fires["due_today"] == datetime(2026, 3, 31, 0, 0, tzinfo=timezone.utc)
    assert fires["overdue"] == datetime(2026, 4, 1, 0, 0, tzinfo=timezone.utc)
    assert fires["very_overdue"] == datetime(2026, 4, 30, 0, 0, tzinfo=timezone.utc)


def test_one_record_per_kind_aggregate_and_threshold():
    assert record_id("recommendation.reply", "r-1", "overdue") == "recommendation.reply:r-1:overdue"
    assert REPLY.threshold("due_soon_1d").days == -1


def test_reminders_at_configured_offsets_speak_once_the_nearest_due_one():
    from kit.deadlines import Reminders
    reminders = Reminders.from_config([1, 7, 0])
    assert reminders.days == (7, 1, 0)
    assert [t.name for t in reminders.thresholds()] == ["due_soon_7d", "due_soon_1d", "due_soon_0d"]
    assert reminders.speaks("due_soon_7d", 7) and reminders.speaks("due_soon_7d", 3)
    assert not reminders.speaks("due_soon_7d", 1)     # the 1-day one is due as well: it says it
    assert reminders.speaks("due_soon_1d", 1) and not reminders.speaks("due_soon_1d", 0)
    assert reminders.speaks("due_soon_0d", 0) and not reminders.speaks("due_soon_0d", -1)  # never after the day
    assert Reminders.from_config(None).days == (7, 1, 0)
    import pytest
    with pytest.raises(ValueError):
        Reminders.from_config([-1])
