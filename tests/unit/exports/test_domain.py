"""Export rules without broker or database: the state machine, the field whitelist and filters,
download limit and expiry, and the CSV file (BOM, header line, only the approved columns)."""
import csv
import io
from datetime import datetime, timedelta, timezone

import pytest

from kit.context import Actor
from kit.errors import Conflict, ValidationFailed
from services.exports import domain

NOW = datetime(2026, 11, 26, 2, 0, tzinfo=timezone.utc)
REQUESTER = Actor("u-req", ("prosecutor",), "criminal")
CHIEF = Actor("u-chief", ("chief_procurator",), "leadership")


def body(**overrides):
    return {"dataset": "cases", "filters": {"department": "criminal"}, "purpose": "办案质量分析",
            "fields_": ["case_no", "title", "suspect_id_number"], **overrides}


def pending():
    export, _ = domain.new_export(body(), REQUESTER, NOW)
    return export


def approved(include=False, downloads=0, limit=3):
    export = pending()
    changes, _ = domain.approve(export, {"comment": "同意", "include_id_numbers": include}, CHIEF, NOW, 7, limit)
    return {**export, **changes, "downloads": downloads}


def test_a_request_is_pending_approval_and_announced_with_its_fields_and_filters():
    export, [(kind, payload)] = domain.new_export(body(), REQUESTER, NOW)
    assert export["status"] == "pending_approval" and export["requested_by"] == "u-req"
    assert kind == "export.requested"
    assert payload["fields"] == ["case_no", "title", "suspect_id_number"]
    assert payload["filters"] == {"department": "criminal"}


def test_fields_outside_the_datasets_columns_are_refused_naming_fields():
    with pytest.raises(ValidationFailed) as refused:
        domain.new_export(body(fields_=["title", "password_hash"]), REQUESTER, NOW)
    assert list(refused.value.fields) == ["fields"] and "password_hash" in refused.value.fields["fields"][0]
    with pytest.raises(ValidationFailed) as refused:
        domain.new_export(body(fields_=["title", "title"]), REQUESTER, NOW)
    assert list(refused.value.fields) == ["fields"]


def test_a_budget_column_is_not_a_cases_column():
    with pytest.raises(ValidationFailed):
        domain.new_export(body(fields_=["amount_fen"]), REQUESTER, NOW)
    export, _ = domain.new_export(body(dataset="budget", filters={"year": 2026}, fields_=["title", "amount_fen"]),
                                  REQUESTER, NOW)
    assert export["filters"] == {"year": 2026}


def test_bad_filters_are_refused_naming_filters():
    for filters in ({"department": "nowhere"}, {"colour": "red"}, {"from": "2026-02-01", "to": "2026-01-01"}):
        with pytest.raises(ValidationFailed) as refused:
            domain.new_export(body(filters=filters), REQUESTER, NOW)
        assert list(refused.value.fields) == ["filters"], filters


def test_filters_are_stored_as_json_values():
    export, _ = domain.new_export(body(filters={"from": "2026-01-01", "to": "2026-06-30"}), REQUESTER, NOW)
    assert export["filters"] == {"from": "2026-01-01", "to": "2026-06-30"}


@pytest.mark.parametrize("dataset, filters, fields", [
    ("recommendations", {"department": "administrative", "kind": "social_governance", "from": "2026-01-01"},
     ["title", "target_unit", "adoption"]),
    ("inspections", {"severity": "high", "target_kind": "elder_care_institution", "to": "2026-06-30"},
     ["target_name", "category", "severity", "rectify_by"]),
])
def test_recommendations_and_inspections_are_exportable_with_their_own_columns_and_filters(dataset, filters, fields):
    REQUESTER = Actor("u-cm", ("case_manager",), "case_management")
    export, _ = domain.new_export(body(dataset=dataset, filters=filters, fields_=fields), REQUESTER, NOW)
    assert export["status"] == "pending_approval" and export["fields"] == fields and export["filters"] == filters
    for bad, field in (({"fields_": ["suspect_id_number"]}, "fields"), ({"filters": {"year": 2026}}, "filters")):
        with pytest.raises(ValidationFailed) as refused:
            domain.new_export(body(**{"dataset": dataset, "filters": filters, "fields_": fields, **bad}), REQUESTER, NOW)
        assert list(refused.value.fields) == [field]


def test_approval_fixes_expiry_and_limit_and_includes_id_numbers_only_when_asked():
    export = pending()
    changes, [(kind, event)] = domain.approve(export, {"comment": "同意", "include_id_numbers": False}, CHIEF, NOW, 7, 3)
    assert kind == "export.approved" and changes["status"] == "approved"
    assert changes["expires_at"] == NOW + timedelta(days=7) and changes["download_limit"] == 3
    assert changes["include_id_numbers"] is False and event["include_id_numbers"] is False
    changes, _ = domain.approve(export, {"comment": "同意", "include_id_numbers": True}, CHIEF, NOW, 7, 3)
    assert changes["include_id_numbers"] is True


def test_including_id_numbers_means_nothing_without_an_id_number_column():
    export, _ = domain.new_export(body(fields_=["title"]), REQUESTER, NOW)
    changes, _ = domain.approve(export, {"comment": "同意", "include_id_numbers": True}, CHIEF, NOW, 7, 3)
    assert changes["include_id_numbers"] is False


def test_a_decided_export_cannot_be_decided_again():
    rejected = {**pending(), **domain.reject(pending(), {"comment": "用途不明"}, CHIEF, NOW)[0]}
    assert rejected["status"] == "rejected"
    for export in (rejected, approved()):
        with pytest.raises(Conflict):
            domain.approve(export, {"comment": "同意", "include_id_numbers": False}, CHIEF, NOW)
        with pytest.raises(Conflict):
            domain.reject(export, {"comment": "不同意"}, CHIEF, NOW)


def test_downloadable_only_when_approved_unexpired_and_below_the_limit():
    domain.ensure_downloadable(approved(downloads=2), NOW)
    for export, now, field in ((pending(), NOW, "status"),
                               ({**pending(), "status": "rejected"}, NOW, "status"),
                               (approved(downloads=3), NOW, "downloads"),
                               (approved(), NOW + timedelta(days=7), "expires_at")):
        with pytest.raises(Conflict) as refused:
            domain.ensure_downloadable(export, now)
        assert list(refused.value.fields) == [field]


def test_the_file_starts_with_a_bom_then_names_export_and_requester_then_headers_and_rows():
    export = approved()
    content = domain.build_csv(export, [["（2026）京0101刑诉1号", "张三盗窃案", "110101********2316"]],
                               download=1, truncated=False, now=NOW)
    assert content.startswith("\ufeff")
    raw = content.encode("utf-8")
    assert raw[:3] == b"\xef\xbb\xbf" and "张三盗窃案".encode("utf-8") in raw
    meta, header, row = list(csv.reader(io.StringIO(content[1:])))
    assert meta[:4] == ["导出编号", export["_id"], "申请人", "u-req"] and "1/3" in meta
    assert header == ["案号", "案件名称", "犯罪嫌疑人身份证号"]
    assert row == ["（2026）京0101刑诉1号", "张三盗窃案", "110101********2316"]


def test_cells_that_a_spreadsheet_would_run_as_formulas_are_defused_numbers_kept():
    content = domain.build_csv({**approved(), "fields": ["title", "suspect_count", "case_no"]},
                               [["=HYPERLINK(\"http://x\")", -3, ["盗窃", "诈骗"]]], download=1, truncated=True,
                               now=NOW)
    meta, _, row = list(csv.reader(io.StringIO(content[1:])))
    assert row == ["'=HYPERLINK(\"http://x\")", "-3", "盗窃、诈骗"]
    assert "已截断" in meta


def test_a_department_filter_outside_the_requesters_scope_is_refused_and_the_scope_is_recorded():
    """Issue 19: a civil prosecutor asked for the criminal department's cases and got them."""
    civil = Actor("u-civil", ("prosecutor",), "civil")
    from kit.errors import Forbidden
    with pytest.raises(Forbidden) as refused:
        domain.new_export(body(filters={"department": "criminal"}), civil, NOW)
    assert list(refused.value.fields) == ["filters"]
    export, _ = domain.new_export(body(filters={}), civil, NOW)
    assert export["scope"]["all_departments"] is False and export["scope"]["department"] == "civil"
    assert export["scope"]["own_records"] == "handler_id" and export["scope"]["id_numbers"] == "handled"
    assert "民事" in export["scope"]["summary"] and "本人承办" in export["scope"]["summary"]
    assert export["requester_roles"] == ["prosecutor"]
    chief_asks = domain.new_export(body(filters={"department": "criminal"}), CHIEF, NOW)[0]
    assert chief_asks["scope"]["all_departments"] is True and chief_asks["scope"]["id_numbers"] == "handled"
    inspections = domain.new_export(body(dataset="inspections", filters={}, fields_=["description"]), civil, NOW)[0]
    assert inspections["scope"]["all_departments"] is True and inspections["scope"]["id_numbers"] is None


def test_a_download_acts_for_the_requester_as_they_asked_and_not_after_a_change():
    export = pending()
    assert domain.requester(export, REQUESTER) == {"user_id": "u-req", "roles": ["prosecutor"],
                                                   "department": "criminal"}
    for changed in (Actor("u-req", ("department_head",), "criminal"), Actor("u-req", ("prosecutor",), "civil")):
        with pytest.raises(Conflict) as refused:
            domain.requester(export, changed)
        assert list(refused.value.fields) == ["scope"]
