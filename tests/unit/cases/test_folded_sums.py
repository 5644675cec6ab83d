"""The remembered sums of folded statistics counters: bounded, least recently used out first."""
from services.cases.storage import FoldedSums


def test_the_least_recently_used_sum_goes_first():
    sums = FoldedSums(capacity=2)
    sums.put("a", {"cases": 1})
    sums.put("b", {"cases": 2})
    assert sums.get("a") == {"cases": 1}  # "a" is now the most recently used
    sums.put("c", {"cases": 3})
    assert sums.get("b") is None and sums.get("a") == {"cases": 1} and sums.get("c") == {"cases": 3}


def test_an_unknown_key_is_none():
    assert FoldedSums().get(("generation", (), None)) is None
