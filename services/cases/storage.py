"""The cases service's own database: the only module that touches it."""
import re

from pymongo import ASCENDING, DESCENDING, IndexModel

from kit.aggregate import Aggregates
from kit.errors import Conflict
from kit.pagination import paginate
from kit.storage import Store

CASES = "cases"

INDEXES = {
    CASES: [
        IndexModel([("case_no", ASCENDING)], unique=True, name="case_no_unique"),
        IndexModel([("created_at", DESCENDING), ("_id", DESCENDING)]),
        IndexModel([("department", ASCENDING), ("created_at", DESCENDING), ("_id", DESCENDING)]),
        IndexModel([("handler_id", ASCENDING), ("created_at", DESCENDING)]),
        IndexModel([("status", ASCENDING), ("created_at", DESCENDING)]),
    ],
}


def _case_no_taken(case):
    return Conflict(f"案号已存在：{case['case_no']}", fields={"case_no": ["案号已存在"]})


class CaseStore(Store):
    def __init__(self, db, outbox):
        super().__init__(db, outbox)
        self.cases = Aggregates(self, CASES, not_found="案件不存在", duplicate=_case_no_taken)

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
