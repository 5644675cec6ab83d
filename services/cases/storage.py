"""The cases service's own database: the only module that touches it."""
import re

from pymongo import ASCENDING, DESCENDING, IndexModel
from pymongo.errors import DuplicateKeyError

from kit.errors import Conflict, NotFound
from kit.mongo import run_in_transaction, utcnow
from kit.pagination import paginate

CASES = "cases"


class _Stale(Exception):
    """The case changed between read and write (never leaves this module)."""


INDEXES = {
    CASES: [
        IndexModel([("case_no", ASCENDING)], unique=True, name="case_no_unique"),
        IndexModel([("created_at", DESCENDING), ("_id", DESCENDING)]),
        IndexModel([("department", ASCENDING), ("created_at", DESCENDING), ("_id", DESCENDING)]),
        IndexModel([("handler_id", ASCENDING), ("created_at", DESCENDING)]),
        IndexModel([("status", ASCENDING), ("created_at", DESCENDING)]),
    ],
}


class CaseStore:
    def __init__(self, db, outbox):
        self._cases = db[CASES]
        self._db = db
        self._outbox = outbox

    def _add_events(self, session, case_id, events):
        for event_type, payload in events:
            self._outbox.add(session, event_type, case_id, payload)

    def insert(self, case, events):
        def work(session):
            self._cases.insert_one(case, session=session)
            self._add_events(session, case["_id"], events)
        try:
            run_in_transaction(self._db, work)
        except DuplicateKeyError:
            raise Conflict(f"案号已存在：{case['case_no']}", fields={"case_no": ["案号已存在"]}) from None
        return case

    def get(self, case_id):
        case = self._cases.find_one({"_id": case_id})
        if case is None:
            raise NotFound("案件不存在")
        return case

    def change(self, case_id, decide, attempts=5):
        """Read the case, ``decide(case) -> (changes, events)``, write both if nobody changed the
        case meanwhile (optimistic lock); otherwise read and decide again. Callers send no version,
        so a concurrent change (two heads assigning at once) is not theirs to resolve: the later
        one is decided on the fresh state, and its rules (e.g. an illegal transition) still apply."""
        for attempt in range(attempts):
            case = self.get(case_id)
            changes, events = decide(case)
            try:
                return self._write_if_unchanged(case, changes, events)
            except _Stale:
                if attempt == attempts - 1:
                    raise Conflict("案件正被他人同时修改，请稍后重试") from None

    def _write_if_unchanged(self, case, changes, events):
        if not changes:
            return case
        changes = {**changes, "updated_at": utcnow()}

        def work(session):
            result = self._cases.update_one({"_id": case["_id"], "version": case["version"]},
                                            {"$set": changes, "$inc": {"version": 1}}, session=session)
            if result.matched_count != 1:
                raise _Stale()
            self._add_events(session, case["_id"], events)
        run_in_transaction(self._db, work)
        return {**case, **changes, "version": case["version"] + 1}

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
        return paginate(self._cases, query, limit, cursor)
