"""The cases service's own database: the only module that touches it.

Collections: ``cases`` and ``suspects`` (versioned aggregates), ``history`` (append-only: every
change to a case or one of its suspects, who and when, written in the change's transaction), and
the kit's ``outbox`` and ``deadlines``."""
import re
import uuid
from datetime import date

from pymongo import ASCENDING, DESCENDING, IndexModel

from kit import clock
from kit.aggregate import Aggregates, retrying
from kit.errors import Conflict, NotFound
from kit.pagination import paginate
from kit.storage import Store
from services.cases import suspects as suspect_rules

CASES, SUSPECTS, HISTORY = "cases", "suspects", "history"

INDEXES = {
    CASES: [
        IndexModel([("case_no", ASCENDING)], unique=True, name="case_no_unique"),
        IndexModel([("created_at", DESCENDING), ("_id", DESCENDING)]),
        IndexModel([("department", ASCENDING), ("created_at", DESCENDING), ("_id", DESCENDING)]),
        IndexModel([("handler_id", ASCENDING), ("created_at", DESCENDING)]),
        IndexModel([("status", ASCENDING), ("created_at", DESCENDING)]),
    ],
    SUSPECTS: [IndexModel([("case_id", ASCENDING), ("created_at", DESCENDING), ("_id", DESCENDING)])],
    HISTORY: [IndexModel([("case_id", ASCENDING), ("created_at", DESCENDING), ("_id", DESCENDING)])],
}
# Never copied into the history as they are (the history is readable by everyone who sees the case).
_MASKED = {"id_number": suspect_rules.mask_id_number}
_NOT_HISTORY = ("updated_at", "version", "_id", "created_at")


def _case_no_taken(case):
    return Conflict(f"案号已存在：{case['case_no']}", fields={"case_no": ["案号已存在"]})


class CaseStore(Store):
    def __init__(self, db, outbox):
        super().__init__(db, outbox)
        self.cases = Aggregates(self, CASES, not_found="案件不存在", duplicate=_case_no_taken,
                                journal=lambda session, doc, changes, events, created: self._journal(
                                    session, doc["_id"], "case", doc, changes, events, created))
        self.suspects = Aggregates(self, SUSPECTS, not_found="犯罪嫌疑人不存在",
                                   journal=lambda session, doc, changes, events, created: self._journal(
                                       session, doc["case_id"], f"suspect:{doc['_id']}", doc, changes, events,
                                       created))
        self._history = db[HISTORY]

    # -- cases -----------------------------------------------------------------------------------
    def search(self, *, department, status, category, handler_id, q, limit, cursor, also_handled_by=None):
        query = {key: value for key, value in
                 (("status", status), ("category", category), ("handler_id", handler_id)) if value}
        alternatives = []
        if department and also_handled_by:
            alternatives.append([{"department": department}, {"handler_id": also_handled_by}])
        elif department:
            query["department"] = department
        if q:
            pattern = {"$regex": re.escape(q), "$options": "i"}
            alternatives.append([{"case_no": pattern}, {"title": pattern}])
        if len(alternatives) == 1:
            query["$or"] = alternatives[0]
        elif alternatives:
            query["$and"] = [{"$or": each} for each in alternatives]
        return paginate(self.cases.collection, query, limit, cursor)

    # -- suspects ----------------------------------------------------------------------------------
    def suspect_of(self, case_id, suspect_id):
        suspect = self.suspects.get(suspect_id)
        if suspect["case_id"] != case_id:
            raise NotFound(self.suspects.not_found)
        return suspect

    def suspects_of(self, case_id, limit, cursor):
        return paginate(self.suspects.collection, {"case_id": case_id}, limit, cursor)

    def add_suspect(self, case_id, build, deadlines):
        """``build(case) -> (suspect, events)``; the suspect, its case's count and referral summary,
        its referral deadline and the events commit together."""
        def attempt():
            case = self.cases.get(case_id)
            suspect, events = build(case)

            def work(session):
                self.suspects.stage_insert(session, suspect, events)
                self._after_suspect_change(session, case, suspect, deadlines, count=1)
                return suspect
            return self.transaction(work)
        return retrying(attempt)

    def change_suspect(self, case_id, suspect_id, decide, deadlines):
        """``decide(case, suspect) -> (changes, events)`` for one suspect, with what follows from it
        on the case and the referral deadline, in one transaction; decided again on a lost race."""
        def attempt():
            case = self.cases.get(case_id)
            suspect = self.suspect_of(case_id, suspect_id)
            changes, events = decide(case, suspect)
            if not changes and not events:
                return suspect

            def work(session):
                changed = self.suspects.stage_change(session, suspect, changes, events)
                self._after_suspect_change(session, case, changed, deadlines)
                return changed
            return self.transaction(work)
        return retrying(attempt)

    def _after_suspect_change(self, session, case, suspect, deadlines, count=0):
        pending = suspect_rules.pending_referral(suspect)
        if pending:
            deadlines.schedule(session, suspect_rules.REFERRAL_DEADLINE, suspect["_id"],
                               date.fromisoformat(pending["due_on"]), data={"case_id": case["_id"]})
        else:
            deadlines.cancel(session, suspect_rules.REFERRAL_DEADLINE.kind, suspect["_id"])
        dues = [s["referral"]["due_on"] for s in self.suspects.collection.find(
            {"case_id": case["_id"], "referral.due_on": {"$ne": None}, "referral.transferred_on": None},
            {"referral": 1}, session=session)]
        update = {"$set": {"referral_due_on": min(dues) if dues else None}}
        if count:
            update["$inc"] = {"suspect_count": count}
        self.cases.collection.update_one({"_id": case["_id"]}, update, session=session)

    def find_suspect(self, suspect_id, session=None):
        return self.suspects.collection.find_one({"_id": suspect_id}, session=session)

    def find_case(self, case_id, session=None):
        return self.cases.collection.find_one({"_id": case_id}, session=session)

    # -- history -----------------------------------------------------------------------------------
    def history_of(self, case_id, limit, cursor):
        return paginate(self._history, {"case_id": case_id}, limit, cursor)

    def _journal(self, session, case_id, subject, doc, changes, events, created):
        """One append-only history entry: who, when, what changed (from → to), what it announced."""
        actor = self.outbox.actor
        self._history.insert_one({
            "_id": uuid.uuid4().hex, "case_id": case_id, "subject": subject, "created_at": clock.now(),
            "actor": actor.to_dict() if actor else None,
            "action": ",".join(event[0] for event in events) or ("created" if created else "updated"),
            "changes": {key: {"from": None if created else _shown(key, doc.get(key)), "to": _shown(key, value)}
                        for key, value in changes.items() if key not in _NOT_HISTORY}}, session=session)


def _shown(key, value):
    return _MASKED[key](value) if key in _MASKED and value else value
