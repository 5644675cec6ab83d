"""What a case records besides its suspects, free of any broker or database: asset recovery (追赃挽损)
of criminal cases and wage enforcement supervision (护薪) of civil execution supervision cases."""
from contracts import enums
from kit.errors import ValidationFailed

ALL_TERMINATION_CHECKS = tuple(enums.TERMINATION_CHECKS)


def _only_for(case, category, what):
    if case["category"] != category:
        raise ValidationFailed(f"只有{enums.CASE_CATEGORIES[category]}案件可以登记{what}",
                               fields={"category": [f"本案类别为{enums.CASE_CATEGORIES[case['category']]}"]})


def set_asset_recovery(case, data):
    _only_for(case, "criminal", "追赃挽损")
    if case.get("asset_recovery") == data:
        return {}, []
    return {"asset_recovery": dict(data)}, []


def set_wage_supervision(case, data):
    _only_for(case, "civil_execution_supervision", "护薪执行监督")
    stored = {**data, "court_termination_on": data["court_termination_on"].isoformat()
              if data.get("court_termination_on") else None,
              "termination_checks_met": sorted(set(data["termination_checks_met"]))}
    if case.get("wage_supervision") == stored:
        return {}, []
    return {"wage_supervision": stored}, []


def wage_view(wage):
    """Derived, never stored: what is still owed, and whether the court's termination of this round
    of enforcement (终本) met every condition (None while there was no termination)."""
    if not wage:
        return None
    missing = [check for check in ALL_TERMINATION_CHECKS if check not in wage.get("termination_checks_met", [])]
    terminated = bool(wage.get("court_termination_on"))
    return {**wage, "outstanding_fen": wage["wages_owed_fen"] - wage["recovered_fen"],
            "termination_lawful": (not missing) if terminated else None,
            "termination_checks_missing": missing if terminated else []}
