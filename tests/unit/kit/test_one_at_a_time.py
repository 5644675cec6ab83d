"""``consumes(..., one_at_a_time=lock)``: runs hold the lock around the whole inbox transaction, and a
run that waits its bound for it gives its event back as Busy (retried, not counted), never hangs."""
from types import SimpleNamespace

import eventlet
from eventlet.semaphore import Semaphore

from kit import events


class FakeInbox:
    def __init__(self, log):
        self.log = log

    def accept(self, body, event_type):
        return body

    def once(self, event, work):
        self.log.append(("begin", event["n"]))
        work(None)
        self.log.append(("commit", event["n"]))


def handler(lock, log, pause):
    @events.consumes("gateway", "access.batch_recorded", one_at_a_time=lock)
    def on_batch(self, event, session):
        eventlet.sleep(pause)
    return on_batch


def test_runs_under_one_lock_do_not_overlap():
    lock, log = Semaphore(1), []
    service = SimpleNamespace(inbox=FakeInbox(log))
    run = handler(lock, log, 0.02)
    pool = [eventlet.spawn(run, service, {"n": n}) for n in range(3)]
    for thread in pool:
        thread.wait()
    assert [kind for kind, _ in log] == ["begin", "commit"] * 3


def test_a_run_that_waits_its_bound_is_busy_and_not_counted(monkeypatch):
    monkeypatch.setattr(events, "ONE_AT_A_TIME_WAIT_SECONDS", 0.05)
    lock, log = Semaphore(1), []
    lock.acquire()  # a run stalled by its database
    try:
        run = handler(lock, log, 0)
        try:
            run(SimpleNamespace(inbox=FakeInbox(log)), {"n": 1})
            raise AssertionError("expected Busy")
        except events.Busy:
            pass
    finally:
        lock.release()
    assert log == []
