"""The kit's pure parts: errors across RPC, cursors, context."""
from datetime import datetime, timezone

import pytest
from nameko.exceptions import deserialize, serialize

from kit.context import Actor
from kit.errors import Conflict, Forbidden, NotFound, ValidationFailed
from kit.pagination import decode_cursor, encode_cursor


@pytest.mark.parametrize("error_cls,status", [(ValidationFailed, 400), (Forbidden, 403), (NotFound, 404),
                                              (Conflict, 409)])
def test_domain_errors_survive_an_rpc_hop_with_their_fields(error_cls, status):
    original = error_cls("案号已存在", fields={"case_no": ["案号已存在"]})
    again = deserialize(serialize(original))
    assert type(again) is error_cls
    assert again.http_status == status
    assert again.to_dict() == {"code": original.code, "message": "案号已存在", "fields": {"case_no": ["案号已存在"]}}


@pytest.mark.parametrize("error_cls", [ValidationFailed, Forbidden, NotFound, Conflict])
def test_a_domain_error_without_fields_crosses_rpc_without_inventing_any(error_cls):
    again = deserialize(serialize(error_cls("案件不存在")))
    assert again.fields is None
    assert again.to_dict() == {"code": error_cls.code, "message": "案件不存在"}


def test_cursor_round_trips_and_rejects_garbage():
    when = datetime(2026, 11, 25, 8, 0, 0, 123000, tzinfo=timezone.utc)
    assert decode_cursor(encode_cursor({"created_at": when, "_id": "abc"})) == (when, "abc")
    with pytest.raises(ValidationFailed) as err:
        decode_cursor("not-a-cursor")
    assert "cursor" in err.value.fields


def test_actor_round_trips_and_requires_a_user_id():
    actor = Actor("u1", ("prosecutor",), "criminal")
    assert Actor.from_dict(actor.to_dict()) == actor
    assert Actor.from_dict({}) is None and Actor.from_dict(None) is None


def test_only_infrastructure_failures_escape_parking():
    from pymongo.errors import AutoReconnect, DuplicateKeyError, ServerSelectionTimeoutError

    from kit.errors import database_unavailable
    assert database_unavailable(AutoReconnect("db away"))
    assert database_unavailable(ServerSelectionTimeoutError("no primary"))
    assert not database_unavailable(DuplicateKeyError("dup"))
    assert not database_unavailable(KeyError("bug in handler"))


def test_outbox_sequence_is_strictly_increasing_even_within_one_clock_tick():
    from kit.outbox import next_sequence
    values = [next_sequence() for _ in range(10000)]
    assert all(later > earlier for earlier, later in zip(values[:-1], values[1:], strict=True))
