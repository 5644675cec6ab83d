"""Recipient specs resolved against the users' projection."""
from services.notifications.recipients import Directory, Recipient, resolve

USERS = [
    {"_id": "li", "department": "criminal", "roles": ["prosecutor"], "active": True},
    {"_id": "wang", "department": "criminal", "roles": ["department_head"], "active": True},
    {"_id": "old-head", "department": "criminal", "roles": ["department_head"], "active": False},
    {"_id": "zhao", "department": "civil", "roles": ["department_head"], "active": True},
    {"_id": "chief", "department": "leadership", "roles": ["chief_procurator"], "active": True},
    {"_id": "gone", "department": "criminal", "roles": ["prosecutor"], "active": False},
    {"_id": "insp", "department": "inspection", "roles": ["inspector"], "active": True},
]
DIRECTORY = Directory(USERS)


def ids(recipients):
    return [r.user_id for r in recipients]


def test_the_user_named_by_the_event():
    assert resolve(("user:handler_id",), {"handler_id": "li"}, DIRECTORY) == [Recipient("li")]


def test_a_user_the_projection_does_not_know_yet_still_receives():
    assert resolve(("user:handler_id",), {"handler_id": "new"}, DIRECTORY) == [Recipient("new")]


def test_a_deactivated_user_is_marked_inactive():
    assert resolve(("user:handler_id",), {"handler_id": "gone"}, DIRECTORY) == [Recipient("gone", active=False)]


def test_no_user_named_means_no_recipient():
    assert resolve(("user:handler_id",), {"handler_id": None}, DIRECTORY) == []


def test_department_head_of_the_events_department_only_active_ones():
    assert ids(resolve(("department_head:department",), {"department": "criminal"}, DIRECTORY)) == ["wang"]


def test_department_head_of_a_users_own_department():
    assert ids(resolve(("department_head_of_user:drafter_id",), {"drafter_id": "li"}, DIRECTORY)) == ["wang"]
    assert resolve(("department_head_of_user:drafter_id",), {"drafter_id": "unknown"}, DIRECTORY) == []


def test_the_chief_procurator_and_a_department():
    assert ids(resolve(("role:chief_procurator",), {}, DIRECTORY)) == ["chief"]
    assert ids(resolve(("department:inspection",), {}, DIRECTORY)) == ["insp"]


def test_a_user_named_twice_receives_once():
    payload = {"handler_id": "wang", "department": "criminal"}
    assert ids(resolve(("user:handler_id", "department_head:department"), payload, DIRECTORY)) == ["wang"]


def test_every_user_of_a_list_field_unknown_ones_too_deactivated_ones_marked():
    payload = {"inspector_ids": ["insp", "gone", "new", "insp"]}
    assert resolve(("users:inspector_ids",), payload, DIRECTORY) == [
        Recipient("insp"), Recipient("gone", active=False), Recipient("new")]
    assert resolve(("users:inspector_ids",), {"inspector_ids": []}, DIRECTORY) == []
    assert resolve(("users:inspector_ids",), {}, DIRECTORY) == []


def test_alternatives_take_the_first_that_finds_anyone():
    spec = ("user:owner_id|department_head:department",)
    assert ids(resolve(spec, {"owner_id": "li", "department": "criminal"}, DIRECTORY)) == ["li"]
    assert ids(resolve(spec, {"owner_id": None, "department": "criminal"}, DIRECTORY)) == ["wang"]
    assert resolve(spec, {"owner_id": None, "department": "public_interest"}, DIRECTORY) == []
