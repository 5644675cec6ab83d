"""Cursor pagination in a stable order: newest first, ties broken by id.

The cursor is opaque to clients: the (created_at, _id) of the last item seen.
"""
import base64
import json
from datetime import datetime

from pymongo import DESCENDING

from kit.errors import ValidationFailed

ORDER = [("created_at", DESCENDING), ("_id", DESCENDING)]


def encode_cursor(doc):
    raw = json.dumps([doc["created_at"].isoformat(), doc["_id"]]).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(value):
    try:
        padded = value + "=" * (-len(value) % 4)
        created_at, doc_id = json.loads(base64.urlsafe_b64decode(padded.encode()))
        return datetime.fromisoformat(created_at), str(doc_id)
    except (ValueError, TypeError):
        raise ValidationFailed("请求参数有误", fields={"cursor": ["无效的分页游标"]}) from None


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
