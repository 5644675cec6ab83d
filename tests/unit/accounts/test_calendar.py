"""The working-day calendar's rules in the accounts service: a year's schedule loaded by an admin
(validated, versioned, announced once), what GET shows, and the reminder while a year is missing."""
from datetime import date, datetime, timezone

import pytest

from kit.calendar import Schedule, WorkingCalendar
from kit.errors import ValidationFailed
from services.accounts import calendar

NOW = datetime(2026, 11, 5, 2, 0, tzinfo=timezone.utc)
BODY = {"holidays": [date(2027, 1, 3), date(2027, 1, 1), date(2027, 1, 2)], "workdays": [date(2027, 2, 7)]}


def test_a_first_load_is_version_one_and_announces_the_whole_schedule():
    doc, events = calendar.load(2027, BODY, None, "u-admin", NOW)
    assert doc["version"] == 1 and doc["holidays"] == ["2027-01-01", "2027-01-02", "2027-01-03"]
    assert doc["loaded_by"] == "u-admin" and doc["loaded_at"].startswith("2026-11-05T02:00")
    [(event_type, payload)] = events
    assert event_type == "calendar.schedule_loaded" and payload["year"] == 2027 and payload["version"] == 1
    assert payload["workdays"] == ["2027-02-07"]


def test_the_same_schedule_again_changes_nothing_and_a_correction_is_a_new_version():
    doc, _ = calendar.load(2027, BODY, None, "u-admin", NOW)
    assert calendar.load(2027, {"holidays": list(reversed(BODY["holidays"])), "workdays": BODY["workdays"]},
                         doc, "u-other", NOW) == (doc, [])
    corrected, events = calendar.load(2027, {**BODY, "holidays": BODY["holidays"] + [date(2027, 1, 4)]}, doc,
                                      "u-admin", NOW)
    assert corrected["version"] == 2 and events[0][1]["version"] == 2


@pytest.mark.parametrize("body,field", [
    ({"holidays": [date(2026, 12, 31)], "workdays": []}, "holidays"),
    ({"holidays": [date(2027, 2, 7)], "workdays": [date(2027, 2, 7)]}, "workdays"),
    ({"holidays": [], "workdays": [date(2027, 2, 8)]}, "workdays"),
])
def test_an_unsound_schedule_is_refused_naming_the_field(body, field):
    with pytest.raises(ValidationFailed) as refused:
        calendar.load(2027, body, None, "u-admin", NOW)
    assert field in refused.value.fields


@pytest.mark.parametrize("text", ["1949", "2100", "abc", "２０２７", "-2027", ""])
def test_a_year_outside_the_window_or_not_a_year_names_the_year(text):
    with pytest.raises(ValidationFailed) as refused:
        calendar.year_of(text)
    assert "year" in refused.value.fields


def test_the_effective_schedule_says_where_it_comes_from():
    doc, _ = calendar.load(2027, BODY, None, "u-admin", NOW)
    assert calendar.effective(2027, doc)["source"] == "loaded"
    library = calendar.effective(2026, None)
    assert library["source"] == "library" and "2026-10-01" in library["holidays"] and not library["provisional"]
    assert calendar.effective(2040, None) == {"year": 2040, "source": "none", "provisional": True,
                                              "holidays": [], "workdays": []}


def test_the_admins_are_reminded_from_november_while_next_year_is_missing():
    assert calendar.missing_events(WorkingCalendar(), date(2026, 10, 31)) == []
    [(event_type, payload)] = calendar.missing_events(WorkingCalendar(), date(2026, 11, 1))
    assert event_type == "calendar.schedule_missing" and payload["year"] == 2027 and payload["years"] == [2027]
    loaded = WorkingCalendar({2027: Schedule(2027, frozenset(), frozenset())})
    assert calendar.missing_events(loaded, date(2026, 11, 1)) == []


def test_the_body_takes_the_other_names_of_workdays_and_days_as_objects_but_not_twice():
    from marshmallow import ValidationError
    from contracts.rpc.accounts_v1 import LoadCalendar
    loaded = LoadCalendar().load({"holidays": [{"date": "2027-01-01", "name": "元旦"}, "2027-01-02"],
                                  "adjusted_working_days": ["2027-02-07"]})
    assert loaded == {"holidays": [date(2027, 1, 1), date(2027, 1, 2)], "workdays": [date(2027, 2, 7)]}
    with pytest.raises(ValidationError) as refused:
        LoadCalendar().load({"holidays": [], "workdays": [], "adjusted_workdays": []})
    assert "adjusted_workdays" in refused.value.messages
    with pytest.raises(ValidationError) as refused:
        LoadCalendar().load({"holidays": ["9999-12-31"]})
    assert "holidays" in refused.value.messages
