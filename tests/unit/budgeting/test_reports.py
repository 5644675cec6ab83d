"""The execution report from a scripted set of allocations and requests."""
from services.budgeting import reports


def _request(department, category, status, submitted_on, decided_on=None):
    return {"department": department, "category": category, "status": status, "submitted_on": submitted_on,
            "decided_on": decided_on}


def test_execution_report_of_a_scripted_year():
    allocations = [
        {"department": "civil", "category": "operating", "allocated_fen": 1000, "committed_fen": 0, "spent_fen": 0},
        {"department": "criminal", "category": "equipment", "allocated_fen": 8000, "committed_fen": 1500,
         "spent_fen": 4500},
    ]
    requests = [
        _request("criminal", "equipment", "completed", "2026-03-02", "2026-03-09"),
        _request("criminal", "equipment", "in_procurement", "2026-03-02", "2026-03-05"),
        _request("criminal", "equipment", "rejected", "2026-04-01", "2026-04-02"),
        _request("criminal", "equipment", "submitted", "2026-05-01"),
        _request("criminal", "vehicles", "reviewed", "2026-05-01"),  # a pair with no allocation
    ]
    report = reports.execution(2026, allocations, requests)
    assert [(r["department"], r["category"]) for r in report["rows"]] == [
        ("criminal", "equipment"), ("criminal", "vehicles"), ("civil", "operating")]
    equipment, vehicles, civil = report["rows"]
    assert {k: equipment[k] for k in ("allocated_fen", "committed_fen", "spent_fen", "available_fen",
                                      "execution_rate")} == {
        "allocated_fen": 8000, "committed_fen": 1500, "spent_fen": 4500, "available_fen": 2000,
        "execution_rate": 0.5625}
    assert equipment["requests_by_status"] == {"submitted": 1, "reviewed": 0, "approved": 0, "rejected": 1,
                                               "in_procurement": 1, "completed": 1, "cancelled": 0}
    assert vehicles["allocated_fen"] == 0 and vehicles["execution_rate"] is None
    assert vehicles["requests_by_status"]["reviewed"] == 1
    assert civil["execution_rate"] == 0.0 and sum(civil["requests_by_status"].values()) == 0
    assert report["totals"]["allocated_fen"] == 9000 and report["totals"]["execution_rate"] == 0.5
    assert report["requests_by_status"]["submitted"] == 1 and sum(report["requests_by_status"].values()) == 5
    assert report["average_days_to_decision"] == round((7 + 3 + 1) / 3, 2) and report["decided_requests"] == 3


def test_an_empty_year():
    report = reports.execution(2030, [], [])
    assert report["rows"] == [] and report["average_days_to_decision"] is None
    assert report["totals"]["execution_rate"] is None
