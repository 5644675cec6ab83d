import pytest

from kit.context import Actor
from kit.errors import Forbidden, ValidationFailed
from services.cases import policy

CASE = {"department": "criminal"}


def actor(role, department="criminal"):
    return Actor(f"u-{role}", (role,), department)


def test_prosecutor_may_register_and_transition_in_own_department():
    policy.ensure_can_register(actor("prosecutor"), "criminal")
    policy.ensure_can_transition(actor("prosecutor"), CASE)


def test_prosecutor_may_not_touch_another_departments_case():
    other = actor("prosecutor", "civil")
    for check in (lambda: policy.ensure_can_view(other, CASE), lambda: policy.ensure_can_transition(other, CASE),
                  lambda: policy.ensure_can_register(other, "criminal")):
        with pytest.raises(Forbidden):
            check()


@pytest.mark.parametrize("role", ["prosecutor", "chief_procurator"])
def test_a_prosecutor_cannot_assign_nor_take_a_case(role):
    """Issue 19: a second prosecutor of the department made themselves the handler."""
    case = {"department": "criminal", "handler_id": "u-first"}
    for target in ("u-" + role, "u-first", "u-third"):
        with pytest.raises(Forbidden):
            policy.ensure_can_assign(actor(role), case, target)
    with pytest.raises(Forbidden):  # nor hand back a case that is not theirs
        policy.ensure_can_assign(actor(role), case, None)


@pytest.mark.parametrize("role,department", [("department_head", "criminal"), ("case_manager", "case_management"),
                                             ("admin", "general")])
def test_heads_case_management_and_admin_assign(role, department):
    policy.ensure_can_assign(actor(role, department), {"department": "criminal", "handler_id": "u-x"}, "u-y")


def test_the_handler_hands_the_case_back_but_does_not_pass_it_on():
    handler = Actor("u-h", ("prosecutor",), "criminal")
    case = {"department": "criminal", "handler_id": "u-h"}
    policy.ensure_can_assign(handler, case, None)
    with pytest.raises(Forbidden):
        policy.ensure_can_assign(handler, case, "u-colleague")


def test_registering_names_oneself_or_nobody_unless_an_assigner():
    policy.ensure_can_name_handler_at_registration(actor("prosecutor"), None)
    policy.ensure_can_name_handler_at_registration(actor("prosecutor"), "u-prosecutor")
    with pytest.raises(Forbidden) as err:
        policy.ensure_can_name_handler_at_registration(actor("prosecutor"), "u-other")
    assert "handler_id" in err.value.fields
    policy.ensure_can_name_handler_at_registration(actor("department_head"), "u-other")


@pytest.mark.parametrize("role", ["inspector", "finance", "party_group"])
def test_see_only_roles_cannot_register_assign_or_transition(role):
    for check in (lambda: policy.ensure_can_register(actor(role, "criminal"), "criminal"),
                  lambda: policy.ensure_can_assign(actor(role, "criminal"), CASE, "u-x"),
                  lambda: policy.ensure_can_transition(actor(role, "criminal"), CASE)):
        with pytest.raises(Forbidden):
            check()


def test_department_head_assigns_only_in_own_department():
    policy.ensure_can_assign(actor("department_head"), CASE, "u-x")
    with pytest.raises(Forbidden):
        policy.ensure_can_assign(actor("department_head", "civil"), CASE, "u-x")


@pytest.mark.parametrize("role", ["case_manager", "inspector", "chief_procurator", "finance", "party_group", "admin"])
def test_cross_department_roles_see_every_department(role):
    policy.ensure_can_view(actor(role, "general"), CASE)
    assert actor(role, "general").scoped_department(None) is None


def test_finance_sees_but_cannot_register_or_transition():
    with pytest.raises(Forbidden):
        policy.ensure_can_register(actor("finance", "finance"), "criminal")
    with pytest.raises(Forbidden):
        policy.ensure_can_transition(actor("finance", "finance"), CASE)


def test_list_scope_forces_own_department_and_refuses_another():
    assert actor("prosecutor").scoped_department(None) == "criminal"
    assert actor("prosecutor").scoped_department("criminal") == "criminal"
    with pytest.raises(Forbidden):
        actor("prosecutor").scoped_department("civil")


def test_the_handler_sees_and_transitions_their_case_even_from_another_department():
    handler = Actor("u-h", ("prosecutor",), "civil")
    case = {"department": "criminal", "handler_id": "u-h"}
    policy.ensure_can_view(handler, case)
    policy.ensure_can_transition(handler, case)
    with pytest.raises(Forbidden):  # handling a case is not a licence to re-assign it
        policy.ensure_can_assign(handler, case, "u-someone")
    with pytest.raises(Forbidden):
        policy.ensure_can_view(Actor("u-other", ("prosecutor",), "civil"), case)


def test_a_case_without_a_handler_is_not_handled_by_anyone():
    assert not policy.handles(Actor("", ("prosecutor",), "civil"), {"department": "criminal", "handler_id": None})


def test_list_scope_adds_the_users_own_cases_only_when_no_department_was_asked_for():
    prosecutor = actor("prosecutor", "civil")
    assert policy.list_scope(prosecutor, None) == ("civil", "u-prosecutor")
    assert policy.list_scope(prosecutor, "civil") == ("civil", None)
    assert policy.list_scope(actor("inspector", "inspection"), None) == (None, None)
    with pytest.raises(Forbidden):
        policy.list_scope(prosecutor, "criminal")


def account(role, department="criminal"):
    return {"user_id": f"h-{role}", "roles": [role], "department": department}


@pytest.mark.parametrize("role", ["prosecutor", "department_head"])
def test_a_case_handling_role_of_the_cases_department_may_handle_it(role):
    policy.ensure_valid_handler(actor("department_head"), "criminal", account(role))


@pytest.mark.parametrize("role", ["inspector", "finance", "party_group", "case_manager", "chief_procurator", "admin"])
def test_other_roles_cannot_be_made_handler(role):
    with pytest.raises(ValidationFailed) as refused:
        policy.ensure_valid_handler(actor("chief_procurator", "leadership"), "criminal", account(role))
    assert "handler_id" in refused.value.fields


def test_a_handler_of_another_department_needs_a_cross_department_assigner():
    stranger = account("prosecutor", "civil")
    for assigner in (actor("department_head"), actor("prosecutor")):
        with pytest.raises(ValidationFailed):
            policy.ensure_valid_handler(assigner, "criminal", stranger)
    for assigner in (actor("case_manager", "case_management"), actor("chief_procurator", "leadership"),
                     actor("admin", "general")):
        policy.ensure_valid_handler(assigner, "criminal", stranger)


def test_no_account_is_no_handler():
    with pytest.raises(ValidationFailed):
        policy.ensure_valid_handler(actor("department_head"), "criminal", None)
