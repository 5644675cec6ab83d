"""The inbox gives the same notifications in the same order as before the lists were made fast (the
plain query sorted by the database), page by page, all and unread only."""
import random
import uuid
from datetime import timedelta

import pytest

from kit import clock
from kit.mongo import ensure_indexes
from kit.pagination import ORDER
from services.notifications.storage import INDEXES, NOTIFICATIONS, NotificationStore


@pytest.fixture
def store(service_db):
    db = service_db("notifications")
    ensure_indexes(db, INDEXES)
    rng, now = random.Random(5), clock.now()
    docs = []
    for i in range(600):
        moment = (now - timedelta(minutes=rng.randint(0, 60 * 24 * 200))).replace(microsecond=0)
        docs.append({"_id": uuid.uuid4().hex, "event_id": uuid.uuid4().hex, "recipient_id": f"u{i % 4}",
                     "channel": ["in_app", "email"][i % 5 == 0], "created_at": moment,
                     "read_at": None if i % 3 else moment})
    db[NOTIFICATIONS].insert_many(docs)
    return NotificationStore(db, outbox=None)


@pytest.mark.parametrize("unread_only", [False, True])
@pytest.mark.parametrize("limit", [7, 50])
def test_inbox_pages_are_the_same_as_before(store, unread_only, limit):
    query = {"recipient_id": "u1", "channel": "in_app", **({"read_at": None} if unread_only else {})}
    expected = [doc["_id"] for doc in store._notifications.find(query).sort(ORDER)]
    seen, cursor = [], None
    while True:
        items, cursor = store.for_recipient("u1", unread_only=unread_only, limit=limit, cursor=cursor)
        seen += [item["_id"] for item in items]
        if not cursor:
            break
    assert expected and seen == expected
