from datetime import date, datetime, timedelta, timezone

import pytest

from kit import plausible
from kit.errors import ValidationFailed

TODAY = date(2026, 12, 8)


@pytest.mark.parametrize("value", [date(9999, 12, 31), date(2026, 12, 9), date(1, 1, 1), date(1999, 12, 31)])
def test_a_date_that_happened_is_not_in_the_future_nor_before_the_platform(value):
    with pytest.raises(ValidationFailed) as err:
        plausible.ensure_past_or_today(value, TODAY, "decided_on")
    assert list(err.value.fields) == ["decided_on"]


def test_a_date_that_happened_is_not_before_its_record_began():
    with pytest.raises(ValidationFailed) as err:
        plausible.ensure_past_or_today(date(2026, 1, 1), TODAY, "decided_on", earliest=date(2026, 3, 1),
                                       earliest_reason="案件登记日期")
    assert "2026-03-01" in err.value.fields["decided_on"][0]
    assert plausible.ensure_past_or_today(TODAY, TODAY, "decided_on", earliest=TODAY) == TODAY


def test_a_slot_to_come_starts_after_now_and_is_bounded():
    now = datetime(2026, 12, 8, tzinfo=timezone.utc)
    plausible.ensure_future_slot(now + timedelta(hours=1), now + timedelta(days=30, hours=1), now, timedelta(days=30))
    for start, end, field in ((now, now + timedelta(hours=1), "starts_at"),
                              (now + timedelta(hours=2), now + timedelta(hours=1), "ends_at"),
                              (now + timedelta(days=1), now + timedelta(days=3653), "ends_at")):
        with pytest.raises(ValidationFailed) as err:
            plausible.ensure_future_slot(start, end, now, timedelta(days=30))
        assert field in err.value.fields
