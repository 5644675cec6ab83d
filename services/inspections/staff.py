"""Managing people through cases: discipline findings an inspector records with evidence, and the
"three provisions" records (三个规定记录报告) of attempts to interfere in a case. Pure rules."""
import uuid

from kit import plausible
from kit.errors import ValidationFailed


def new_discipline(user_id, data, by, now, today):
    """(record, events) for a discipline finding about ``user_id``, with its evidence."""
    if data["occurred_on"] > today:
        raise ValidationFailed("发生日期不能晚于今天", fields={"occurred_on": ["发生日期不能晚于今天"]})
    if not data.get("evidence"):
        raise ValidationFailed("须提供佐证材料", fields={"evidence": ["须提供佐证材料"]})
    record = {"_id": uuid.uuid4().hex, "user_id": user_id, "occurred_on": data["occurred_on"].isoformat(),
              "description": data["description"], "evidence": list(data["evidence"]), "recorded_by": by,
              "created_at": now}
    return record, [("staff.discipline_recorded", {
        "discipline_id": record["_id"], "user_id": user_id, "occurred_on": record["occurred_on"],
        "evidence_count": len(record["evidence"]), "recorded_by": by})]


def discipline_fact(record):
    """What the ledger's rules read of a discipline finding."""
    return {"discipline_id": record["_id"], "user_id": record["user_id"], "occurred_on": record["occurred_on"]}


def new_interference_record(data, by, now, today=None):
    """(record, events). The case was checked by the caller (it exists and the filer may read it); the
    date happened (not after today); the record is annotated later, never edited or deleted."""
    if today is not None:
        plausible.ensure_past_or_today(data["occurred_on"], today, "occurred_on")
    record = {"_id": uuid.uuid4().hex, "case_id": data["case_id"], "occurred_on": data["occurred_on"].isoformat(),
              "person": data["person"], "content": data["content"], "recorded_by": by, "annotations": [],
              "version": 1, "created_at": now, "updated_at": now}
    return record, [("interference_record.filed", {"record_id": record["_id"], "case_id": record["case_id"],
                                                   "occurred_on": record["occurred_on"], "recorded_by": by})]


def annotate(record, data, by, now):
    """Only an annotation is ever added: the record itself stays as filed."""
    return {"annotations": [*record["annotations"], {"note": data["note"], "by": by, "at": now}]}, []
