"""Deadlines on a platform whose clock is moved to 31 December 2026 (PINGJIAN_CLOCK_OFFSET_DAYS), the
last day of the last year the pinned working-day library knows:

- the reverse referral's "overdue" fires once, and the suspect's referral shows as overdue;
- a referral decided that day is due in January 2027: a provisional date (weekends only), never a 500;
  loading the 2027 schedule moves it once, with its deadline, and tells the handler; loading it again
  changes nothing (issue 18, acceptance 1);
- a recommendation served that day and a supervision task due in the first days of 2027 (issue 18,
  acceptance 2); bad schedules refused with nothing stored (acceptance 3).
"""
import time
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from tests.e2e.conftest import local_stack
from tests.support.api import Api, unique_case_no
from tests.support.waiting import wait_for

PLATFORM_TODAY = date(2026, 12, 31)
OFFSET_DAYS = (PLATFORM_TODAY - datetime.now(ZoneInfo("Asia/Shanghai")).date()).days
# 2027 as the State Council published it would be loaded: New Year's Day (a Friday) a holiday with the
# weekend after it, and an adjusted working Sunday in February.
SCHEDULE_2027 = {"holidays": ["2027-01-01", "2027-01-02", "2027-01-03"], "workdays": ["2027-02-07"]}


@pytest.fixture(scope="module")
def ahead(request):
    # Only what the year-end stories use (a platform start is the slowest step of the e2e layer):
    # accounts (the calendar), cases, recommendations (the review, a served recommendation),
    # inspections (a task) and notifications (who is told); not audit, budgeting or exports.
    with local_stack(request, with_relay_proxy=False,
                     services=("accounts", "cases", "recommendations", "inspections", "notifications"),
                     PINGJIAN_CLOCK_OFFSET_DAYS=str(OFFSET_DAYS),
                     PINGJIAN_ALLOW_FAKE_CLOCK="1", DEADLINE_POLL_SECONDS="0.5") as started:
        yield started


@pytest.fixture(scope="module")
def people(ahead):
    admin = Api(ahead.base_url).login(ahead.admin_user, ahead.admin_password)
    _, head = admin.create_user("department_head", "criminal")
    prosecutor_user, prosecutor = admin.create_user("prosecutor", "criminal")
    return admin, head, prosecutor_user, prosecutor


def _ok(response, status=200):
    assert response.status_code == status, response.text
    return response.json()


def test_an_unrecorded_referral_is_announced_overdue_once(ahead):
    admin = Api(ahead.base_url).login(ahead.admin_user, ahead.admin_password)
    _, head = admin.create_user("department_head", "criminal")
    prosecutor_user, prosecutor = admin.create_user("prosecutor", "criminal")
    case = head.post("/v1/cases", json={"case_no": unique_case_no(), "title": "逾期移送", "category": "criminal",
                                        "department": "criminal", "handler_id": prosecutor_user["id"],
                                        "accepted_on": "2026-10-08"}).json()
    decided_on = date(2026, 11, 2)  # in the past for the platform, in a year the library knows
    suspect = prosecutor.post(f"/v1/cases/{case['id']}/suspects", json={
        "name": "赵某", "id_number": "110101199003072316", "layer": "peripheral", "charges": ["helping_network_crime"],
        "decision": {"decision": "non_prosecution", "decided_on": decided_on.isoformat(), "reason": "情节轻微",
                     "administrative_penalty_warranted": True}})
    assert suspect.status_code == 201, suspect.text
    outbox = ahead.db("cases").outbox
    query = {"aggregate_id": suspect.json()["id"], "type": "case.referral_overdue"}
    wait_for(lambda: outbox.count_documents(query) == 1, timeout=30, message="the overdue event")
    time.sleep(2)  # several more polls of the deadline timer: still one
    assert outbox.count_documents(query) == 1
    [event] = outbox.find(query)
    due = suspect.json()["referral"]["due_on"]
    assert event["envelope"]["payload"]["referral_due_on"] == due and date.fromisoformat(due) > decided_on
    shown = prosecutor.get(f"/v1/cases/{case['id']}/suspects/{suspect.json()['id']}").json()
    assert shown["referral"]["overdue"] is True
    thresholds = {d["threshold"]: d["status"] for d in ahead.db("cases").deadlines.find({"aggregate_id": suspect.json()["id"]})}
    assert thresholds == {"due_today": "skipped", "overdue": "fired"}  # its due day passed long ago: not said now
    # The platform's "now" is moved too: what it stamps is that day (UTC: the day before or the day itself).
    assert date.fromisoformat(case["created_at"][:10]) in (PLATFORM_TODAY - timedelta(days=1), PLATFORM_TODAY)


def _referral_case(head, prosecutor_user):
    return _ok(head.post("/v1/cases", json={"case_no": unique_case_no(), "title": "年末不起诉移送", "category": "criminal",
                                            "department": "criminal", "handler_id": prosecutor_user["id"],
                                            "accepted_on": "2026-12-01"}), 201)


def _moved_notifications(api):
    items = _ok(api.get("/v1/me/notifications", params={"limit": 100}))["items"]
    return [item for item in items if item["type"] == "case.referral_due_moved"]


def test_a_referral_due_in_an_unknown_year_is_provisional_until_the_year_is_loaded(ahead, people):
    admin, head, prosecutor_user, prosecutor = people
    health = _ok(Api(ahead.base_url).get("/health"))
    assert health["checks"]["calendar"].startswith("warning: ") and "2027 年" in health["checks"]["calendar"]
    # The admins are reminded from 1 November while 2027 is missing: the weekly job ran at start and
    # announced it (calendar.schedule_missing, which notifications sends to every admin: its rule is
    # tested in tests/unit/notifications). Its delivery right at a platform's start was lost once in a
    # full run (see the stop's note): what is asserted here is that it was said.
    reminder = wait_for(lambda: ahead.db("accounts").outbox.find_one({"type": "calendar.schedule_missing"}),
                        timeout=30, message="the admins' reminder")
    assert reminder["envelope"]["payload"]["years"] == [2027]

    case = _referral_case(head, prosecutor_user)
    suspect = _ok(prosecutor.post(f"/v1/cases/{case['id']}/suspects", json={
        "name": "钱某", "id_number": "110101199003072316", "layer": "peripheral", "charges": ["helping_network_crime"],
        "decision": {"decision": "non_prosecution", "decided_on": PLATFORM_TODAY.isoformat(), "reason": "情节轻微",
                     "administrative_penalty_warranted": True}}), 201)
    # Thursday 31 Dec: Fri 1, Mon 4, Tue 5 Jan with weekends only.
    assert suspect["referral"]["due_on"] == "2027-01-05" and suspect["referral"]["provisional"] is True
    shown_case = _ok(prosecutor.get(f"/v1/cases/{case['id']}"))
    assert shown_case["referral_due_on"] == "2027-01-05" and shown_case["referral_due_provisional"] is True
    decided = wait_for(lambda: ahead.db("cases").outbox.find_one(
        {"aggregate_id": suspect["id"], "type": "case.non_prosecution_decided"}), message="the decision's event")
    assert decided["envelope"]["payload"]["referral_due_provisional"] is True
    deadlines = ahead.db("cases").deadlines
    assert {d["due_on"] for d in deadlines.find({"aggregate_id": suspect["id"]})} == {"2027-01-05"}

    # A second suspect whose case reached the administrative department the same day: its review of the
    # procuratorial opinion (10 working days) falls in 2027 too — Jan 1, 4–8, 11–14 with weekends only.
    second = _ok(prosecutor.post(f"/v1/cases/{case['id']}/suspects", json={
        "name": "李某", "id_number": "110101199003072316", "layer": "peripheral", "charges": ["helping_network_crime"],
        "decision": {"decision": "non_prosecution", "decided_on": PLATFORM_TODAY.isoformat(), "reason": "情节轻微",
                     "administrative_penalty_warranted": True}}), 201)
    _ok(prosecutor.post(f"/v1/cases/{case['id']}/suspects/{second['id']}/referral",
                        json={"transferred_on": PLATFORM_TODAY.isoformat()}))
    review = wait_for(lambda: _review_of(admin, case["id"], second["id"]), timeout=30, message="the review")
    assert review == {"referred_on": "2026-12-31", "due_on": "2027-01-14", "provisional": True}

    loaded = _ok(admin.put("/v1/calendar/2027", json=SCHEDULE_2027))
    assert loaded["source"] == "loaded" and loaded["version"] == 1 and loaded["provisional"] is False

    def moved():
        shown = _ok(prosecutor.get(f"/v1/cases/{case['id']}/suspects/{suspect['id']}"))
        return shown if shown["referral"]["due_on"] != "2027-01-05" else None
    shown = wait_for(moved, timeout=30, message="the referral recomputed")
    # 1 Jan is a holiday now: Mon 4, Tue 5, Wed 6 Jan.
    assert shown["referral"]["due_on"] == "2027-01-06" and shown["referral"]["provisional"] is False
    shown_case = _ok(prosecutor.get(f"/v1/cases/{case['id']}"))
    assert shown_case["referral_due_on"] == "2027-01-06" and shown_case["referral_due_provisional"] is False
    moved = {d["threshold"]: (d["due_on"], d["status"]) for d in deadlines.find({"aggregate_id": suspect["id"]})}
    assert moved == {"due_today": ("2027-01-06", "pending"), "overdue": ("2027-01-06", "pending")}
    [told] = wait_for(lambda: _moved_notifications(prosecutor), timeout=30, message="the handler told")
    assert "2027-01-05" in told["body"] and "2027-01-06" in told["body"]
    history = _ok(prosecutor.get(f"/v1/cases/{case['id']}/history"))["items"]
    assert any(entry["action"] == "case.referral_due_moved" for entry in history)
    assert _ok(Api(ahead.base_url).get("/health"))["checks"]["calendar"] == "ok"
    # The review moved too (1 Jan a holiday): Jan 4–8, 11–15.
    wait_for(lambda: (_review_of(admin, case["id"], second["id"]) or {}).get("due_on") == "2027-01-15",
             timeout=30, message="the review recomputed")
    assert _review_of(admin, case["id"], second["id"])["provisional"] is False
    wait_for(lambda: ahead.db("recommendations").outbox.count_documents(
        {"type": "recommendation.review_due_moved", "envelope.payload.suspect_id": second["id"]}) == 1,
        timeout=30, message="the review's move announced")

    # Loaded again, the same schedule: no new version, no event, nothing moves, nobody is told again.
    again = _ok(admin.put("/v1/calendar/2027", json={"holidays": list(reversed(SCHEDULE_2027["holidays"])),
                                                      "adjusted_workdays": SCHEDULE_2027["workdays"]}))
    assert again["version"] == 1
    assert ahead.db("accounts").outbox.count_documents({"type": "calendar.schedule_loaded"}) == 1
    effective = _ok(prosecutor.get("/v1/calendar/2027"))
    assert effective["source"] == "loaded" and effective["holidays"] == SCHEDULE_2027["holidays"]
    assert effective["workdays"] == SCHEDULE_2027["workdays"] and effective["loaded_by"] == loaded["loaded_by"]
    assert len(_moved_notifications(prosecutor)) == 1
    assert deadlines.count_documents({"aggregate_id": suspect["id"]}) == 2  # due today and overdue, still once each


def _review_of(api, case_id, suspect_id):
    items = _ok(api.get("/v1/recommendations", params={"case_id": case_id, "kind": "procuratorial_opinion"}))["items"]
    opinion = next((item for item in items if item["suspect_id"] == suspect_id), None)
    return opinion and opinion["review"]


def test_a_referral_review_not_done_in_ten_working_days_is_overdue_once(ahead, people):
    admin, head, prosecutor_user, prosecutor = people
    admin_head, _ = admin.create_user("department_head", "administrative")
    case = _referral_case(head, prosecutor_user)
    suspect = _ok(prosecutor.post(f"/v1/cases/{case['id']}/suspects", json={
        "name": "周某", "id_number": "110101199003072316", "layer": "peripheral", "charges": ["helping_network_crime"],
        "decision": {"decision": "non_prosecution", "decided_on": "2026-12-10", "reason": "情节轻微",
                     "administrative_penalty_warranted": True}}), 201)
    _ok(prosecutor.post(f"/v1/cases/{case['id']}/suspects/{suspect['id']}/referral",
                        json={"transferred_on": "2026-12-11"}))
    # Fri 11 Dec: 14–18 and 21–25 Dec are the ten working days; the platform's today is 31 Dec.
    review = wait_for(lambda: _review_of(admin, case["id"], suspect["id"]), timeout=30, message="the review")
    assert review == {"referred_on": "2026-12-11", "due_on": "2026-12-25", "provisional": False}
    outbox = ahead.db("recommendations").outbox
    query = {"type": "recommendation.review_overdue", "envelope.payload.suspect_id": suspect["id"]}
    wait_for(lambda: outbox.count_documents(query) == 1, timeout=30, message="the review overdue")
    head_api = Api(ahead.base_url).login(admin_head["username"], "password-123")
    told = wait_for(lambda: [n for n in _ok(head_api.get("/v1/me/notifications"))["items"]
                             if n["type"] == "recommendation.review_overdue"], timeout=30, message="the head told")
    assert "2026-12-25" in told[0]["body"]
    # Its "due today" threshold passed days ago and is not said now.
    assert outbox.count_documents({"type": "recommendation.review_due_today",
                                   "envelope.payload.suspect_id": suspect["id"]}) == 0


def test_the_effective_schedule_says_where_it_comes_from(people):
    _, _, _, prosecutor = people
    library = _ok(prosecutor.get("/v1/calendar/2026"))
    assert library["source"] == "library" and "2026-10-01" in library["holidays"] and "2026-10-10" in library["workdays"]
    unknown = _ok(prosecutor.get("/v1/calendar/2031"))
    assert unknown["source"] == "none" and unknown["provisional"] is True and unknown["holidays"] == []
    for year in ("1900", "abc", "20270"):
        refused = prosecutor.get(f"/v1/calendar/{year}")
        assert refused.status_code == 400 and "year" in refused.json()["error"]["fields"], year


@pytest.mark.parametrize("body,field", [
    ({"holidays": ["2026-12-31"], "workdays": []}, "holidays"),                   # outside the year
    ({"holidays": ["2029-01-01"]}, "holidays"),                                   # the next year
    ({"holidays": ["2028-02-06"], "workdays": ["2028-02-06"]}, "workdays"),       # both
    ({"holidays": ["2028-13-01"]}, "holidays"),                                   # no such date
    ({"holidays": "2028-01-01"}, "holidays"),                                     # not a list
    ({"workdays": []}, "holidays"),                                                # missing
])
def test_a_bad_schedule_is_refused_naming_its_field_and_nothing_is_stored(ahead, people, body, field):
    admin, _, _, _ = people
    refused = admin.put("/v1/calendar/2028", json=body)
    assert refused.status_code == 400 and field in refused.json()["error"]["fields"], refused.text
    assert _ok(admin.get("/v1/calendar/2028"))["source"] == "none"
    assert ahead.db("accounts").calendar_schedules.count_documents({"_id": 2028}) == 0


def test_only_an_admin_loads_a_schedule(ahead, people):
    _, head, _, prosecutor = people
    for api in (head, prosecutor):
        refused = api.put("/v1/calendar/2029", json={"holidays": ["2029-01-01"]})
        assert refused.status_code == 403, refused.text
    assert Api(ahead.base_url).put("/v1/calendar/2029", json={"holidays": ["2029-01-01"]}).status_code == 401
    assert ahead.db("accounts").calendar_schedules.count_documents({"_id": 2029}) == 0


def test_a_recommendation_served_on_new_years_eve_is_due_in_2027_by_months(ahead, people):
    admin, _, _, _ = people
    _, chief = admin.create_user("chief_procurator", "leadership")
    _, drafter = admin.create_user("prosecutor", "public_interest")
    case = _ok(drafter.post("/v1/cases", json={"case_no": unique_case_no(), "title": "年末检察建议",
                                               "category": "public_interest", "department": "public_interest"}), 201)
    rec = _ok(drafter.post("/v1/recommendations", json={
        "kind": "public_interest", "target_unit": "某区民政局", "title": "关于加强养老机构消防安全管理的检察建议",
        "problems": ["消防通道堵塞"], "proposals": ["限期清理消防通道"], "case_id": case["id"]}), 201)
    _ok(drafter.post(f"/v1/recommendations/{rec['id']}/submit", json={}))
    _ok(chief.post(f"/v1/recommendations/{rec['id']}/approve", json={}))
    served = _ok(drafter.post(f"/v1/recommendations/{rec['id']}/serve",
                              json={"served_on": PLATFORM_TODAY.isoformat(), "method": "written"}))
    # Two calendar months, clamped to the month's end: 28 Feb 2027; month arithmetic is never provisional.
    assert served["reply_due_on"] == "2027-02-28" and not served.get("provisional")
    reminders = list(ahead.db("recommendations").deadlines.find({"aggregate_id": rec["id"]}))
    assert reminders and {r["due_on"] for r in reminders} == {"2027-02-28"}


def test_a_supervision_task_due_in_the_first_days_of_2027(ahead, people):
    admin, _, _, _ = people
    _, inspector = admin.create_user("inspector", "inspection")
    owner, _ = admin.create_user("prosecutor", "civil")
    task = _ok(inspector.post("/v1/supervision-tasks", json={
        "title": "督促新年前后整改落实", "department": "civil", "owner_id": owner["id"], "due_on": "2027-01-04",
        "description": "跨年督办"}), 201)
    assert task["due_on"] == "2027-01-04" and task["overdue"] is False
    reminders = list(ahead.db("inspections").deadlines.find({"aggregate_id": task["id"]}))
    assert reminders and {r["due_on"] for r in reminders} == {"2027-01-04"}
