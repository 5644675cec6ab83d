"""The cases dataset of an approved export: only the exports service gets rows, only the approved
columns, id numbers masked unless the approval included them, one row per suspect when asked."""
from datetime import datetime, timezone

import pytest

from contracts.rpc.exports_v1 import EXPORTS_ACTOR
from kit.context import Actor
from kit.errors import Forbidden, ValidationFailed
from services.cases import exports
from contracts.rpc.exports_v1 import requester_of  # noqa: F401

CASE = {"_id": "c1", "case_no": "（2026）刑1号", "title": "张三盗窃案", "category": "criminal", "department": "criminal",
        "status": "registered", "suspect_count": 2, "created_at": datetime(2026, 3, 1, 17, 0, tzinfo=timezone.utc)}
SUSPECTS = {"c1": [{"name": "张三", "id_number": "110101199003072316", "charges": ["theft"]},
                   {"name": "李四", "id_number": "110101199105061234", "charges": [], "decision": {
                       "decision": "non_prosecution"}}]}


def test_only_the_exports_service_naming_an_export_gets_rows():
    exports.ensure_export_call(Actor.from_dict(EXPORTS_ACTOR), "e1")
    for actor, export_id in ((Actor("u1", ("admin",), "general"), "e1"),
                             (Actor("u1", ("chief_procurator",), "leadership"), "e1"),
                             (Actor.from_dict(EXPORTS_ACTOR), "")):
        with pytest.raises(Forbidden):
            exports.ensure_export_call(actor, export_id)


def query(**overrides):
    return {"dataset": "cases", "requester": {"user_id": "u-cm", "roles": ["case_manager"], "department": "case_management"}, "filters": {}, "fields_": ["title"], "include_id_numbers": False, "limit": 10,
            **overrides}


def test_columns_and_filters_are_checked_again_here():
    for bad, field in ((query(fields_=["title", "id_number_hash"]), "fields"),
                       (query(filters={"department": "x"}), "filters"), (query(dataset="budget"), "dataset")):
        with pytest.raises(ValidationFailed) as refused:
            exports.checked(bad)
        assert list(refused.value.fields) == [field]


def test_registration_dates_are_shanghai_days():
    _, selector, _ = exports.checked(query(filters={"department": "criminal", "from": "2026-03-02", "to": "2026-03-02"}))
    assert selector["department"] == "criminal"
    assert selector["created_at"] == {"$gte": datetime(2026, 3, 1, 16, 0, tzinfo=timezone.utc),
                                      "$lt": datetime(2026, 3, 2, 16, 0, tzinfo=timezone.utc)}


def test_one_row_per_case_with_only_the_asked_columns():
    rows, truncated = exports.rows([CASE], SUSPECTS, ["case_no", "registered_on", "suspect_count"], False, 10)
    assert rows == [["（2026）刑1号", "2026-03-02", 2]] and truncated is False


def test_suspect_columns_give_a_row_per_suspect_id_numbers_masked_unless_approved():
    fields = ["title", "suspect_name", "suspect_id_number", "suspect_charges", "suspect_decision"]
    rows, _ = exports.rows([CASE], SUSPECTS, fields, False, 10)
    assert rows == [["张三盗窃案", "张三", "110101********2316", ["theft"], None],
                    ["张三盗窃案", "李四", "110101********1234", [], "non_prosecution"]]
    rows, _ = exports.rows([CASE], SUSPECTS, fields, True, 10)
    assert [row[2] for row in rows] == ["110101199003072316", "110101199105061234"]
    rows, _ = exports.rows([{**CASE, "_id": "c2"}], SUSPECTS, fields, False, 10)
    assert rows == [["张三盗窃案", None, None, None, None]]


def test_more_rows_than_the_limit_are_cut_and_said_so():
    rows, truncated = exports.rows([CASE], SUSPECTS, ["suspect_name"], False, 1)
    assert rows == [["张三"]] and truncated is True


PROSECUTOR = {"user_id": "u-pros", "roles": ["prosecutor"], "department": "civil"}
HEAD = {"user_id": "u-head", "roles": ["department_head"], "department": "criminal"}


def test_the_requesters_scope_applies_whatever_the_filters_say():
    """Issue 19: a civil prosecutor's export filtered on the criminal department, or unfiltered."""
    for filters in ({"department": "criminal"}, {}):
        _, selector, requester = exports.checked(query(requester=PROSECUTOR, filters=filters))
        scope = {"$or": [{"department": "civil"}, {"handler_id": "u-pros"}]}
        assert selector == ({"$and": [{"department": "criminal"}, scope]} if filters else scope)
        assert requester.user_id == "u-pros"
    cases = [{"_id": "a", "department": "criminal", "handler_id": None},
             {"_id": "b", "department": "criminal", "handler_id": "u-pros"},
             {"_id": "c", "department": "civil", "handler_id": None}]
    assert [c["_id"] for c in exports.visible(cases, exports.requester_of(query(requester=PROSECUTOR)))] == ["b", "c"]


def test_id_numbers_leave_whole_only_where_the_requester_sees_them_whole():
    from contracts.rpc.exports_v1 import requester_of
    head = requester_of(query(requester=HEAD))
    own = {"_id": "a", "department": "criminal", "handler_id": "u-x"}
    other = {"_id": "b", "department": "civil", "handler_id": "u-head"}
    foreign = {"_id": "c", "department": "civil", "handler_id": None}
    suspects = {key: [{"name": "王某", "id_number": "11010119900307231X"}] for key in "abc"}
    rows, _ = exports.rows([own, other, foreign], suspects, ["suspect_id_number"],
                           exports.unmasked_for(head, True), 10)
    assert rows[0] == ["11010119900307231X"] and rows[1] == ["11010119900307231X"]
    assert rows[2] != ["11010119900307231X"]
    rows, _ = exports.rows([own], suspects, ["suspect_id_number"], exports.unmasked_for(head, False), 10)
    assert rows[0] != ["11010119900307231X"]
