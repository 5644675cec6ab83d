"""Statistics counters: what each change adds or takes away, and the report made from them."""
from services.cases import stats


def test_a_registration_counts_the_case_its_category_and_its_status():
    assert stats.registered({"category": "criminal", "status": "registered"}) == {
        "cases": 1, "category.criminal": 1, "status.registered": 1}


def test_a_transition_moves_one_case_between_statuses():
    assert stats.transitioned("registered", "under_review") == {"status.registered": -1, "status.under_review": 1}


def test_a_suspect_counts_its_layer_and_each_charge_and_an_edit_counts_the_difference():
    added = stats.suspect_changed(None, {"layer": "organizer", "charges": ["fraud", "money_laundering"]})
    assert added == {"layer.organizer": 1, "charge.fraud": 1, "charge.money_laundering": 1}
    edited = stats.suspect_changed({"layer": "organizer", "charges": ["fraud"]},
                                   {"layer": "core_member", "charges": ["fraud", "helping_network_crime"]})
    assert edited == {"layer.organizer": -1, "layer.core_member": 1, "charge.helping_network_crime": 1}


def test_amounts_count_their_difference():
    assert stats.recovery_changed({"amount_involved_fen": 100, "recovered_fen": 10},
                                  {"amount_involved_fen": 100, "recovered_fen": 60}) == {"recovered_fen": 50}
    assert stats.wage_changed(None, {"wages_owed_fen": 500, "recovered_fen": 200}) == {
        "wage_owed_fen": 500, "wage_recovered_fen": 200}


def test_the_report_groups_every_code_and_computes_the_recovery_rate():
    report = stats.report({"cases": 3, "category.criminal": 2, "amount_involved_fen": 400, "recovered_fen": 100,
                           "grade.excellent": 1})
    assert report["cases"] == 3 and report["by_category"]["criminal"] == 2 and report["by_category"]["civil_execution_supervision"] == 0
    assert report["recovery_rate"] == 0.25 and report["evaluations_by_grade"]["excellent"] == 1
    assert stats.report({})["recovery_rate"] is None
