"""Who may act on supervision tasks, inspections and findings."""
import pytest

from kit.context import Actor
from kit.errors import Forbidden
from services.inspections import policy


def actor(role, department="public_interest", user_id="u-1"):
    return Actor(user_id=user_id, roles=(role,), department=department)


TASK = {"department": "public_interest", "owner_id": "u-owner"}


@pytest.mark.parametrize("role", ["inspector", "chief_procurator"])
def test_inspectors_and_the_chief_assign_to_any_department(role):
    policy.ensure_can_create_task(actor(role, "inspection"), "criminal")


def test_a_department_head_assigns_only_to_their_own_department():
    policy.ensure_can_create_task(actor("department_head", "criminal"), "criminal")
    with pytest.raises(Forbidden):
        policy.ensure_can_create_task(actor("department_head", "criminal"), "civil")


@pytest.mark.parametrize("role", ["prosecutor", "case_manager", "finance", "admin"])
def test_other_roles_do_not_assign(role):
    with pytest.raises(Forbidden):
        policy.ensure_can_create_task(actor(role), "public_interest")


def test_only_the_owner_works_an_owned_task():
    policy.ensure_can_work_task(actor("prosecutor", user_id="u-owner"), TASK)
    with pytest.raises(Forbidden):
        policy.ensure_can_work_task(actor("department_head"), TASK)


def test_an_unowned_task_is_worked_by_its_department_head_or_for_the_inspection_office_an_inspector():
    unowned = {**TASK, "owner_id": None}
    policy.ensure_can_work_task(actor("department_head"), unowned)
    with pytest.raises(Forbidden):
        policy.ensure_can_work_task(actor("prosecutor"), unowned)
    with pytest.raises(Forbidden):
        policy.ensure_can_work_task(actor("inspector", "inspection"), unowned)
    policy.ensure_can_work_task(actor("inspector", "inspection"), {"department": "inspection", "owner_id": None})


def test_a_task_is_seen_by_its_department_its_owner_and_cross_department_roles():
    policy.ensure_can_view_task(actor("prosecutor"), TASK)
    policy.ensure_can_view_task(actor("prosecutor", "civil", "u-owner"), TASK)
    policy.ensure_can_view_task(actor("inspector", "inspection"), TASK)
    with pytest.raises(Forbidden):
        policy.ensure_can_view_task(actor("prosecutor", "civil"), TASK)


def test_only_inspectors_verify():
    policy.ensure_can_verify(actor("inspector"))
    with pytest.raises(Forbidden):
        policy.ensure_can_verify(actor("chief_procurator"))


def test_rectification_is_reported_by_the_inspection_staff_or_an_inspector():
    inspection = {"created_by": "u-rec", "inspector_ids": ["u-a"]}
    for who in (actor("prosecutor", user_id="u-rec"), actor("prosecutor", user_id="u-a"), actor("inspector")):
        policy.ensure_can_rectify(who, {}, inspection)
    with pytest.raises(Forbidden):
        policy.ensure_can_rectify(actor("department_head"), {}, inspection)


def test_only_the_inspections_own_staff_and_the_inspection_office_add_findings():
    from kit.context import Actor
    inspection = {"created_by": "u-recorder", "inspector_ids": ["u-a", "u-b"]}
    for actor in (Actor("u-recorder", ("prosecutor",), "civil"), Actor("u-a", ("prosecutor",), "criminal"),
                  Actor("u-office", ("inspector",), "inspection")):
        policy.ensure_can_record_finding(actor, inspection)
    for actor in (Actor("u-stranger", ("prosecutor",), "criminal"), Actor("u-head", ("department_head",), "civil"),
                  Actor("u-chief", ("chief_procurator",), "leadership")):
        with pytest.raises(Forbidden):
            policy.ensure_can_record_finding(actor, inspection)


def test_an_interference_record_names_a_case_the_filer_may_read():
    from kit.errors import ValidationFailed
    policy.ensure_filed_on_visible_case("c1", {"case_id": "c1", "department": "criminal"})
    for case in (None, {}, {"case_id": "c2"}):
        with pytest.raises(ValidationFailed) as err:
            policy.ensure_filed_on_visible_case("c1", case)
        assert list(err.value.fields) == ["case_id"]
