"""kit.mongo.run_in_transaction against a real SecantusDB that stalls: bounded, and nothing half-written."""
import os
import signal
import tempfile
import time

import pytest
from pymongo.errors import PyMongoError

from kit.errors import database_unavailable
from kit.mongo import get_client, run_in_transaction
from ops.launcher import free_port, start_secantus
from tests.support.waiting import wait_for

pytestmark = pytest.mark.processes  # starts processes of its own: not in make test-fast


def answering(db):
    try:  # the client needs a heartbeat or two to find the resumed server again
        return db.command("ping", maxTimeMS=1000)["ok"] == 1
    except PyMongoError:
        return False


@pytest.fixture
def stallable_db():
    """A SecantusDB of this test's own, so stopping it disturbs no other test."""
    proc, uri = start_secantus(":memory:", free_port(), tempfile.mkdtemp(prefix="pingjian-stall-"))
    try:
        yield proc, get_client(uri)["stalltest"]
    finally:
        os.kill(proc.popen.pid, signal.SIGCONT)
        proc.stop()


def test_a_stalled_database_fails_the_transaction_within_its_deadline_and_writes_nothing(stallable_db):
    proc, db = stallable_db
    run_in_transaction(db, lambda session: db.cases.insert_one({"_id": "before"}, session=session))

    def two_writes(session):
        db.cases.insert_one({"_id": "during"}, session=session)
        db.outbox.insert_one({"_id": "during"}, session=session)

    os.kill(proc.popen.pid, signal.SIGSTOP)  # the server hangs: connections open, no answers
    started = time.monotonic()
    try:
        with pytest.raises(Exception) as failure:
            run_in_transaction(db, two_writes, seconds=2)
        took = time.monotonic() - started
    finally:
        os.kill(proc.popen.pid, signal.SIGCONT)
    assert database_unavailable(failure.value), repr(failure.value)
    assert took < 6, f"took {took:.1f}s (pymongo's own retry loop would take 120 s)"
    # Once the server answers again, the interrupted transaction has left nothing behind.
    wait_for(lambda: answering(db), timeout=30, message="the database answering again")
    assert db.cases.count_documents({}) == 1
    time.sleep(0.5)
    assert db.cases.find_one({"_id": "during"}) is None and db.outbox.count_documents({}) == 0
