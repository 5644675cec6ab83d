"""Statistics read whole months from the monthly counters and the days at either end from the daily
ones, plus the deltas not folded yet: the same totals as summing the daily counters of every day in
the period, before and after the fold; a fold run twice at once counts nothing twice."""
import threading
import random
from datetime import datetime, timedelta, timezone

import pytest

from kit.mongo import ensure_indexes
from services.cases import stats
from services.cases.storage import COUNTERS, DELTAS, INDEXES, MONTHLY, CaseStore


@pytest.fixture
def store(service_db):
    db = service_db("cases")
    ensure_indexes(db, {COUNTERS: INDEXES[COUNTERS], MONTHLY: INDEXES[MONTHLY], DELTAS: INDEXES[DELTAS]})
    store = CaseStore(db, outbox=None)
    rng = random.Random(8)
    start = datetime(2025, 1, 1, tzinfo=timezone.utc)
    for _ in range(300):
        case = {"created_at": start + timedelta(hours=rng.randint(0, 24 * 500)),
                "department": rng.choice(["criminal", "civil"]), "category": "criminal", "status": "registered"}
        store._count(None, case, {**stats.registered(case), "recovered_fen": rng.randint(0, 1000)})
    return store


def by_days(store, first, last, department):
    match = {"day": {"$gte": first, "$lte": last}, **({"department": department} if department else {})}
    totals = {key: 0 for key in stats.counter_keys()}
    for row in store.db[COUNTERS].find(match):
        for key in totals:
            value = row
            for part in key.split("."):  # "$inc" of "status.registered" nests the field
                value = value.get(part, {}) if isinstance(value, dict) else 0
            totals[key] += value if isinstance(value, int) else 0
    return totals


@pytest.mark.parametrize("first,last,department", [
    ("0001-01-01", "9999-12-31", None), ("2025-03-01", "2025-08-31", "civil"), ("2025-02-14", "2025-11-03", None),
    ("2025-06-10", "2025-06-20", "criminal"), ("2025-12-31", "2026-01-01", None), ("2025-01-01", "2026-05-15", None),
])
def test_totals_are_those_of_the_daily_counters_before_and_after_the_fold(store, first, last, department):
    before_fold = store.statistics(first, last, department)
    while store.fold_counters(batch=70):
        pass
    assert store.db[DELTAS].count_documents({}) == 0
    expected = by_days(store, first, last, department)
    assert expected["cases"] > 0 or (first, last) == ("2025-12-31", "2026-01-01")
    assert store.statistics(first, last, department) == expected == before_fold


def test_two_folds_at_once_count_each_change_once(store):
    everything = store.statistics("0001-01-01", "9999-12-31", None)
    assert everything["cases"] == 300
    threads = [threading.Thread(target=lambda: [store.fold_counters(batch=40) for _ in range(20)]) for _ in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    while store.fold_counters():
        pass
    assert store.statistics("0001-01-01", "9999-12-31", None) == everything
    assert by_days(store, "0001-01-01", "9999-12-31", None) == everything


def test_totals_stay_exact_while_a_fold_runs_beside_the_reads(store):
    """Reads and folds at once: every read sees each delta exactly once (counted in the counters or
    still pending, never both or neither), because a read takes one snapshot of every part."""
    expected = sum(1 for _ in store.db[DELTAS].find({}))
    assert expected == 300
    readings, errors, batches = [], [], []
    read_since_batch = threading.Event()

    def fold():
        # After every fourth batch the fold waits for a read that began after it: the reads cannot all
        # fall before or after the fold (a fold that finished before the first read proved nothing).
        try:
            while store.fold_counters(batch=7):
                batches.append(store.db[DELTAS].count_documents({}))
                if len(batches) % 4:
                    continue
                read_since_batch.clear()
                if not read_since_batch.wait(10):
                    raise TimeoutError("no read after a fold batch within 10 s")
        except Exception as exc:  # shown by the assertion below
            errors.append(exc)

    folder = threading.Thread(target=fold)
    folder.start()
    while folder.is_alive():
        started_after = len(batches)
        readings.append(store.statistics("0001-01-01", "9999-12-31", None)["cases"])
        if len(batches) == started_after:  # no batch ended during this read: it began after the last one
            read_since_batch.set()
    folder.join()
    readings.append(store.statistics("0001-01-01", "9999-12-31", None)["cases"])
    assert not errors
    # The fold went through every delta in batches, with reads between them (and beside them).
    assert len(batches) >= expected // 7 and batches[-1] == 0 and len(readings) > len(batches) // 4
    assert set(readings) == {expected}, sorted(set(readings))


def test_folded_sums_are_remembered_until_the_next_fold_and_then_read_again(store):
    while store.fold_counters():
        pass
    first = store.statistics("0001-01-01", "9999-12-31", None)
    # A counter changed behind the store's back (no fold, so no new generation): the remembered sum
    # is what this read returns, which shows the counters were not summed again.
    store.db[MONTHLY].update_one({}, {"$inc": {"cases": 1000}})
    assert store.statistics("0001-01-01", "9999-12-31", None) == first
    # A pending delta is counted at once (the deltas are summed on every read)...
    case = {"created_at": datetime(2025, 3, 3, tzinfo=timezone.utc), "department": "civil", "category": "criminal",
            "status": "registered"}
    store._count(None, case, stats.registered(case))
    assert store.statistics("0001-01-01", "9999-12-31", None)["cases"] == first["cases"] + 1
    # ...and its fold writes a new generation: the counters are summed again, the change above with them.
    while store.fold_counters():
        pass
    assert store.statistics("0001-01-01", "9999-12-31", None)["cases"] == first["cases"] + 1 + 1000
