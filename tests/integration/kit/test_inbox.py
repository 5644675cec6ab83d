"""kit.events.Inbox against a real SecantusDB: only a clash on the inbox key means "duplicate"."""
import uuid

import pytest
from pymongo import ASCENDING, IndexModel
from pymongo.errors import DuplicateKeyError

from kit.events import PROCESSED, Inbox, _InboxHandle, reliable_event_handler
from kit.mongo import ensure_indexes
from kit.storage import Storage, Store
from tests.support.amqp import publish_event, queue_messages
from tests.support.waiting import wait_for

BUSINESS_INDEX = {"things": [IndexModel([("ref", ASCENDING)], unique=True, name="one_thing_per_ref")]}


@pytest.fixture
def db(service_db):
    database = service_db("inboxtest")
    ensure_indexes(database, BUSINESS_INDEX)
    return database


def an_event():
    return {"event_id": str(uuid.uuid4()), "type": "thing.happened"}


def test_a_duplicate_key_from_the_handlers_own_work_fails_the_event_and_commits_nothing(db):
    db.things.insert_one({"_id": "existing", "ref": "r1"})  # e.g. left by an earlier, purged event
    inbox, event = _InboxHandle(db, "inboxtest.handle"), an_event()

    def work(session):
        db.things.insert_one({"_id": "first", "ref": "r0"}, session=session)
        db.things.insert_one({"_id": "second", "ref": "r1"}, session=session)  # clashes on the business index

    with pytest.raises(DuplicateKeyError):
        inbox.once(event, work)
    assert db.things.find_one({"_id": "first"}) is None  # the transaction was aborted, not half-committed
    assert db[PROCESSED].count_documents({"event_id": event["event_id"]}) == 0  # so a retry can run it


def test_a_redelivered_event_is_recognised_as_a_duplicate_and_changes_nothing(db):
    inbox, event = _InboxHandle(db, "inboxtest.handle"), an_event()
    runs = []

    def work(session):
        runs.append(1)
        db.things.insert_one({"ref": f"r{len(runs)}"}, session=session)

    assert inbox.once(event, work) is True
    assert inbox.once(event, work) is False
    assert len(runs) == 1 and db.things.count_documents({}) == 1
    # Another consumer of the same event is not a duplicate of this one.
    assert _InboxHandle(db, "inboxtest.other").once(event, work) is True


LEDGER_PARKED = "evt-src-thing.happened--ledger.record.parked"


class LedgerService:
    """A consumer whose own write (insert_one, so a plain DuplicateKeyError) can clash."""
    name = "ledger"

    store = Storage(Store, BUSINESS_INDEX)
    inbox = Inbox()

    @reliable_event_handler("src", "thing.happened")
    def record(self, body):
        self.inbox.once(body, lambda session: self.store.db.things.insert_one({"ref": body["ref"]}, session=session))


def test_a_business_index_clash_in_a_real_handler_parks_the_event_instead_of_acknowledging_it(
        container_factory, service_config, service_db, rabbit_config):
    container_factory(LedgerService, service_config).start()
    ledger = service_db("ledger")
    ledger.things.insert_one({"ref": "taken"})
    event = {**an_event(), "ref": "taken"}
    publish_event(rabbit_config["AMQP_URI"], "src", event, routing_key="thing.happened")
    parked = wait_for(lambda: queue_messages(rabbit_config["AMQP_URI"], LEDGER_PARKED), timeout=15,
                      message="parked event")
    assert parked[0].payload["event_id"] == event["event_id"]
    assert "DuplicateKeyError" in parked[0].headers["x-parked-reason"]
    assert ledger[PROCESSED].count_documents({}) == 0
