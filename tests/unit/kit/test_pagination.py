"""Cursors are checked completely before they reach a query."""
import base64
import json
from datetime import datetime, timezone

import pytest

from kit.errors import ValidationFailed
from kit.pagination import decode_cursor, encode_cursor


def _cursor(parts):
    return base64.urlsafe_b64encode(json.dumps(parts).encode()).decode().rstrip("=")


@pytest.mark.parametrize("cursor", [_cursor(["0001-01-01T00:00:00+14:00", "x"]),
                                    _cursor(["9999-12-31T23:59:59-14:00", "x"]),
                                    _cursor(["2026-01-01T00:00:00+00:00", "\ud800"]),
                                    _cursor(["2026-01-01T00:00:00", "x"]), _cursor([1, "x"]),
                                    base64.urlsafe_b64encode(b"\xff").decode(), "é", "x" * 600, ""])
def test_a_tampered_cursor_is_a_validation_error(cursor):
    with pytest.raises(ValidationFailed) as refused:
        decode_cursor(cursor)
    assert refused.value.fields == {"cursor": ["无效的分页游标"]}


def test_a_cursor_with_another_zone_is_read_as_utc():
    when, doc_id = decode_cursor(_cursor(["2026-01-01T08:00:00+08:00", "abc"]))
    assert when == datetime(2026, 1, 1, tzinfo=timezone.utc) and doc_id == "abc"


def test_cursor_round_trips_and_rejects_garbage():
    when = datetime(2026, 11, 25, 8, 0, 0, 123000, tzinfo=timezone.utc)
    assert decode_cursor(encode_cursor({"created_at": when, "_id": "abc"})) == (when, "abc")
    with pytest.raises(ValidationFailed) as err:
        decode_cursor("not-a-cursor")
    assert "cursor" in err.value.fields
