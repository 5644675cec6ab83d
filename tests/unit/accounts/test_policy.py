import pytest

from kit.context import Actor
from kit.errors import Conflict, Forbidden
from services.accounts import policy

ADMIN = Actor("u-admin", ("admin",), "general")


def test_only_admins_manage_accounts():
    policy.ensure_admin(ADMIN)
    for role in ("department_head", "chief_procurator", "inspector"):
        with pytest.raises(Forbidden):
            policy.ensure_admin(Actor("u", (role,), "criminal"))


@pytest.mark.parametrize("changes", [{"active": False}, {"roles": ["admin", "prosecutor"]}, {"department": "civil"}])
def test_an_admin_does_not_change_their_own_access(changes):
    with pytest.raises(Conflict) as refused:
        policy.ensure_not_own_access(ADMIN, "u-admin", changes)
    assert set(refused.value.fields) == set(changes)


def test_an_admin_changes_their_own_name_and_anyone_elses_access():
    policy.ensure_not_own_access(ADMIN, "u-admin", {"display_name": "新名字"})
    policy.ensure_not_own_access(ADMIN, "u-other", {"active": False, "roles": ["prosecutor"]})


def test_users_are_seen_within_the_department_scope_and_oneself_always():
    head = Actor("u-head", ("department_head",), "criminal")
    policy.ensure_can_view(head, {"_id": "u-x", "department": "criminal"})
    policy.ensure_can_view(head, {"_id": "u-head", "department": "civil"})
    with pytest.raises(Forbidden):
        policy.ensure_can_view(head, {"_id": "u-y", "department": "civil"})
    policy.ensure_can_view(Actor("u-i", ("inspector",), "inspection"), {"_id": "u-y", "department": "civil"})
