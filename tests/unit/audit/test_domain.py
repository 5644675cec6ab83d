"""The ledger's hash chain: each entry linked to the one before; any change, removal or insertion
is found, and the first broken link named."""
import copy

import pytest

from services.audit import domain

PAYLOAD = {"at": "2026-11-26T02:30:00.123Z", "user_id": "u1", "roles": ["prosecutor"], "department": "criminal",
           "method": "GET", "route": "/v1/cases/<case_id>", "action": "read", "resource": "cases",
           "resource_ids": {"case_id": "c1"}, "status": 200, "remote_addr": "10.0.0.1", "user_agent": "curl",
           "correlation_id": "r1", "personal_data": False}


def chain_of(count, chain="2026-11-26/0"):
    entries, head = [], None
    for number in range(count):
        entry = domain.link(f"e{number}", {**PAYLOAD, "correlation_id": f"r{number}"}, chain, head)
        entries.append(entry)
        head = {"seq": entry["seq"], "hash": entry["hash"]}
    return entries, head


def test_entries_link_to_the_one_before_from_genesis():
    entries, head = chain_of(3)
    assert [e["seq"] for e in entries] == [1, 2, 3]
    assert entries[0]["prev_hash"] == domain.GENESIS
    assert entries[1]["prev_hash"] == entries[0]["hash"] and entries[2]["prev_hash"] == entries[1]["hash"]
    assert domain.verify_chain("2026-11-26/0", entries, head) is None


@pytest.mark.parametrize("field, value", [("user_id", "someone-else"), ("status", 403), ("personal_data", True),
                                          ("resource_ids", {"case_id": "c2"}), ("at", "2026-11-26T03:00:00.000Z")])
def test_changing_any_recorded_field_of_an_entry_is_found_at_that_entry(field, value):
    entries, head = chain_of(5)
    tampered = copy.deepcopy(entries)
    tampered[2][field] = value
    broken = domain.verify_chain("c", tampered, head)
    assert broken["seq"] == 3 and broken["entry_id"] == "e2" and "改动" in broken["reason"]


def test_rehashing_a_changed_entry_breaks_the_next_link():
    entries, head = chain_of(5)
    tampered = copy.deepcopy(entries)
    tampered[1]["user_id"] = "cover-up"
    tampered[1]["hash"] = domain.entry_hash(tampered[1])  # a forger who also recomputes its hash
    broken = domain.verify_chain("c", tampered, head)
    assert broken["seq"] == 3 and broken["entry_id"] == "e2"


def test_a_removed_entry_is_found_where_it_was():
    entries, head = chain_of(5)
    broken = domain.verify_chain("c", entries[:2] + entries[3:], head)
    assert broken["seq"] == 3 and "删除" in broken["reason"]


def test_removing_the_last_entries_is_found_through_the_head():
    entries, head = chain_of(5)
    broken = domain.verify_chain("c", entries[:3], head)
    assert broken["seq"] == 4 and "末尾" in broken["reason"]


def test_a_chain_is_per_shanghai_day_and_shard():
    chain, moment = domain.chain_of("2026-11-25T16:30:00.000Z", "req-1", shards=4)  # 00:30 on the 26th there
    assert chain.startswith("2026-11-26/") and int(chain.split("/")[1]) in range(4)
    assert domain.chain_of("2026-11-25T16:30:00.000Z", "req-1", shards=4)[0] == chain  # stable
    assert moment.tzinfo is not None


def test_a_login_pause_becomes_a_ledger_entry_of_the_account_and_address():
    from services.audit.domain import RECORDED, throttle_entry
    event = {"event_id": "e1", "occurred_at": "2026-12-08T02:30:00.000Z", "correlation_id": "c1",
             "payload": {"user_id": "u-1", "username": "crim_head", "kind": "account", "address": "203.0.113.7",
                         "retry_after": 30, "until": "2026-12-08T02:30:30+00:00"}}
    entry = throttle_entry(event)
    assert set(entry) == set(RECORDED)
    assert (entry["user_id"], entry["status"], entry["action"], entry["remote_addr"]) == (
        "u-1", 429, "login", "203.0.113.7")
    assert entry["resource_ids"] == {"throttle": "account", "retry_after": "30"}
