"""The recommendations service's own database: the only module that touches it.

Collections: ``recommendations`` (versioned aggregates; ``awaiting_reply`` is kept with each write so
the overdue list is one indexed query), ``cases`` (what the service knows of cases, projected from
the cases events and, for a case registered a moment ago, from the cases service's answer), and the
kit's ``outbox``, ``deadlines`` and ``inbox_processed``."""
from datetime import date

from pymongo import ASCENDING, DESCENDING, IndexModel

from kit.aggregate import Aggregates, retrying
from kit.pagination import paginate
from kit.storage import Store
from services.recommendations import domain, stats

RECOMMENDATIONS, CASES = "recommendations", "cases"


def _listed(*fields):
    return IndexModel([*((f, ASCENDING) for f in fields), ("created_at", DESCENDING), ("_id", DESCENDING)])


INDEXES = {
    RECOMMENDATIONS: [
        IndexModel([("created_at", DESCENDING), ("_id", DESCENDING)]),
        _listed("department"), _listed("status"), _listed("kind"), _listed("case_id"), _listed("target_unit"),
        _listed("drafted_by"),
        # overdue=true: awaiting a reply and due before today.
        _listed("awaiting_reply"),
        IndexModel([("awaiting_reply", ASCENDING), ("reply_due_on", ASCENDING)]),
        IndexModel([("served_on", ASCENDING), ("department", ASCENDING)]),  # statistics
        # The referral reviews a loaded working-day schedule may move (``recompute_reviews``).
        IndexModel([("review.due_on", ASCENDING)]),
    ],
}


class RecommendationStore(Store):
    def __init__(self, db, outbox):
        super().__init__(db, outbox)
        self.recommendations = Aggregates(self, RECOMMENDATIONS, not_found="检察建议不存在")
        self._cases = db[CASES]

    # -- recommendations -------------------------------------------------------------------------
    def get(self, rec_id):
        return self.recommendations.get(rec_id)

    def find(self, rec_id, session=None):
        return self.recommendations.collection.find_one({"_id": rec_id}, session=session)

    def insert(self, rec, events):
        return self.recommendations.insert({**rec, "awaiting_reply": domain.awaiting_reply(rec)}, events)

    def insert_once(self, session, rec, events):
        """Insert ``rec`` unless a recommendation of its id exists (a repeated event); True if inserted."""
        if self.recommendations.collection.find_one({"_id": rec["_id"]}, {"_id": 1}, session=session):
            return False
        self.recommendations.stage_insert(session, {**rec, "awaiting_reply": domain.awaiting_reply(rec)}, events)
        return True

    def change(self, rec_id, decide, deadlines, rule):
        """``decide(rec) -> (changes, events)``; the change, its events and the reply deadline
        (armed at service, cancelled once nothing is awaited: a reply, a withdrawal) commit together."""
        def attempt():
            rec = self.get(rec_id)
            changes, events = decide(rec)
            if not changes and not events:
                return rec
            after = {**rec, **changes}
            changes = {**changes, "awaiting_reply": domain.awaiting_reply(after)}

            def work(session):
                changed = self.recommendations.stage_change(session, rec, changes, events)
                if changed["awaiting_reply"] and (not rec.get("awaiting_reply") or
                                                  rec.get("reply_due_on") != changed["reply_due_on"]):
                    deadlines.schedule(session, rule, rec_id, date.fromisoformat(changed["reply_due_on"]),
                                       data={"case_id": rec["case_id"]})
                elif rec.get("awaiting_reply") and not changed["awaiting_reply"]:
                    deadlines.cancel(session, rule.kind, rec_id)
                return changed
            return self.transaction(work)
        return retrying(attempt)

    def change_within(self, session, rec, decide):
        """``decide(rec) -> (changes, events)`` inside a consumer's ``session``, for a change no
        deadline follows from (a follow-up written back)."""
        changes, events = decide(rec)
        if not changes and not events:
            return rec
        return self.recommendations.stage_change(session, rec, changes, events)

    # -- the referral review --------------------------------------------------------------------------
    def change_review(self, session, rec, decide, deadlines, rule):
        """``decide(rec) -> (changes, events)`` for the review of ``rec``, in the consumer's
        ``session``, with the review deadline armed or moved to its due date."""
        changed = self.change_within(session, rec, decide)
        if changed is not rec and domain.review_pending(changed):
            deadlines.schedule(session, rule, rec["_id"], date.fromisoformat(changed["review"]["due_on"]),
                               data={"case_id": rec["case_id"]})
        return changed

    def reviews_spanning(self, year, session):
        """The pending reviews ``year``'s working-day schedule may move."""
        return list(self.recommendations.collection.find(
            {"review.due_on": {"$gte": f"{year}-01-01"}, "review.referred_on": {"$lte": f"{year}-12-31"},
             "status": "draft"}, session=session))

    def search(self, *, department, also_drafted_by, status, kind, case_id, target_unit, overdue, today, limit,
               cursor):
        query = {key: value for key, value in (("status", status), ("kind", kind), ("case_id", case_id),
                                               ("target_unit", target_unit)) if value}
        if department and also_drafted_by:
            query["$or"] = [{"department": department}, {"drafted_by": also_drafted_by}]
        elif department:
            query["department"] = department
        if overdue is True:
            query.update(awaiting_reply=True, reply_due_on={"$lt": today.isoformat()})
        elif overdue is False:
            query["$nor"] = [{"awaiting_reply": True, "reply_due_on": {"$lt": today.isoformat()}}]
        return paginate(self.recommendations.collection, query, limit, cursor)

    def export_recommendations(self, selector, limit):
        """For an approved export: up to ``limit`` + 1 recommendations of ``selector``, oldest first."""
        return list(self.recommendations.collection.find(selector)
                    .sort([("created_at", ASCENDING), ("_id", ASCENDING)]).limit(limit + 1))

    def served_between(self, first_day, last_day, department):
        """The recommendations served from ``first_day`` to ``last_day`` (ISO dates, inclusive), with
        the fields the statistics read."""
        query = {"served_on": {"$gte": first_day, "$lte": last_day}}
        if department:
            query["department"] = department
        return self.recommendations.collection.find(query, {name: 1 for name in stats.FIELDS})

    # -- what the service knows of cases ---------------------------------------------------------
    def case(self, case_id):
        doc = self._cases.find_one({"_id": case_id})
        return {**doc, "id": doc["_id"]} if doc else None

    def remember_case(self, case):
        """A case as the cases service answered (it has every field at its version)."""
        version = case.get("version") or 0
        self.transaction(lambda session: self.project_case(session, {
            "case_id": case["id"], "case_no": case["case_no"], "title": case["title"],
            "department": case["department"]}, handler_id=case.get("handler_id"), status=case.get("status"),
            version=version))

    def project_case(self, session, ref, version, **fields):
        """Apply what an event (at aggregate ``version``) says of a case. The case number, title and
        department never change; the handler and the status are each kept only if newer than what
        is known, so events arriving out of order (one queue per event type) cannot go back."""
        known = self._cases.find_one({"_id": ref["case_id"]}, session=session) or {}
        update = {"case_no": ref["case_no"], "title": ref["title"], "department": ref["department"]}
        for name, value in fields.items():
            if name in ("handler_id", "status") and known.get(f"{name}_version", -1) < version:
                update.update({name: value, f"{name}_version": version})
        self._cases.update_one({"_id": ref["case_id"]}, {"$set": update}, upsert=True, session=session)
