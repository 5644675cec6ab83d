"""Statistics over a period = whole months from the monthly counters + the days at either end from the
daily ones: every day of the period counted exactly once."""
import random
from datetime import date, timedelta

import pytest

from services.cases.stats import edge_days, whole_months


def covered(first, last):
    days = []
    first_month, last_month = whole_months(first, last)
    if first_month:
        month = date.fromisoformat(first_month + "-01")
        while month.isoformat()[:7] <= last_month:
            day = month
            while day.month == month.month:
                days.append(day)
                if day == date(9999, 12, 31):
                    break
                day += timedelta(days=1)
            if month.isoformat()[:7] == "9999-12":
                break
            month = day
        ranges = edge_days(first, last, first_month, last_month)
    else:
        ranges = [(first, last)]
    for low, high in ranges:
        day = date.fromisoformat(low)
        while day <= date.fromisoformat(high):
            days.append(day)
            day += timedelta(days=1)
    return sorted(days)


def every_day(first, last):
    start, end = date.fromisoformat(first), date.fromisoformat(last)
    return [start + timedelta(days=i) for i in range((end - start).days + 1)]


@pytest.mark.parametrize("first,last", [
    ("2026-01-01", "2026-12-31"), ("2026-01-15", "2026-03-10"), ("2026-02-01", "2026-02-28"),
    ("2026-02-03", "2026-02-20"), ("2024-02-29", "2024-03-31"), ("2025-12-31", "2026-01-01"),
    ("2026-03-01", "2026-03-01"), ("2026-01-31", "2026-03-01"),
])
def test_every_day_of_a_period_is_counted_once(first, last):
    assert covered(first, last) == every_day(first, last)


def test_random_periods():
    rng = random.Random(3)
    for _ in range(300):
        start = date(2023, 1, 1) + timedelta(days=rng.randint(0, 1200))
        end = start + timedelta(days=rng.randint(0, 500))
        assert covered(start.isoformat(), end.isoformat()) == every_day(start.isoformat(), end.isoformat())


def test_the_open_ends_of_a_query_are_whole_months():
    assert whole_months("0001-01-01", "9999-12-31") == ("0001-01", "9999-12")
    assert edge_days("0001-01-01", "9999-12-31", "0001-01", "9999-12") == []
    assert whole_months("2026-05-02", "9999-12-31") == ("2026-06", "9999-12")
    assert edge_days("2026-05-02", "9999-12-31", "2026-06", "9999-12") == [("2026-05-02", "2026-05-31")]
