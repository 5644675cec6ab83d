"""The access ledger (台账) as a hash chain: pure rules, no broker, no database.

Each entry is appended to one chain of its day (Asia/Shanghai calendar date), ``<date>/<shard>``
(several shards a day, so concurrent appends need not queue behind one head). An entry carries its
sequence number in the chain, the hash of the entry before it (``prev_hash``; the first entry of a
chain links to ``GENESIS``) and its own hash: SHA-256 over its canonical JSON (every recorded field,
its chain, seq and prev_hash). Changing any field of any entry, removing one or inserting one breaks
the chain at that point, and ``verify`` names the first broken link. The chain's head (last seq and
hash) is kept beside it, so removing the last entries is seen too.
"""
import hashlib
import json
import zlib
from datetime import datetime

from kit.clock import SHANGHAI

GENESIS = "0" * 64
RECORDED = ("at", "user_id", "roles", "department", "method", "route", "action", "resource", "resource_ids",
            "status", "remote_addr", "user_agent", "correlation_id", "personal_data")
HASHED = ("_id", "chain", "seq", "prev_hash", *RECORDED)


def chain_of(at, correlation_id, shards):
    """The chain an entry goes to: its Asia/Shanghai day and a shard picked from its request id."""
    moment = datetime.fromisoformat(at.replace("Z", "+00:00"))
    shard = zlib.crc32(correlation_id.encode("utf-8")) % max(int(shards), 1)
    return f"{moment.astimezone(SHANGHAI).date().isoformat()}/{shard}", moment


def canonical(entry):
    return json.dumps({key: entry.get(key) for key in HASHED}, ensure_ascii=False, sort_keys=True,
                      separators=(",", ":")).encode("utf-8")


def entry_hash(entry):
    return hashlib.sha256(canonical(entry)).hexdigest()


def link(event_id, payload, chain, head):
    """The entry for ``payload`` appended after ``head`` ({seq, hash} or None for a new chain)."""
    entry = {"_id": event_id, "chain": chain, "seq": (head["seq"] if head else 0) + 1,
             "prev_hash": head["hash"] if head else GENESIS, **{key: payload[key] for key in RECORDED}}
    entry["hash"] = entry_hash(entry)
    return entry


def verify_chain(chain, entries, head):
    """The first broken link of one chain, or None: ``entries`` in seq order, ``head`` its record."""
    previous = GENESIS
    expected_seq = 1
    for entry in entries:
        if entry.get("seq") != expected_seq:
            return {"chain": chain, "seq": expected_seq, "entry_id": entry.get("_id"),
                    "reason": f"缺少第 {expected_seq} 条（下一条为第 {entry.get('seq')} 条）：条目被删除或插入"}
        if entry.get("prev_hash") != previous:
            return {"chain": chain, "seq": expected_seq, "entry_id": entry.get("_id"),
                    "reason": "前序哈希不符：此前的条目被改动或替换"}
        if entry_hash(entry) != entry.get("hash"):
            return {"chain": chain, "seq": expected_seq, "entry_id": entry.get("_id"),
                    "reason": "条目内容与其哈希不符：该条目被改动"}
        previous, expected_seq = entry["hash"], expected_seq + 1
    last_seq = expected_seq - 1
    if head is None and last_seq:
        return {"chain": chain, "seq": last_seq, "entry_id": None, "reason": "链头记录缺失"}
    if head is not None and (head.get("seq") != last_seq or head.get("hash") != previous):
        return {"chain": chain, "seq": last_seq + 1, "entry_id": None,
                "reason": f"链头记为第 {head.get('seq')} 条，实有 {last_seq} 条：末尾的条目被删除或改动"}
    return None


def throttle_entry(event):
    """The ledger entry of a login pause (``account.login_throttled``, issue 19): every lock or throttle
    is in the ledger, by the account it is for (``user_id``; null for an unknown username's address
    pause) and the client address, as a refused login (429) whose ``resource_ids`` name the kind."""
    payload = event["payload"]
    return {"at": event["occurred_at"], "user_id": payload.get("user_id"), "roles": [], "department": None,
            "method": "POST", "route": "/v1/auth/token", "action": "login", "resource": "auth",
            "resource_ids": {"throttle": payload["kind"], "retry_after": str(payload["retry_after"])},
            "status": 429, "remote_addr": payload.get("address"), "user_agent": None,
            "correlation_id": event.get("correlation_id") or event["event_id"], "personal_data": False}
