"""Who may decide, see, list and download an export."""
import pytest

from kit.context import Actor
from kit.errors import Forbidden
from services.exports import policy

EXPORT = {"requested_by": "u-req"}
REQUESTER = Actor("u-req", ("prosecutor",), "criminal")
CHIEF = Actor("u-chief", ("chief_procurator",), "leadership")


@pytest.mark.parametrize("role", ["prosecutor", "department_head", "case_manager", "inspector", "finance",
                                  "party_group", "admin"])
def test_only_the_chief_procurator_decides(role):
    with pytest.raises(Forbidden):
        policy.ensure_can_decide(Actor("u-x", (role,), "general"), EXPORT)
    policy.ensure_can_decide(CHIEF, EXPORT)


def test_nobody_decides_their_own_request_not_even_the_chief_procurator():
    with pytest.raises(Forbidden):
        policy.ensure_can_decide(CHIEF, {"requested_by": "u-chief"})


def test_only_the_requester_downloads():
    policy.ensure_can_download(REQUESTER, EXPORT)
    for actor in (CHIEF, Actor("u-admin", ("admin",), "general"), Actor("u-other", ("prosecutor",), "criminal")):
        with pytest.raises(Forbidden):
            policy.ensure_can_download(actor, EXPORT)


def test_requester_and_overseers_see_a_request_others_do_not():
    for actor in (REQUESTER, CHIEF, Actor("u-i", ("inspector",), "inspection"), Actor("u-a", ("admin",), "general")):
        policy.ensure_can_view(actor, EXPORT)
    with pytest.raises(Forbidden):
        policy.ensure_can_view(Actor("u-other", ("department_head",), "criminal"), EXPORT)


def test_lists_are_scoped_to_ones_own_requests_unless_overseeing():
    assert policy.list_scope(REQUESTER, None) == "u-req"
    assert policy.list_scope(CHIEF, None) is None and policy.list_scope(CHIEF, "u-req") == "u-req"
    with pytest.raises(Forbidden):
        policy.list_scope(REQUESTER, "u-other")
