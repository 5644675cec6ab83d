"""Managing people through cases, through the gateway: discipline findings and the scorecard, the
"three provisions" records; who sees what; bad input naming the field with nothing written."""
import pytest

from kit import clock
from tests.support.api import unique_case_no
from services.inspections.ledger import period_of


@pytest.fixture(scope="module")
def inspector(admin):
    return admin.create_user("inspector", "inspection")


@pytest.fixture(scope="module")
def chief(admin):
    return admin.create_user("chief_procurator", "leadership")


def snapshot(stack):
    db = stack.db("inspections")
    return {name: db[name].count_documents({}) for name in
            ("discipline_findings", "ledger", "interference_records", "outbox")}


def test_a_discipline_finding_shows_on_the_scorecard_of_the_person_only_to_those_allowed(
        stack, admin, inspector, criminal_head, civil_prosecutor):
    (_, insp), (_, head), (_, stranger) = inspector, criminal_head, civil_prosecutor
    person, own = admin.create_user("prosecutor", "criminal")
    today = clock.today()
    response = insp.post(f"/v1/staff/{person['id']}/discipline-findings", json={
        "occurred_on": today.isoformat(), "description": "上班时间擅离岗位", "evidence": ["考勤记录.xlsx"]})
    assert response.status_code == 201, response.text
    period = period_of(today)
    for api in (own, head, insp):
        card = api.get(f"/v1/staff/{person['id']}/scorecard", params={"period": period})
        assert card.status_code == 200, card.text
        assert card.json()["totals"]["daily_management"] == {"positive": 0, "negative": -3, "net": -3, "entries": 1}
    assert stranger.get(f"/v1/staff/{person['id']}/scorecard", params={"period": period}).status_code == 403
    assert head.post(f"/v1/staff/{person['id']}/discipline-findings", json={
        "occurred_on": today.isoformat(), "description": "x", "evidence": ["e"]}).status_code == 403
    assert insp.get("/v1/staff/no-such-user/scorecard", params={"period": period}).status_code == 404


def test_anyone_files_an_interference_record_only_inspectors_and_the_chief_read_and_annotate(
        stack, inspector, chief, criminal_prosecutor, criminal_head):
    (_, insp), (_, boss), (_, pros), (_, head) = inspector, chief, criminal_prosecutor, criminal_head
    case = head.post("/v1/cases", json={"case_no": unique_case_no(), "title": "过问案件", "category": "criminal",
                                        "department": "criminal"}).json()
    filed = pros.post("/v1/interference-records", json={
        "case_id": case["id"], "occurred_on": clock.today().isoformat(), "person": "某单位负责人",
        "content": "电话询问案件进展并要求关照"})
    assert filed.status_code == 201, filed.text
    record = filed.json()
    for path in (f"/v1/interference-records/{record['id']}", "/v1/interference-records"):
        assert pros.get(path).status_code == 403 and head.get(path).status_code == 403
        assert insp.get(path).status_code == 200 and boss.get(path).status_code == 200
    noted = boss.post(f"/v1/interference-records/{record['id']}/annotations", json={"note": "已阅，转检务督察"})
    assert noted.status_code == 201 and noted.json()["content"] == record["content"]
    assert pros.post(f"/v1/interference-records/{record['id']}/annotations", json={"note": "x"}).status_code == 403
    for method in ("PUT", "PATCH", "DELETE"):
        assert insp.request(method, f"/v1/interference-records/{record['id']}", json={}).status_code in (404, 405)
    assert insp.get(f"/v1/interference-records/{record['id']}").json()["content"] == record["content"]


def test_bad_input_names_the_field_and_writes_nothing(stack, inspector, criminal_prosecutor, admin):
    (_, insp), (prosecutor_user, pros) = inspector, criminal_prosecutor
    today = clock.today().isoformat()
    before = snapshot(stack)
    record = {"case_id": "c", "occurred_on": today, "person": "p", "content": "c"}
    cases = [
        (insp, "POST", f"/v1/staff/{prosecutor_user['id']}/discipline-findings",
         {"occurred_on": today, "description": "d", "evidence": []}, "evidence"),
        (insp, "POST", f"/v1/staff/{prosecutor_user['id']}/discipline-findings",
         {"occurred_on": "2099-01-01", "description": "d", "evidence": ["e"]}, "occurred_on"),
        (insp, "POST", f"/v1/staff/{prosecutor_user['id']}/discipline-findings",
         {"occurred_on": today, "evidence": ["e"]}, "description"),
        (insp, "GET", f"/v1/staff/{prosecutor_user['id']}/scorecard?period=2026Q3", None, "period"),
        (insp, "GET", f"/v1/staff/{prosecutor_user['id']}/scorecard", None, "period"),
        (pros, "POST", "/v1/interference-records", {**record, "case_id": ""}, "case_id"),
        (pros, "POST", "/v1/interference-records", {**record, "occurred_on": "yesterday"}, "occurred_on"),
        (pros, "POST", "/v1/interference-records", {k: v for k, v in record.items() if k != "person"}, "person"),
        (pros, "POST", "/v1/interference-records", {**record, "content": "\u0000"}, "content"),
        (insp, "GET", "/v1/interference-records?limit=0", None, "limit"),
    ]
    for api, method, path, body, field in cases:
        response = api.request(method, path, json=body) if body is not None else api.request(method, path)
        assert 400 <= response.status_code < 500, (path, body, response.text)
        assert field in response.json()["error"].get("fields", {}), (path, body, response.text)
    assert snapshot(stack) == before


def test_an_interference_record_names_an_existing_case_the_filer_may_read(
        stack, criminal_head, criminal_prosecutor, civil_prosecutor):
    """Issue 19: "2026-02-30", "../../etc/passwd" and another department's case were accepted."""
    (_, head), (_, own), (_, stranger) = criminal_head, criminal_prosecutor, civil_prosecutor
    case = head.post("/v1/cases", json={"case_no": unique_case_no(), "title": "过问案件", "category": "criminal",
                                        "department": "criminal"}).json()
    today = clock.today()
    body = {"case_id": case["id"], "occurred_on": today.isoformat(), "person": "某局副局长", "content": "打招呼"}
    before = snapshot(stack)
    for api, changes, field in (
            (own, {"case_id": "2026-02-30"}, "case_id"),
            (own, {"case_id": "../../etc/passwd"}, "case_id"),
            (own, {"case_id": "f" * 32}, "case_id"),
            (stranger, {}, "case_id"),  # exists, but the civil prosecutor may not read it
            (own, {"occurred_on": "9999-12-31"}, "occurred_on"),
            (own, {"occurred_on": (today.replace(day=1) if today.day > 1 else today).replace(year=today.year + 1)
                   .isoformat()}, "occurred_on")):
        response = api.post("/v1/interference-records", json={**body, **changes})
        assert response.status_code == 400, (changes, response.text)
        assert list(response.json()["error"]["fields"]) == [field], response.text
    assert snapshot(stack) == before
    assert own.post("/v1/interference-records", json=body).status_code == 201
