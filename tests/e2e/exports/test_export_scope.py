"""Issue 19: an export holds only the rows its requester may read through the API, and id numbers
whole only where the requester sees them whole — whatever the filters say and whatever the approval
says — and the approver sees that scope before deciding. Every dataset × requester role ×
department filter, each file read back: which of the known records it holds, and how their id
numbers show. A department filter outside the requester's scope is a 403 that writes nothing."""
import csv
import io

import pytest

from kit import clock
from tests.support.api import unique_case_no

BOM = b"\xef\xbb\xbf"
YEAR = 2042
IDS = {"A": "110101199001011234", "B": "110101199002021234", "C": "110101199003031234", "D": "110101199004041234"}


@pytest.fixture(scope="module")
def world(admin):
    """Cases A (criminal, handled by pros1), B (criminal, no handler), C (civil, handled by civ),
    D (civil, handled by pros2 of the criminal department); a budget request and a recommendation per
    department; an inspection finding (findings belong to no department)."""
    people = {name: admin.create_user(role, department) for name, role, department in (
        ("pros1", "prosecutor", "criminal"), ("pros2", "prosecutor", "criminal"),
        ("crim_head", "department_head", "criminal"), ("civ", "prosecutor", "civil"),
        ("civ_head", "department_head", "civil"), ("manager", "case_manager", "case_management"),
        ("chief", "chief_procurator", "leadership"), ("inspector", "inspector", "inspection"))}
    people["admin"] = ({"id": None}, admin)
    manager = people["manager"][1]
    cases = {}
    for key, department, handler in (("A", "criminal", "pros1"), ("B", "criminal", None), ("C", "civil", "civ"),
                                     ("D", "civil", "pros2")):
        body = {"case_no": unique_case_no(), "title": f"导出范围测试{key}", "category": "criminal",
                "department": department}
        if handler:
            body["handler_id"] = people[handler][0]["id"]
        created = manager.post("/v1/cases", json=body)
        assert created.status_code == 201, created.text
        cases[key] = created.json()
        head = people["crim_head" if department == "criminal" else "civ_head"][1]
        added = head.post(f"/v1/cases/{cases[key]['id']}/suspects", json={
            "name": f"嫌疑人{key}", "id_number": IDS[key], "layer": "organizer", "charges": ["fraud"]})
        assert added.status_code == 201, added.text
    budget = {}
    for department, head in (("criminal", "crim_head"), ("civil", "civ_head")):
        title = f"导出范围预算{department}"
        response = people[head][1].post("/v1/budget/requests", json={
            "year": YEAR, "department": department, "category": "equipment", "title": title,
            "amount_fen": 1_000_000, "justification": "办案需要"})
        assert response.status_code == 201, response.text
        budget[department] = title
    recs = {}
    for department, author, key in (("criminal", "pros1", "A"), ("civil", "civ", "C")):
        title = f"导出范围检察建议{department}"
        response = people[author][1].post("/v1/recommendations", json={
            "case_id": cases[key]["id"], "kind": "social_governance", "target_unit": "某单位", "title": title,
            "problems": ["问题"], "proposals": ["建议"]})
        assert response.status_code == 201, response.text
        recs[department] = title
    inspection = people["inspector"][1].post("/v1/inspections", json={
        "target": {"name": "导出范围养老院", "kind": "elder_care_institution"},
        "inspected_on": clock.today().isoformat(), "inspector_ids": ["x"], "categories": ["fire_safety"]}).json()
    finding = people["inspector"][1].post(f"/v1/inspections/{inspection['id']}/findings", json={
        "category": "fire_safety", "severity": "low", "description": "导出范围测试隐患"})
    assert finding.status_code == 201, finding.text
    return {"people": people, "cases": cases, "budget": budget, "recs": recs}


# What each requester reads through the API: departments of cases/budget/recommendations, the cases
# they handle elsewhere, the recommendations they drafted, and the cases whose id numbers they see whole.
SCOPE = {
    "pros1": {"departments": {"criminal"}, "cases": {"A", "B"}, "whole": {"A"}},
    "pros2": {"departments": {"criminal"}, "cases": {"A", "B", "D"}, "whole": {"D"}},
    "crim_head": {"departments": {"criminal"}, "cases": {"A", "B"}, "whole": {"A", "B"}},
    "civ": {"departments": {"civil"}, "cases": {"C", "D"}, "whole": {"C"}},
    "manager": {"departments": {"criminal", "civil"}, "cases": {"A", "B", "C", "D"}, "whole": set()},
    "admin": {"departments": {"criminal", "civil"}, "cases": {"A", "B", "C", "D"}, "whole": {"A", "B", "C", "D"}},
}
CASE_DEPARTMENT = {"A": "criminal", "B": "criminal", "C": "civil", "D": "civil"}
DATASETS = {
    "cases": (["case_no", "suspect_id_number"], {}),
    "budget": (["title", "department"], {"year": YEAR}),
    "recommendations": (["title", "department"], {"from": None}),
    "inspections": (["description"], {}),
}


def _rows(response):
    assert response.status_code == 200, response.text
    assert response.content.startswith(BOM)
    return list(csv.reader(io.StringIO(response.content[len(BOM):].decode("utf-8"))))[2:]


@pytest.mark.parametrize("department", [None, "criminal", "civil"])
@pytest.mark.parametrize("dataset", sorted(DATASETS))
@pytest.mark.parametrize("who", sorted(SCOPE))
def test_an_export_holds_what_the_requester_reads_through_the_api(stack, world, who, dataset, department):
    people, scope = world["people"], SCOPE[who]
    api = people[who][1]
    chief = people["chief"][1]
    fields, filters = DATASETS[dataset]
    filters = {key: (value or clock.today().isoformat()) for key, value in filters.items()}
    if department and dataset != "inspections":
        filters["department"] = department
    body = {"dataset": dataset, "filters": filters, "purpose": "导出范围测试", "fields": fields}
    exports = stack.db("exports").exports
    before = exports.count_documents({})
    asked = api.post("/v1/exports", json=body)
    if department and dataset != "inspections" and department not in scope["departments"]:
        assert asked.status_code == 403, asked.text  # as the same list through the API
        assert list(asked.json()["error"]["fields"]) == ["filters"]
        assert exports.count_documents({}) == before
        return
    assert asked.status_code == 201, asked.text
    export = asked.json()
    # The approver sees the scope before deciding.
    seen = chief.get(f"/v1/exports/{export['id']}").json()["scope"]
    if dataset == "inspections" or len(scope["departments"]) == 2:
        assert seen["all_departments"] is True
    else:
        assert seen["all_departments"] is False and {seen["department"]} == scope["departments"]
        assert seen["summary"].startswith("仅")
    approved = chief.post(f"/v1/exports/{export['id']}/approve",
                          json={"comment": "同意", "include_id_numbers": dataset == "cases"})
    assert approved.status_code == 200, approved.text
    rows = _rows(api.get(f"/v1/exports/{export['id']}/file"))
    wanted = {department} if department else {"criminal", "civil"}
    if dataset == "cases":
        expected = {key for key in scope["cases"] if CASE_DEPARTMENT[key] in wanted}
        by_no = {row[0]: row[1] for row in rows}
        for key, case in world["cases"].items():
            if key in expected:
                shown = by_no[case["case_no"]]
                assert (shown == IDS[key]) == (key in scope["whole"]), (key, shown)
            else:
                assert case["case_no"] not in by_no, key
        assert not [row for row in rows if row[1] in IDS.values() and
                    row[1] not in {IDS[key] for key in scope["whole"]}]
    elif dataset in ("budget", "recommendations"):
        known = world["budget" if dataset == "budget" else "recs"]
        titles = {row[0] for row in rows}
        if department or len(scope["departments"]) < 2:
            # (Asked without a department by one who reads all of them, the rows of the shared
            # platform's other tests — another department's opinions — are rightly there too.)
            assert all(row[1] in scope["departments"] & wanted for row in rows), rows
        for dept, title in known.items():
            assert (title in titles) == (dept in scope["departments"] and dept in wanted), (dept, titles)
    else:
        assert ["导出范围测试隐患"] in rows  # findings are about institutions: everyone reads them
