"""The budgeting RPC/HTTP bodies: integer fen only, refused input named by its field."""
import pytest

from contracts.rpc import budgeting_v1 as contract
from kit.errors import ValidationFailed
from kit.validation import load

REQUEST = {"year": 2026, "department": "criminal", "category": "equipment", "title": "设备", "amount_fen": 100,
           "justification": "需要"}


@pytest.mark.parametrize("amount", [1.5, 100.0, -1, 10 ** 13 + 1, "100", True, None])
@pytest.mark.parametrize("schema, body, name", [
    (contract.NewRequest, REQUEST, "amount_fen"),
    (contract.SetAllocation, {"year": 2026, "department": "criminal", "category": "equipment", "amount_fen": 1},
     "amount_fen"),
    (contract.ReviewRequest, {"approved_amount_fen": 1}, "approved_amount_fen"),
    (contract.CompleteProcurement, {"actual_amount_fen": 1, "accepted_on": "2026-03-02"}, "actual_amount_fen"),
])
def test_money_is_integer_fen_within_bounds(schema, body, name, amount):
    with pytest.raises(ValidationFailed) as err:
        load(schema(), {**body, name: amount})
    assert list(err.value.fields) == [name]


def test_the_largest_amount_passes_and_a_request_of_nothing_does_not():
    assert load(contract.NewRequest(), {**REQUEST, "amount_fen": 10 ** 13})["amount_fen"] == 10 ** 13
    with pytest.raises(ValidationFailed) as err:
        load(contract.NewRequest(), {**REQUEST, "amount_fen": 0})
    assert "amount_fen" in err.value.fields


@pytest.mark.parametrize("field, value", [("category", "travel"), ("department", "nowhere"), ("year", 1999),
                                          ("year", "2026")])
def test_codes_and_years_are_checked(field, value):
    with pytest.raises(ValidationFailed) as err:
        load(contract.NewRequest(), {**REQUEST, field: value})
    assert field in err.value.fields


def test_a_booking_ends_after_it_starts():
    with pytest.raises(ValidationFailed) as err:
        load(contract.NewBooking(), {"starts_at": "2026-03-02T03:00:00Z", "ends_at": "2026-03-02T03:00:00Z",
                                     "purpose": "提讯"})
    assert "ends_at" in err.value.fields
