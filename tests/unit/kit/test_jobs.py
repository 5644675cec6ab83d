"""Periods of periodic jobs: they turn at the job's local time (Asia/Shanghai)."""
from datetime import datetime, time, timezone

import pytest

from kit.jobs import Every

UTC = timezone.utc


@pytest.mark.parametrize("moment,period", [
    (datetime(2026, 11, 25, 17, 59, tzinfo=UTC), "2026-11-25"),   # 01:59 on the 26th in Shanghai: still the 25th
    (datetime(2026, 11, 25, 18, 0, tzinfo=UTC), "2026-11-26"),    # 02:00 on the 26th: the 26th's run
    (datetime(2026, 12, 31, 18, 30, tzinfo=UTC), "2027-01-01"),
])
def test_a_daily_job_at_two_turns_at_two_shanghai_time(moment, period):
    assert Every.day(at=time(2, 0)).period(moment) == period


def test_weeks_start_on_monday_and_months_on_the_first_at_the_jobs_time():
    weekly, monthly = Every.week(at=time(3, 0)), Every.month(at=time(4, 0))
    # Monday 30 Nov 2026, 02:59 and 03:00 in Shanghai
    assert weekly.period(datetime(2026, 11, 29, 18, 59, tzinfo=UTC)) == "2026-W48"
    assert weekly.period(datetime(2026, 11, 29, 19, 0, tzinfo=UTC)) == "2026-W49"
    # 1 Dec 2026, 03:59 and 04:00 in Shanghai
    assert monthly.period(datetime(2026, 11, 30, 19, 59, tzinfo=UTC)) == "2026-11"
    assert monthly.period(datetime(2026, 11, 30, 20, 0, tzinfo=UTC)) == "2026-12"


def test_an_interval_for_tests():
    every = Every.interval(10)
    assert every.period(datetime.fromtimestamp(1005, UTC)) == every.period(datetime.fromtimestamp(1009, UTC))
    assert every.period(datetime.fromtimestamp(1010, UTC)) != every.period(datetime.fromtimestamp(1009, UTC))
