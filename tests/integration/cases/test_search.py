"""The case list and its search give the same records in the same order as before the lists were
made fast (the plain query with a case-insensitive regex, sorted by the database), page by page:
filters, Chinese, Latin letters in mixed case, one-character queries, the scoped $or of a user who
also handles cases of other departments."""
import random
import re
import uuid
from datetime import timedelta

import pytest

from kit import clock, search
from kit.mongo import ensure_indexes, get_client
from kit.pagination import ORDER
from kit.aggregate import Aggregates
from services.cases.storage import CASES, INDEXES, SEARCHED, CaseStorage, CaseStore

TITLES = ["电信网络诈骗案", "帮助信息网络犯罪活动案", "拒不支付劳动报酬案", "民事执行监督 Wage", "APP 刷单诈骗",
          "wechat 转账诈骗", "非法吸收公众存款案", "盗窃案", "交通肇事案", "诈骗"]


def fill(db):
    """400 cases (the same ones every time: a seeded generator), half without their search grams."""
    ensure_indexes(db, {CASES: INDEXES[CASES]})
    rng = random.Random(11)
    now = clock.now()
    docs = []
    for i in range(400):
        moment = now - timedelta(minutes=rng.randint(0, 60 * 24 * 400))
        docs.append({"_id": uuid.uuid4().hex, "case_no": f"宁检{['刑', '民', '行'][i % 3]}诉〔{2025 + i % 2}〕{i}号",
                     "title": f"{rng.choice(TITLES)}{i % 7}", "department": ["criminal", "civil"][i % 2],
                     "status": ["registered", "under_review", "closed"][i % 3], "category": "criminal",
                     "handler_id": f"u{i % 9}", "version": 1, "created_at": moment.replace(microsecond=moment.microsecond // 1000 * 1000)})
    # Half of them as written before search grams existed: the start-up backfill gives them theirs.
    for doc in docs[::2]:
        doc[search.FIELD] = search.grams(doc["case_no"], doc["title"])
    db[CASES].insert_many(docs)
    assert search.backfill(db[CASES], ("case_no", "title")) == 200
    return db


@pytest.fixture
def store(service_db):
    return CaseStore(fill(service_db("cases")), outbox=None)


@pytest.fixture(scope="module")
def filled_once(mongo_uri):
    """The same 400 cases in a database of this module's own, for the tests that only read them: filling
    it for each of the 34 comparisons took some 100 s of a 10-minute suite."""
    name = f"t{uuid.uuid4().hex[:10]}_cases"
    client = get_client(mongo_uri)
    yield fill(client[name])
    client.drop_database(name)


@pytest.fixture
def read_only_store(filled_once):
    return CaseStore(filled_once, outbox=None)  # a store of its own per test; the data is shared, never written


def before(store, *, department=None, status=None, category=None, handler_id=None, q=None, also_handled_by=None):
    """The list as it was: one query with a regex, sorted and paged by the database."""
    query = {key: value for key, value in (("status", status), ("category", category), ("handler_id", handler_id))
             if value}
    alternatives = []
    if department and also_handled_by:
        alternatives.append([{"department": department}, {"handler_id": also_handled_by}])
    elif department:
        query["department"] = department
    if q:
        pattern = {"$regex": re.escape(q), "$options": "i"}
        alternatives.append([{"case_no": pattern}, {"title": pattern}])
    if len(alternatives) == 1:
        query["$or"] = alternatives[0]
    elif alternatives:
        query["$and"] = [{"$or": each} for each in alternatives]
    return [doc["_id"] for doc in store.cases.collection.find(query).sort(ORDER)]


def now_(store, limit, **filters):
    seen, cursor = [], None
    while True:
        items, cursor = store.search(limit=limit, cursor=cursor, **{
            "department": None, "status": None, "category": None, "handler_id": None, "q": None, **filters})
        seen += [item["_id"] for item in items]
        if not cursor:
            return seen


@pytest.mark.parametrize("filters", [
    {},
    {"department": "civil"},
    {"status": "closed"},
    {"handler_id": "u4"},
    {"department": "criminal", "status": "registered"},
    {"department": "civil", "also_handled_by": "u3"},
    {"q": "诈骗"},                      # Chinese, common
    {"q": "劳动报酬"},                   # Chinese, rarer
    {"q": "骗"},                        # one character
    {"q": "app"},                       # Latin, other case than stored
    {"q": "WeChat 转"},                 # mixed case and a space
    {"q": "w"},                          # one Latin character, either case
    {"q": "〔2026〕1"},                  # case number with its brackets
    {"q": "宁检民诉〔2025〕"},
    {"q": "不存在的词"},
    {"q": "诈骗", "department": "civil", "also_handled_by": "u2"},
    {"q": "案", "status": "closed", "handler_id": "u2"},
])
@pytest.mark.parametrize("limit", [3, 20])
def test_list_and_search_give_the_same_records_in_the_same_order_as_before(read_only_store, filters, limit):
    store = read_only_store
    expected = before(store, **filters)
    assert now_(store, limit, **filters) == expected
    if filters.get("q") and filters["q"] != "不存在的词":
        assert expected  # the query finds something: the comparison is not vacuous


def test_a_changed_title_is_found_by_its_new_words_only(store, service_db):
    case = store.cases.collection.find_one({})
    # The kit's write path alone (the service's journal and counters are not what is tested here).
    Aggregates(store, CASES, not_found="案件不存在", search_fields=SEARCHED).stage_change(
        None, case, {"title": "新标题Zhang"}, [])
    assert case["_id"] in now_(store, 20, q="zhang")
    assert case["_id"] not in now_(store, 20, q=case["title"])


def test_the_grams_are_built_once_at_start_for_records_written_before(store):
    assert store.cases.collection.count_documents({search.FIELD: {"$exists": False}}) == 0
    assert CaseStorage  # the start-up step (CaseStorage._build_search_grams) runs search.backfill
