"""Issue 19: records cannot hold nonsense dates. Each implausible date is a 4xx naming the field and
writes nothing (the record is read again). Windows (kit/plausible.py): a decision is not in the
future and not before the case was registered; an inspection not in the future nor before 2000; a
vehicle booking starts in the future and lasts at most VEHICLE_BOOKING_MAX_DAYS (30); a date-time
without a timezone is refused (400), never read as UTC."""
from datetime import datetime, timedelta, timezone

from kit import clock
from tests.support.api import unique_case_no


def _refused(response, field):
    assert 400 <= response.status_code < 500, response.text
    assert field in str(response.json()["error"].get("fields", {})), response.text


def test_a_decision_date_is_neither_in_the_future_nor_before_the_registration(criminal_head):
    _, head = criminal_head
    case = head.post("/v1/cases", json={"case_no": unique_case_no(), "title": "决定日期", "category": "criminal",
                                        "department": "criminal"}).json()
    path = f"/v1/cases/{case['id']}"
    assert head.post(f"{path}/transition", json={"to": "under_review"}).status_code == 200
    today = clock.today()
    for decided_on in ("9999-12-31", (today + timedelta(days=1)).isoformat(), "2001-01-01"):
        _refused(head.post(f"{path}/transition", json={"to": "decided", "decided_on": decided_on}), "decided_on")
        again = head.get(path).json()
        assert again["status"] == "under_review" and again.get("decided_on") is None
    # A suspect's decision: the same window.
    suspect = {"name": "王某", "id_number": "11010119900307231X", "layer": "core_member", "charges": ["fraud"]}
    for decided_on in ("9999-12-31", "2001-01-01"):
        _refused(head.post(f"{path}/suspects", json={**suspect, "decision": {
            "decision": "prosecute", "decided_on": decided_on, "reason": "证据确实充分"}}), "decided_on")
    assert head.get(f"{path}/suspects").json()["items"] == []
    done = head.post(f"{path}/transition", json={"to": "decided", "decided_on": today.isoformat()})
    assert done.status_code == 200 and done.json()["decided_on"] == today.isoformat()


def test_an_inspection_date_is_neither_in_the_future_nor_in_year_one(stack, admin):
    _, insp = admin.create_user("inspector", "inspection")
    before = stack.db("inspections").inspections.count_documents({})
    for inspected_on in ("0001-01-01", "1999-12-31", (clock.today() + timedelta(days=1)).isoformat()):
        _refused(insp.post("/v1/inspections", json={
            "target": {"name": "养老院甲", "kind": "elder_care_institution"}, "inspected_on": inspected_on,
            "inspector_ids": ["x"], "categories": ["fire_safety"]}), "inspected_on")
    assert stack.db("inspections").inspections.count_documents({}) == before


def test_a_vehicle_booking_is_to_come_bounded_and_says_its_timezone(stack, admin, criminal_prosecutor):
    _, fin = admin.create_user("finance", "finance")
    _, prosecutor = criminal_prosecutor
    vehicle = fin.post("/v1/vehicles", json={"plate": "京E2E019", "model": "大众帕萨特", "seats": 5}).json()
    path = f"/v1/vehicles/{vehicle['id']}/bookings"
    soon = (datetime.now(timezone.utc) + timedelta(days=2)).replace(microsecond=0)
    iso = lambda moment: moment.isoformat().replace("+00:00", "Z")  # noqa: E731
    for slot, field in (
            ({"starts_at": "2027-01-01T00:00:00Z", "ends_at": "2037-01-01T00:00:00Z"}, "ends_at"),  # ten years
            ({"starts_at": iso(soon), "ends_at": iso(soon + timedelta(days=30, minutes=1))}, "ends_at"),
            ({"starts_at": "2020-05-06T01:00:00Z", "ends_at": "2020-05-06T04:00:00Z"}, "starts_at"),  # past
            ({"starts_at": iso(soon)[:-1], "ends_at": iso(soon + timedelta(hours=2))}, "starts_at"),  # naive
            ({"starts_at": iso(soon), "ends_at": iso(soon + timedelta(hours=2))[:-1]}, "ends_at")):
        _refused(prosecutor.post(path, json={**slot, "purpose": "提讯"}), field)
    assert stack.db("budgeting").bookings.count_documents({"vehicle_id": vehicle["id"]}) == 0
    # With its offset, Beijing 09:30 is 01:30 UTC, as meant.
    beijing = soon.astimezone(clock.SHANGHAI).replace(hour=9, minute=30, second=0)
    booked = prosecutor.post(path, json={"starts_at": beijing.isoformat(),
                                         "ends_at": (beijing + timedelta(hours=2)).isoformat(), "purpose": "提讯"})
    assert booked.status_code == 201, booked.text
    stored = datetime.fromisoformat(booked.json()["starts_at"])
    assert stored == beijing and stored.astimezone(timezone.utc).hour == 1 and stored.minute == 30
