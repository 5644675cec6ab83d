"""The recommendations dataset of an approved export: only the exports service gets rows, only the
approved columns, filters checked again here, the reply and closing flattened onto the card."""
from datetime import date, datetime, timezone

import pytest

from contracts.rpc.exports_v1 import EXPORTS_ACTOR
from kit.context import Actor
from kit.errors import Forbidden, ValidationFailed
from services.recommendations import exports

TODAY = date(2026, 6, 10)
SERVED = {"_id": "r1", "case_id": "c1", "case_no": "（2026）行1号", "kind": "social_governance",
          "department": "administrative", "status": "served", "target_unit": "某区民政局",
          "title": "关于加强养老机构消防安全管理的检察建议", "drafted_by": "u1", "approved_by": "u9",
          "served_on": "2026-03-31", "service_method": "written", "reply_due_on": "2026-05-31", "reply": None,
          "follow_ups": [], "rectified_items_total": 0, "closing": None,
          "created_at": datetime(2026, 3, 1, 17, 0, tzinfo=timezone.utc)}
REPLIED = {**SERVED, "_id": "r2", "status": "closed", "reply": {"received_on": "2026-05-20", "adoption": "adopted",
                                                                 "content": "已整改", "on_time": True},
           "follow_ups": [{"visited_on": "2026-06-01"}, {"visited_on": "2026-06-05"}], "rectified_items_total": 47,
           "closing": {"outcome": "implemented", "closed_on": "2026-06-06", "by": "u1"}}


def test_only_the_exports_service_naming_an_export_gets_rows():
    exports.ensure_export_call(Actor.from_dict(EXPORTS_ACTOR), "e1")
    for actor, export_id in ((Actor("u1", ("admin",), "general"), "e1"),
                             (Actor("u1", ("chief_procurator",), "leadership"), "e1"),
                             (Actor.from_dict(EXPORTS_ACTOR), "")):
        with pytest.raises(Forbidden):
            exports.ensure_export_call(actor, export_id)


def query(**overrides):
    return {"dataset": "recommendations", "requester": {"user_id": "u-cm", "roles": ["case_manager"], "department": "case_management"}, "filters": {}, "fields_": ["title"], "include_id_numbers": False,
            "limit": 10, **overrides}


def test_columns_and_filters_are_checked_again_here():
    for bad, field in ((query(fields_=["title", "problems"]), "fields"),
                       (query(filters={"department": "x"}), "filters"), (query(filters={"kind": "x"}), "filters"),
                       (query(filters={"from": "2026-03-02", "to": "2026-03-01"}), "filters"),
                       (query(dataset="cases"), "dataset")):
        with pytest.raises(ValidationFailed) as refused:
            exports.checked(bad)
        assert list(refused.value.fields) == [field]


def test_filters_become_the_query_drafting_dates_are_shanghai_days():
    fields, selector = exports.checked(query(fields_=["id", "adoption"], filters={
        "department": "administrative", "kind": "social_governance", "status": "served",
        "from": "2026-03-02", "to": "2026-03-02"}))
    assert fields == ["id", "adoption"]
    assert selector == {"department": "administrative", "kind": "social_governance", "status": "served",
                        "created_at": {"$gte": datetime(2026, 3, 1, 16, 0, tzinfo=timezone.utc),
                                       "$lt": datetime(2026, 3, 2, 16, 0, tzinfo=timezone.utc)}}
    assert exports.checked(query())[1] == {}


def test_one_row_per_recommendation_with_only_the_asked_columns_in_that_order():
    fields = ["target_unit", "id", "drafted_on", "served_on", "reply_due_on", "overdue", "adoption", "replied_on",
              "replied_on_time", "follow_up_count", "rectified_items_total", "closed_on", "close_outcome"]
    rows, truncated = exports.rows([SERVED, REPLIED], fields, TODAY, 10)
    assert truncated is False
    assert rows == [["某区民政局", "r1", "2026-03-02", "2026-03-31", "2026-05-31", True, None, None, None, 0, 0, None,
                     None],
                    ["某区民政局", "r2", "2026-03-02", "2026-03-31", "2026-05-31", False, "adopted", "2026-05-20", True,
                     2, 47, "2026-06-06", "implemented"]]


def test_overdue_is_computed_from_today_not_stored():
    assert exports.rows([SERVED], ["overdue"], date(2026, 5, 31), 10)[0] == [[False]]
    assert exports.rows([SERVED], ["overdue"], date(2026, 6, 1), 10)[0] == [[True]]
    draft = {**SERVED, "status": "draft", "served_on": None, "reply_due_on": None}
    assert exports.rows([draft], ["overdue", "served_on"], TODAY, 10)[0] == [[False, None]]


def test_more_rows_than_the_limit_are_cut_and_said_so():
    rows, truncated = exports.rows([SERVED, REPLIED], ["id"], TODAY, 1)
    assert rows == [["r1"]] and truncated is True
