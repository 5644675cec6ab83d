"""Who may act in budgeting."""
import pytest

from kit.context import Actor
from kit.errors import Forbidden
from services.budgeting import policy

FINANCE = Actor("u-fin", ("finance",), "finance")
PARTY = Actor("u-party", ("party_group",), "leadership")
HEAD = Actor("u-head", ("department_head",), "criminal")
PROSECUTOR = Actor("u-pros", ("prosecutor",), "criminal")
OTHER_PROSECUTOR = Actor("u-pros2", ("prosecutor",), "criminal")
CIVIL_HEAD = Actor("u-civil", ("department_head",), "civil")
ADMIN = Actor("u-admin", ("admin",), "general")
INSPECTOR = Actor("u-insp", ("inspector",), "inspection")
REQUEST = {"department": "criminal", "requested_by": "u-pros", "status": "submitted"}


@pytest.mark.parametrize("check, allowed", [
    (policy.ensure_can_set_allocation, [FINANCE]),
    (policy.ensure_can_review, [FINANCE]),
    (policy.ensure_can_decide, [PARTY]),
    (policy.ensure_can_run_procurement, [FINANCE]),
    (policy.ensure_can_register_vehicle, [FINANCE, ADMIN]),
    (policy.ensure_can_see_report, [FINANCE, PARTY, ADMIN, INSPECTOR]),
])
def test_role_rules(check, allowed):
    for actor in (FINANCE, PARTY, HEAD, PROSECUTOR, ADMIN, INSPECTOR):
        if actor in allowed:
            check(actor)
        else:
            with pytest.raises(Forbidden):
                check(actor)


def test_only_staff_of_the_department_submit_for_it():
    policy.ensure_can_submit(HEAD, "criminal")
    policy.ensure_can_submit(PROSECUTOR, "criminal")
    for actor, department in ((CIVIL_HEAD, "criminal"), (FINANCE, "finance"), (ADMIN, "criminal"),
                              (PARTY, "leadership")):
        with pytest.raises(Forbidden):
            policy.ensure_can_submit(actor, department)


def test_cancel_the_requester_or_head_before_the_decision_finance_always():
    policy.ensure_can_cancel(PROSECUTOR, REQUEST)
    policy.ensure_can_cancel(HEAD, REQUEST)
    for actor in (OTHER_PROSECUTOR, CIVIL_HEAD, PARTY):
        with pytest.raises(Forbidden):
            policy.ensure_can_cancel(actor, REQUEST)
    approved = {**REQUEST, "status": "in_procurement"}
    with pytest.raises(Forbidden):
        policy.ensure_can_cancel(PROSECUTOR, approved)
    policy.ensure_can_cancel(FINANCE, approved)


def test_viewing_is_scoped_to_the_department_unless_cross_department():
    policy.ensure_can_view(PROSECUTOR, REQUEST)
    policy.ensure_can_view(FINANCE, REQUEST)
    policy.ensure_can_view(PARTY, REQUEST)
    with pytest.raises(Forbidden):
        policy.ensure_can_view(CIVIL_HEAD, REQUEST)


def test_a_booking_is_cancelled_by_its_booker_finance_or_admin():
    booking = {"booked_by": "u-pros"}
    for actor in (PROSECUTOR, FINANCE, ADMIN):
        policy.ensure_can_cancel_booking(actor, booking)
    with pytest.raises(Forbidden):
        policy.ensure_can_cancel_booking(HEAD, booking)
