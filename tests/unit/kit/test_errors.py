"""Typed errors: they survive an RPC hop; only infrastructure failures escape parking."""
import pytest
from nameko.exceptions import deserialize, serialize

from kit.errors import Conflict, Forbidden, NotFound, ValidationFailed


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


def test_only_infrastructure_failures_escape_parking():
    from pymongo.errors import AutoReconnect, DuplicateKeyError, ServerSelectionTimeoutError

    from kit.errors import database_unavailable
    assert database_unavailable(AutoReconnect("db away"))
    assert database_unavailable(ServerSelectionTimeoutError("no primary"))
    assert not database_unavailable(DuplicateKeyError("dup"))
    assert not database_unavailable(KeyError("bug in handler"))
