"""The inspections dataset of an approved export: findings of on-site inspections, one row each,
with the institution; only the exports service gets rows, only the approved columns, filters
checked again here."""
from datetime import date, datetime, timezone

import pytest

from contracts.rpc.exports_v1 import EXPORTS_ACTOR
from kit.context import Actor
from kit.errors import Forbidden, ValidationFailed
from services.inspections import exports

TODAY = date(2026, 6, 10)
OPEN = {"_id": "f1", "inspection_id": "i1", "target": {"name": "幸福里养老院", "kind": "elder_care_institution",
                                                      "address": "某区幸福路1号"},
        "inspected_on": "2026-05-02", "category": "fire_safety", "severity": "high", "description": "消防通道堵塞",
        "rectify_by": "2026-06-01", "status": "open", "rectification": None, "reinspections": [],
        "created_by": "u7", "created_at": datetime(2026, 5, 2, 2, 0, tzinfo=timezone.utc)}
RECTIFIED = {**OPEN, "_id": "f2", "status": "rectified", "severity": "low", "category": "food_safety",
             "description": "留样记录不全", "rectification": {"rectified_on": "2026-05-20", "evidence": ["e"]},
             "reinspections": [{"result": "still_present"}]}


def test_only_the_exports_service_naming_an_export_gets_rows():
    exports.ensure_export_call(Actor.from_dict(EXPORTS_ACTOR), "e1")
    for actor, export_id in ((Actor("u1", ("admin",), "general"), "e1"),
                             (Actor("u1", ("inspector",), "inspection"), "e1"),
                             (Actor.from_dict(EXPORTS_ACTOR), "")):
        with pytest.raises(Forbidden):
            exports.ensure_export_call(actor, export_id)


def query(**overrides):
    return {"dataset": "inspections", "requester": {"user_id": "u-cm", "roles": ["case_manager"], "department": "case_management"}, "filters": {}, "fields_": ["description"], "include_id_numbers": False,
            "limit": 10, **overrides}


def test_columns_and_filters_are_checked_again_here():
    for bad, field in ((query(fields_=["description", "evidence"]), "fields"),
                       (query(filters={"severity": "x"}), "filters"),
                       (query(filters={"department": "criminal"}), "filters"),
                       (query(filters={"from": "2026-03-02", "to": "2026-03-01"}), "filters"),
                       (query(dataset="budget"), "dataset")):
        with pytest.raises(ValidationFailed) as refused:
            exports.checked(bad)
        assert list(refused.value.fields) == [field]


def test_filters_become_the_query_on_inspection_days():
    _, selector = exports.checked(query(filters={"status": "open", "severity": "high", "category": "fire_safety",
                                                 "target_kind": "elder_care_institution", "from": "2026-05-01",
                                                 "to": "2026-05-31"}))
    assert selector == {"status": "open", "severity": "high", "category": "fire_safety",
                        "target.kind": "elder_care_institution",
                        "inspected_on": {"$gte": "2026-05-01", "$lte": "2026-05-31"}}
    assert exports.checked(query())[1] == {}


def test_one_row_per_finding_with_only_the_asked_columns_in_that_order():
    fields = ["target_name", "finding_id", "target_kind", "target_address", "inspected_on", "category", "severity",
              "description", "rectify_by", "status", "rectified_on", "overdue", "reinspections", "recorded_by"]
    rows, truncated = exports.rows([OPEN, RECTIFIED], fields, TODAY, 10)
    assert truncated is False
    assert rows == [["幸福里养老院", "f1", "elder_care_institution", "某区幸福路1号", "2026-05-02", "fire_safety", "high",
                     "消防通道堵塞", "2026-06-01", "open", None, True, 0, "u7"],
                    ["幸福里养老院", "f2", "elder_care_institution", "某区幸福路1号", "2026-05-02", "food_safety", "low",
                     "留样记录不全", "2026-06-01", "rectified", "2026-05-20", False, 1, "u7"]]


def test_overdue_is_computed_from_today():
    assert exports.rows([OPEN], ["overdue"], date(2026, 6, 1), 10)[0] == [[False]]
    assert exports.rows([OPEN], ["overdue"], date(2026, 6, 2), 10)[0] == [[True]]


def test_more_rows_than_the_limit_are_cut_and_said_so():
    rows, truncated = exports.rows([OPEN, RECTIFIED], ["finding_id"], TODAY, 1)
    assert rows == [["f1"]] and truncated is True
