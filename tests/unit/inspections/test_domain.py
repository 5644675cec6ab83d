"""Inspection rules without a broker: the task and finding state machines, evidence gates, default
due dates by severity, re-inspection results, overdue computed from today, the statistics."""
from datetime import date, datetime, timezone

import pytest

from kit.errors import Conflict, ValidationFailed
from services.inspections import domain
from services.inspections.policy import DEFAULT_RECTIFY_DAYS, Settings

NOW = datetime(2026, 10, 1, 2, 0, tzinfo=timezone.utc)
TODAY = date(2026, 10, 1)
TASK = {"title": "消防整改督办", "department": "public_interest", "owner_id": "u-owner", "due_on": date(2026, 10, 10),
        "source": None, "description": "督促整改"}
TARGET = {"name": "福寿 养老院", "kind": "elder_care_institution", "address": None}


def task(**overrides):
    created, events = domain.new_task({**TASK, **overrides}, "u-insp", NOW, today=TODAY)
    return created


def apply(doc, changes_events):
    changes, events = changes_events
    return {**doc, **changes}, events


def test_a_task_goes_open_in_progress_done_verified():
    t = task()
    assert t["status"] == "open"
    t, _ = apply(t, domain.report_progress(t, {"note": "已部署", "percent": 40}, "u-owner", NOW))
    assert t["status"] == "in_progress" and t["percent"] == 40 and len(t["progress"]) == 1
    t, events = apply(t, domain.complete(t, {"summary": "已整改", "evidence": ["整改报告.pdf"]}, "u-owner", TODAY))
    assert t["status"] == "done" and events[0][0] == "supervision_task.completed" and events[0][1]["on_time"]
    t, events = apply(t, domain.verify_task(t, {"outcome": "accepted", "comment": "到位"}, "u-insp", NOW))
    assert t["status"] == "verified" and events[0][0] == "supervision_task.verified"


def test_a_returned_task_goes_back_to_in_progress_and_can_be_completed_again():
    t = task()
    t, _ = apply(t, domain.complete(t, {"summary": "完成", "evidence": ["a"]}, "u-owner", TODAY))
    t, events = apply(t, domain.verify_task(t, {"outcome": "returned", "comment": "材料不全"}, "u-insp", NOW))
    assert t["status"] == "in_progress" and events[0][0] == "supervision_task.returned"
    t, _ = apply(t, domain.complete(t, {"summary": "补充", "evidence": ["b"]}, "u-owner", TODAY))
    assert t["status"] == "done" and len(t["reviews"]) == 1


def test_completing_without_evidence_is_refused_naming_evidence():
    with pytest.raises(ValidationFailed) as err:
        domain.complete(task(), {"summary": "完成", "evidence": []}, "u-owner", TODAY)
    assert "evidence" in err.value.fields


@pytest.mark.parametrize("status", ["done", "verified"])
def test_a_finished_task_takes_no_progress_and_no_second_completion(status):
    t = {**task(), "status": status}
    with pytest.raises(Conflict):
        domain.report_progress(t, {"note": "x", "percent": 1}, "u-owner", NOW)
    with pytest.raises(Conflict):
        domain.complete(t, {"summary": "x", "evidence": ["e"]}, "u-owner", TODAY)


def test_only_a_done_task_is_verified():
    with pytest.raises(Conflict):
        domain.verify_task(task(), {"outcome": "accepted", "comment": ""}, "u-insp", NOW)


def test_a_due_date_in_the_past_is_refused_for_a_person_but_not_for_a_follow_up():
    with pytest.raises(ValidationFailed) as err:
        task(due_on=date(2026, 9, 30))
    assert "due_on" in err.value.fields


def test_overdue_and_days_overdue_are_computed_from_today():
    t = task()
    assert not domain.task_view(t, date(2026, 10, 10))["overdue"]
    late = domain.task_view(t, date(2026, 10, 13))
    assert late["overdue"] and late["days_overdue"] == 3
    done = domain.task_view({**t, "status": "done"}, date(2026, 10, 13))
    assert not done["overdue"] and done["days_overdue"] == 0


RULES = domain.TaskRules()  # 7, 1 and 0 days before; very overdue after 30 days


def test_reminders_only_for_active_tasks():
    t = task()  # due 2026-10-10
    assert [th.name for th in RULES.due_soon.thresholds] == ["due_soon_7d", "due_soon_1d", "due_soon_0d"]
    assert domain.task_reminder(RULES, t, "due_soon_7d", date(2026, 10, 3))[1]["days_left"] == 7
    assert domain.task_reminder(RULES, t, "due_soon_1d", date(2026, 10, 9))[1]["days_left"] == 1
    assert domain.task_reminder(RULES, t, "due_soon_0d", date(2026, 10, 10))[1]["days_left"] == 0  # due today
    assert domain.task_reminder(RULES, {**t, "status": "done"}, "due_soon_1d", date(2026, 10, 9)) is None
    # Armed late (created the day before it is due): the one-day reminder says it, not a "7 days" one.
    assert domain.task_reminder(RULES, t, "due_soon_7d", date(2026, 10, 9)) is None
    assert domain.task_reminder(RULES, t, "due_soon_1d", date(2026, 10, 11)) is None
    assert domain.task_overdue(RULES, t, "overdue", date(2026, 10, 11))[0] == "supervision_task.overdue"
    assert domain.task_overdue(RULES, t, "overdue", date(2026, 10, 10)) is None


def test_a_task_still_overdue_after_the_configured_days_goes_to_the_chief_procurator():
    t = task()  # due 2026-10-10
    event_type, payload = domain.task_overdue(RULES, t, "very_overdue", date(2026, 11, 9))
    assert event_type == "supervision_task.very_overdue" and payload["days_overdue"] == 30
    assert payload["attention_of"] == "chief_procurator"
    assert domain.task_overdue(RULES, t, "very_overdue", date(2026, 11, 8)) is None
    assert domain.task_overdue(RULES, {**t, "status": "done"}, "very_overdue", date(2026, 11, 9)) is None
    assert [(th.name, th.days) for th in RULES.overdue.thresholds] == [("overdue", 1), ("very_overdue", 30)]


def test_a_follow_up_is_due_three_months_after_the_reply_and_points_at_the_recommendation():
    payload = {"recommendation_id": "r-1", "case_id": None, "kind": "social_governance", "department": "public_interest",
               "target_unit": "某区民政局", "title": "养老机构消防", "adoption": "partially_adopted",
               "received_on": date(2026, 11, 30), "reply_due_on": date(2026, 12, 1)}
    created, events = domain.follow_up_for_reply(payload, 3, NOW)
    assert created["due_on"] == "2027-02-28" and created["source"] == {"kind": "recommendation", "id": "r-1"}
    assert created["kind"] == "follow_up" and created["department"] == "public_interest" and created["owner_id"] is None
    assert created["_id"] == domain.follow_up_for_reply(payload, 3, NOW)[0]["_id"]  # one per recommendation
    assert domain.follow_up_for_reply({**payload, "adoption": "not_adopted"}, 3, NOW) is None


def test_a_procurement_gets_an_oversight_task_for_the_inspection_office():
    payload = {"request_id": "b-1", "year": 2026, "department": "general", "category": "equipment", "title": "设备",
               "amount_fen": 38000005, "method": "public_tender", "vendor": None, "started_on": date(2026, 10, 12)}
    created, events = domain.oversight_for_procurement(payload, 3, NOW)
    assert created["department"] == "inspection" and created["source"] == {"kind": "budget_request", "id": "b-1"}
    assert created["due_on"] == "2027-01-12" and "380,000.05 元" in created["description"]


def inspection(**overrides):
    data = {"target": TARGET, "inspected_on": TODAY, "inspector_ids": ["u-a", "u-a", "u-b"],
            "categories": ["fire_safety"], "notes": "", **overrides}
    created, events, _ = domain.new_inspection(data, "u-a", NOW, TODAY)
    return created


@pytest.mark.parametrize("severity,due", [("critical", "2026-10-08"), ("high", "2026-10-16"),
                                          ("medium", "2026-10-31"), ("low", "2026-11-30")])
def test_a_finding_without_rectify_by_is_due_by_its_severity(severity, due):
    finding, events = domain.new_finding(inspection(), {"category": "fire_safety", "severity": severity,
                                                        "description": "通道堵塞", "rectify_by": None},
                                         "u-a", NOW, DEFAULT_RECTIFY_DAYS)
    assert finding["rectify_by"] == due and finding["rectify_by_default"]
    assert events[0][0] == "finding.recorded"


def test_the_severity_days_are_configured():
    settings = Settings.from_config({"INSPECTIONS_RECTIFY_DAYS_CRITICAL": "3"})
    assert settings.rectify_days == {**DEFAULT_RECTIFY_DAYS, "critical": 3}
    finding, _ = domain.new_finding(inspection(), {"category": "cctv", "severity": "critical", "description": "x",
                                                   "rectify_by": None}, "u-a", NOW, settings.rectify_days)
    assert finding["rectify_by"] == "2026-10-04"


def test_a_given_rectify_by_before_the_inspection_is_refused():
    with pytest.raises(ValidationFailed) as err:
        domain.new_finding(inspection(), {"category": "cctv", "severity": "low", "description": "x",
                                          "rectify_by": date(2026, 9, 1)}, "u-a", NOW, DEFAULT_RECTIFY_DAYS)
    assert "rectify_by" in err.value.fields


def test_an_inspection_in_the_future_is_refused():
    with pytest.raises(ValidationFailed) as err:
        inspection(inspected_on=date(2026, 10, 2))
    assert "inspected_on" in err.value.fields


def finding(status="open", **overrides):
    created, _ = domain.new_finding(inspection(), {"category": "food_safety", "severity": "high",
                                                   "description": "过期食品", "rectify_by": None},
                                    "u-a", NOW, DEFAULT_RECTIFY_DAYS)
    return {**created, "status": status, **overrides}


def test_rectify_needs_evidence_then_verify_accepts_or_rejects():
    f = finding()
    with pytest.raises(ValidationFailed) as err:
        domain.rectify(f, {"rectified_on": TODAY, "evidence": []}, "u-a", NOW, TODAY)
    assert "evidence" in err.value.fields
    f, events = apply(f, domain.rectify(f, {"rectified_on": TODAY, "evidence": ["照片"]}, "u-a", NOW, TODAY))
    assert f["status"] == "rectified" and events[0][0] == "finding.rectified"
    rejected, events = apply(f, domain.verify_finding(f, {"outcome": "rejected", "comment": "未清理"}, "u-i", NOW))
    assert rejected["status"] == "open" and rejected["rectification"] is None and events[0][1]["outcome"] == "rejected"
    accepted, events = apply(f, domain.verify_finding(f, {"outcome": "accepted", "comment": ""}, "u-i", NOW))
    assert accepted["status"] == "verified" and events[0][0] == "finding.verified"


def test_only_open_findings_are_rectified_and_only_rectified_ones_verified():
    with pytest.raises(Conflict):
        domain.rectify(finding("verified"), {"rectified_on": TODAY, "evidence": ["x"]}, "u-a", NOW, TODAY)
    with pytest.raises(Conflict):
        domain.verify_finding(finding("open"), {"outcome": "accepted"}, "u-i", NOW)


def test_a_rectification_dated_in_the_future_is_refused():
    with pytest.raises(ValidationFailed) as err:
        domain.rectify(finding(), {"rectified_on": date(2026, 10, 2), "evidence": ["x"]}, "u-a", NOW, TODAY)
    assert "rectified_on" in err.value.fields


def test_an_open_finding_past_rectify_by_is_overdue():
    f = finding()  # high: due 2026-10-16
    assert not domain.finding_view(f, date(2026, 10, 16))["overdue"]
    assert domain.finding_view(f, date(2026, 10, 20))["days_overdue"] == 4
    assert not domain.finding_view({**f, "status": "rectified"}, date(2026, 10, 20))["overdue"]
    assert domain.finding_overdue(f, date(2026, 10, 17))[0] == "finding.overdue"
    assert domain.finding_overdue({**f, "status": "verified"}, date(2026, 10, 17)) is None


def test_a_reinspection_lists_each_earlier_finding_judged_or_from_its_status():
    earlier = inspection()
    fixed, present, judged = finding("verified"), finding("rectified"), finding("verified")
    data = {"target": None, "inspected_on": date(2026, 10, 1), "inspector_ids": ["u-a"], "categories": ["fire_safety"],
            "earlier_findings": [{"finding_id": judged["_id"], "result": "still_present"}]}
    created, events, results = domain.new_inspection(data, "u-a", NOW, TODAY, earlier, [fixed, present, judged])
    assert results == {fixed["_id"]: "fixed", present["_id"]: "still_present", judged["_id"]: "still_present"}
    assert created["target"] == earlier["target"] and created["reinspection_of"] == earlier["_id"]
    assert events[0][1]["earlier_findings"][0] == {"finding_id": fixed["_id"], "result": "fixed"}


def test_a_reinspection_naming_a_finding_of_another_inspection_is_refused():
    data = {"target": TARGET, "inspected_on": TODAY, "inspector_ids": ["u-a"], "categories": ["cctv"],
            "earlier_findings": [{"finding_id": "elsewhere", "result": "fixed"}]}
    with pytest.raises(ValidationFailed) as err:
        domain.new_inspection(data, "u-a", NOW, TODAY, inspection(), [finding()])
    assert "earlier_findings" in err.value.fields


def test_a_verified_finding_still_present_is_open_again_with_a_new_due_date():
    again = {**inspection(), "inspected_on": "2026-11-01"}
    changes = domain.still_present(finding("verified"), again, DEFAULT_RECTIFY_DAYS)
    assert changes["status"] == "open" and changes["rectify_by"] == "2026-11-16"
    assert "status" not in domain.still_present(finding("open"), again, DEFAULT_RECTIFY_DAYS)


def test_statistics_count_distinct_institutions_and_findings():
    first, second = inspection(), inspection(target={**TARGET, "name": "福寿养老院"})  # same after spaces
    other = inspection(target={**TARGET, "name": "康乐养老院"})
    reinspection = {**inspection(), "reinspection_of": first["_id"],
                    "earlier_findings": [{"result": "still_present"}, {"result": "fixed"}]}
    findings = [finding("open", rectify_by="2026-09-01"), finding("rectified"), finding("verified", category="cctv")]
    result = domain.stats([first, second, other, reinspection], findings, TODAY)
    assert result["institutions_inspected"] == 2 and result["inspections"] == 4 and result["reinspections"] == 1
    assert result["findings_by_category"] == {"food_safety": 2, "cctv": 1}
    assert result["findings_by_severity"] == {"high": 3}
    assert (result["rectified"], result["verified"], result["open"], result["overdue"]) == (2, 1, 1, 1)
    assert (result["still_present"], result["fixed_on_reinspection"]) == (1, 1)


def test_a_reminder_whose_day_came_before_the_task_was_assigned_is_not_said():
    t = task(due_on=date(2026, 10, 6))  # assigned 1 Oct, due in 5 days: no "7 days left"
    assert domain.task_reminder(RULES, t, "due_soon_7d", date(2026, 10, 1)) is None
    assert domain.task_reminder(RULES, t, "due_soon_1d", date(2026, 10, 5))[1]["days_left"] == 1
