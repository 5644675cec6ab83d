"""Cursor pagination in a stable order: newest first, ties broken by id.

The cursor is opaque to clients: the (created_at, _id) of the last item seen,
as base64url JSON. A client can send anything back, so a cursor is checked
completely (encoding, shape, types, ranges, valid text) before any part of it
reaches a query: a tampered one is a 400, never a 500.
"""
import base64
import binascii
import json
import re
from datetime import datetime, timezone

from pymongo import DESCENDING

from kit.errors import ValidationFailed

ORDER = [("created_at", DESCENDING), ("_id", DESCENDING)]
MAX_CURSOR_LENGTH = 512
CURSOR_PATTERN = r"^[A-Za-z0-9_-]+$"  # base64url without padding
_ID = re.compile(r"[A-Za-z0-9_.:-]{1,128}")
_INVALID = "无效的分页游标"


def encode_cursor(doc):
    raw = json.dumps([doc["created_at"].isoformat(), doc["_id"]]).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(value):
    try:
        return _decode(value)
    except (ValueError, TypeError, OverflowError, UnicodeError, binascii.Error, RecursionError):
        raise ValidationFailed("请求参数有误", fields={"cursor": [_INVALID]}) from None


def _decode(value):
    if not isinstance(value, str) or not value or len(value) > MAX_CURSOR_LENGTH or not value.isascii():
        raise ValueError("cursor shape")
    padded = value + "=" * (-len(value) % 4)
    parts = json.loads(base64.urlsafe_b64decode(padded.encode("ascii")).decode("utf-8"))
    if not isinstance(parts, list) or len(parts) != 2 or not all(isinstance(p, str) for p in parts):
        raise ValueError("cursor parts")
    created_at, doc_id = parts
    if not _ID.fullmatch(doc_id):
        raise ValueError("cursor id")
    moment = datetime.fromisoformat(created_at)
    if moment.tzinfo is None:
        raise ValueError("cursor time without zone")
    # Converting to UTC is where year 1 at +14:00 or year 9999 at -14:00 overflow: do it here.
    return moment.astimezone(timezone.utc), doc_id


def after_cursor(cursor):
    created_at, doc_id = decode_cursor(cursor)
    return {"$or": [{"created_at": {"$lt": created_at}},
                    {"created_at": created_at, "_id": {"$lt": doc_id}}]}


def paginate(collection, query, limit, cursor=None):
    """Return (docs, next_cursor) for one page of ``query`` in ORDER."""
    if cursor:
        query = {"$and": [query, after_cursor(cursor)]} if query else after_cursor(cursor)
    docs = list(collection.find(query).sort(ORDER).limit(limit + 1))
    next_cursor = encode_cursor(docs[limit - 1]) if len(docs) > limit else None
    return docs[:limit], next_cursor
