"""kit.pagination walks created_at slices newest first: the pages must be exactly what the plain
query sorted by (created_at, _id) descending gives, across pages, filters and the edges of slices
(ties, records years apart, records ahead of the clock, none at all)."""
import random
import uuid
from datetime import datetime, timedelta, timezone

import pytest
from pymongo import ASCENDING, DESCENDING, IndexModel

from kit import clock
from kit.mongo import ensure_indexes
from kit.pagination import FIRST_SLICE, GROWTH, ORDER, matches, paginate

NOW = clock.now()


def pages(collection, query, limit):
    seen, cursor = [], None
    for _ in range(1000):
        docs, cursor = paginate(collection, query, limit, cursor)
        seen += [doc["_id"] for doc in docs]
        if not cursor:
            return seen
    raise AssertionError("pagination did not end")


def reference(collection, query):
    """What a list returned before: the whole query sorted by the database."""
    return [doc["_id"] for doc in collection.find(query).sort(ORDER)]


@pytest.fixture
def items(service_db):
    collection = service_db("pagination")["items"]
    ensure_indexes(collection.database, {"items": [
        IndexModel([("created_at", DESCENDING), ("_id", DESCENDING)]),
        IndexModel([("owner", ASCENDING), ("created_at", DESCENDING), ("_id", DESCENDING)]),
        IndexModel([("tags", ASCENDING), ("created_at", DESCENDING), ("_id", DESCENDING)])]})
    rng = random.Random(7)
    docs = []
    moments = ([NOW - timedelta(minutes=rng.randint(0, 600)) for _ in range(60)]       # dense, recent
               + [NOW - timedelta(days=rng.randint(1, 4000)) for _ in range(40)]       # years apart
               + [NOW + timedelta(minutes=5)] * 3                                       # ahead of the clock
               + [datetime(1985, 5, 1, tzinfo=timezone.utc)])                           # older than the walk
    tie = NOW - timedelta(hours=3)
    moments += [tie] * 8                                                                # one instant, many ids
    for i, moment in enumerate(moments):
        docs.append({"_id": uuid.uuid4().hex, "created_at": moment.replace(microsecond=moment.microsecond // 1000 * 1000),
                     "owner": f"o{i % 3}", "kind": ["a", "b"][i % 2], "tags": [f"t{i % 4}", "all"],
                     "read_at": None if i % 5 else NOW})
    collection.insert_many(docs)
    return collection


@pytest.mark.parametrize("query", [
    {},
    {"owner": "o1"},
    {"owner": "o2", "kind": "a"},                    # one field from the index, one matched after
    {"kind": "b"},                                    # no index leads with it: the created_at walk
    {"owner": "nobody"},                              # nothing at all
    {"tags": "t3"},                                   # a multikey equality
    {"owner": "o0", "read_at": None},
    {"$or": [{"owner": "o1"}, {"kind": "a"}]},
    {"owner": {"$in": ["o0", "o2"]}},
    {"created_at": {"$gte": NOW - timedelta(days=900), "$lt": NOW - timedelta(days=2)}},   # a filter's own range
    {"owner": "o1", "created_at": {"$lte": NOW - timedelta(hours=3)}},
    {"created_at": {"$gt": NOW - timedelta(hours=5)}},
])
@pytest.mark.parametrize("limit", [1, 7, 20])
def test_pages_are_the_plain_sorted_query(items, query, limit):
    assert pages(items, query, limit) == reference(items, query)


def test_a_cursor_from_before_the_change_still_continues_the_same_order(items):
    first, cursor = paginate(items, {"owner": "o1"}, 5)
    rest = pages_from(items, {"owner": "o1"}, 5, cursor)
    assert [d["_id"] for d in first] + rest == reference(items, {"owner": "o1"})


def test_records_exactly_on_the_bounds_of_the_slices_are_all_listed(service_db):
    collection = service_db("pagination")["bounds"]
    ensure_indexes(collection.database, {"bounds": [
        IndexModel([("owner", ASCENDING), ("created_at", DESCENDING), ("_id", DESCENDING)])]})
    top = datetime(2026, 3, 1, 8, 0, tzinfo=timezone.utc)
    first = FIRST_SLICE
    bounds = [top, top - first, top - first * (1 + GROWTH), top - first * (1 + GROWTH + GROWTH ** 2)]
    docs = [{"_id": f"{i:02d}-{j}", "owner": "o", "created_at": moment + timedelta(milliseconds=delta)}
            for i, moment in enumerate(bounds) for j, delta in enumerate((-1, 0, 0, 1))]
    collection.insert_many(docs)
    expected = reference(collection, {"owner": "o"})
    start, cursor = paginate(collection, {"owner": "o"}, 1)
    assert [d["_id"] for d in start] + pages_from(collection, {"owner": "o"}, 1, cursor) == expected
    assert pages(collection, {"owner": "o"}, 3) == expected


def pages_from(collection, query, limit, cursor):
    seen = []
    while cursor:
        docs, cursor = paginate(collection, query, limit, cursor)
        seen += [doc["_id"] for doc in docs]
    return seen


def test_an_empty_collection_gives_an_empty_page(service_db):
    assert paginate(service_db("pagination")["nothing"], {}, 20) == ([], None)


@pytest.mark.parametrize("doc,query,expected", [
    ({"a": 1}, {"a": 1}, True),
    ({"a": [1, 2]}, {"a": 2}, True),
    ({}, {"a": None}, True),
    ({"a": 0}, {"a": None}, False),
    ({"a": "Abc"}, {"a": {"$regex": "b", "$options": "i"}}, True),
    ({"a": "Abc"}, {"a": {"$regex": "B"}}, False),
    ({"a": 3}, {"a": {"$gte": 3, "$lt": 4}}, True),
    ({"a": 3}, {"$or": [{"a": 1}, {"b": 2}]}, False),
    ({"a": 3}, {"a": {"$nin": [3]}}, False),
])
def test_the_rest_of_a_filter_is_matched_like_the_database(doc, query, expected):
    assert matches(doc, query) is expected


def test_an_unknown_operator_is_refused_not_ignored():
    with pytest.raises(ValueError):
        matches({"a": 1}, {"a": {"$where": "1"}})


def test_pages_stay_right_when_records_move_after_a_walk_has_marked_where_they_were(items):
    query = {"owner": "o1"}
    assert pages(items, query, 5) == reference(items, query)  # the walk marks where records are
    # Records leave the list, others arrive at the top and in the middle, one burst in the past.
    gone = reference(items, query)[3:40:2]
    items.delete_many({"_id": {"$in": gone}})
    moments = [NOW + timedelta(seconds=1), NOW - timedelta(days=2)] + [NOW - timedelta(days=30)] * 25
    items.insert_many([{"_id": uuid.uuid4().hex, "created_at": m.replace(microsecond=0), "owner": "o1", "kind": "a",
                        "tags": [], "read_at": None} for m in moments])
    for limit in (3, 5, 20):
        assert pages(items, query, limit) == reference(items, query)


def test_concurrent_first_walks_of_one_filter_all_get_the_right_pages(items):
    import threading
    query, results = {"tags": "t2"}, []
    threads = [threading.Thread(target=lambda: results.append(pages(items, query, 4))) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(results) == 6 and all(result == reference(items, query) for result in results)


def test_a_collection_without_an_index_on_created_at_is_read_as_before(service_db):
    collection = service_db("pagination")["unindexed"]
    collection.insert_many([{"_id": f"{i:03d}", "created_at": NOW - timedelta(hours=i % 50), "k": i % 3}
                            for i in range(120)])
    for query in ({}, {"k": 1}):
        assert pages(collection, query, 7) == reference(collection, query)
