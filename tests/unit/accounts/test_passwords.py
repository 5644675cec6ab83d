"""Password hashing: argon2, bounded by the hashing gate."""
import threading
import time

import eventlet

from services.accounts.passwords import HashingGate, hash_password, verify_password
from kit.errors import Overloaded


def test_the_hashing_gate_runs_one_at_a_time_and_refuses_past_its_queue():
    gate = HashingGate(concurrency=1, queue=2, wait_seconds=5)
    running, most = [0], [0]
    lock = threading.Lock()

    def slow_hash():
        with lock:
            running[0] += 1
            most[0] = max(most[0], running[0])
        time.sleep(0.2)  # an OS thread, like argon2
        with lock:
            running[0] -= 1
        return "hash"

    outcomes = []

    def attempt():
        try:
            outcomes.append(gate.run(slow_hash))
        except Overloaded as exc:
            outcomes.append(exc)
    threads = [eventlet.spawn(attempt) for _ in range(10)]
    for thread in threads:
        thread.wait()
    assert most[0] == 1
    assert outcomes.count("hash") == 3  # one running, two waiting
    refused = [o for o in outcomes if isinstance(o, Overloaded)]
    assert len(refused) == 7 and all(o.http_status == 503 and o.retry_after >= 1 for o in refused)


def test_passwords_are_argon2_hashed_and_verified():
    hashed = hash_password("correct horse")
    assert hashed.startswith("$argon2") and "correct horse" not in hashed
    assert verify_password(hashed, "correct horse")
    assert not verify_password(hashed, "wrong")
    assert not verify_password(None, "anything")


def test_failing_addresses_leave_the_last_queue_place_to_a_clean_one():
    gate = HashingGate(concurrency=1, queue=2, wait_seconds=5)

    def slow_hash():
        time.sleep(0.2)
        return "hash"

    outcomes = {"suspect": [], "clean": []}

    def attempt(kind):
        try:
            outcomes[kind].append(gate.run(slow_hash, suspect=kind == "suspect"))
        except Overloaded:
            outcomes[kind].append("refused")
    threads = [eventlet.spawn(attempt, "suspect") for _ in range(6)]
    eventlet.sleep(0.05)
    threads.append(eventlet.spawn(attempt, "clean"))
    for thread in threads:
        thread.wait()
    assert outcomes["suspect"].count("hash") == 2  # one running, one waiting: the last place is kept
    assert outcomes["clean"] == ["hash"]
