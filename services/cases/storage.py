"""The cases service's own database: the only module that touches it.

Collections: ``cases`` and ``suspects`` (versioned aggregates), ``history`` (append-only: every
change to a case or one of its suspects, who and when, written in the change's transaction), and
the kit's ``outbox`` and ``deadlines``."""
import collections
import logging
import os
import socket
import uuid
from datetime import date, timedelta

from pymongo import ASCENDING, DESCENDING, IndexModel
from pymongo.errors import DuplicateKeyError

from contracts import enums
from kit import clock, search
from kit.aggregate import Aggregates, retrying
from kit.errors import Conflict, NotFound
from kit.pagination import paginate
from kit.sealing import Keyring, SealedFields, reseal
from kit.context import Context
from kit.storage import Storage, Store
from services.cases import evaluations, stats
from services.cases import suspects as suspect_rules

log = logging.getLogger("pingjian.cases")

CASES, SUSPECTS, HISTORY = "cases", "suspects", "history"
# v2: monthly counters next to the daily ones (a new marker rebuilds both once after the upgrade).
STATS_BUILT = "stats_counters_v2"
MONTHLY = "stats_monthly"
DELTAS = "stats_deltas"
EVALUATIONS, COUNTERS, USERS, FINDINGS, META = "evaluations", "stats_daily", "users", "findings", "meta"
# A meta record whose value changes (a new random one) in every transaction that changes the daily or
# monthly counters: sums of the folded counters are remembered under it (see ``statistics``).
GENERATION = "stats_generation"

INDEXES = {
    CASES: [
        IndexModel([("case_no", ASCENDING)], unique=True, name="case_no_unique"),
        IndexModel([("created_at", DESCENDING), ("_id", DESCENDING)]),
        IndexModel([("department", ASCENDING), ("created_at", DESCENDING), ("_id", DESCENDING)]),
        IndexModel([("handler_id", ASCENDING), ("created_at", DESCENDING)]),
        IndexModel([("status", ASCENDING), ("created_at", DESCENDING)]),
        # Lists walk created_at newest first under an equality prefix (kit/pagination.py).
        IndexModel([("category", ASCENDING), ("created_at", DESCENDING), ("_id", DESCENDING)]),
        IndexModel([("department", ASCENDING), ("status", ASCENDING), ("created_at", DESCENDING),
                    ("_id", DESCENDING)]),
        search.index(),
    ],
    SUSPECTS: [IndexModel([("case_id", ASCENDING), ("created_at", DESCENDING), ("_id", DESCENDING)]),
               # The referrals a loaded working-day schedule may move (``recompute_referrals``).
               IndexModel([("referral.due_on", ASCENDING)])],
    HISTORY: [IndexModel([("case_id", ASCENDING), ("created_at", DESCENDING), ("_id", DESCENDING)])],
    EVALUATIONS: [IndexModel([("case_id", ASCENDING), ("period", ASCENDING), ("mode", ASCENDING)], unique=True,
                             name="one_per_case_period_mode"),
                  IndexModel([("case_id", ASCENDING), ("created_at", DESCENDING), ("_id", DESCENDING)])],
    COUNTERS: [IndexModel([("day", ASCENDING), ("department", ASCENDING)])],
    MONTHLY: [IndexModel([("month", ASCENDING), ("department", ASCENDING)])],
    DELTAS: [IndexModel([("day", ASCENDING), ("department", ASCENDING)])],
    FINDINGS: [IndexModel([("status", ASCENDING), ("created_at", DESCENDING), ("_id", DESCENDING)]),
               IndexModel([("department", ASCENDING), ("status", ASCENDING), ("created_at", DESCENDING)]),
               IndexModel([("case_id", ASCENDING), ("rule", ASCENDING)])],
}
# Never copied into the history as they are (the history is readable by everyone who sees the case).
_MASKED = {"id_number": suspect_rules.mask_id_number}
_NOT_HISTORY = ("updated_at", "version", "_id", "created_at", search.FIELD)
SEARCHED = ("case_no", "title")
GRAMS_BUILT = "search_grams_v1"


def _case_no_taken(case):
    return Conflict(f"案号已存在：{case['case_no']}", fields={"case_no": ["案号已存在"]})


class FoldedSums:
    """Sums of folded statistics counters, remembered by (generation, parts, department): a bounded
    map, least recently used out first. A generation is random, so one from another database can
    never match; a stale one is never asked for again and ages out."""

    def __init__(self, capacity=256):
        self.capacity = capacity
        self._sums = collections.OrderedDict()

    def get(self, key):
        found = self._sums.get(key)
        if found is not None:
            self._sums.move_to_end(key)
        return found

    def put(self, key, sums):
        self._sums[key] = sums
        self._sums.move_to_end(key)
        while len(self._sums) > self.capacity:
            self._sums.popitem(last=False)


FOLDED_SUMS = FoldedSums()


class CaseStore(Store):
    def __init__(self, db, outbox, personal=None):
        super().__init__(db, outbox)
        self.personal = personal  # SealedFields of the suspects: id numbers encrypted at rest
        self.cases = Aggregates(self, CASES, not_found="案件不存在", duplicate=_case_no_taken,
                                journal=self._case_written, search_fields=SEARCHED)
        self.suspects = Aggregates(self, SUSPECTS, not_found="犯罪嫌疑人不存在",
                                   journal=lambda session, doc, changes, events, created: self._journal(
                                       session, doc["case_id"], f"suspect:{doc['_id']}", doc, changes, events,
                                       created),
                                   sealed=personal)
        self._history = db[HISTORY]

    # -- cases -----------------------------------------------------------------------------------
    def search(self, *, department, status, category, handler_id, q, limit, cursor, also_handled_by=None,
               unassigned=False):
        query = {key: value for key, value in
                 (("status", status), ("category", category), ("handler_id", handler_id)) if value}
        if unassigned:
            query["handler_id"] = None
        alternatives = []
        if department and also_handled_by:
            alternatives.append([{"department": department}, {"handler_id": also_handled_by}])
        elif department:
            query["department"] = department
        if q:
            # A substring of the case number or title, Latin letters in either case (kit/search.py).
            selective = search.selective(q, SEARCHED, self.cases.collection)
            alternatives.append(selective.pop("$or"))
            query.update(selective)
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
        items, next_cursor = paginate(self.suspects.collection, {"case_id": case_id}, limit, cursor)
        return [self.suspects.opened(item) for item in items], next_cursor

    def add_suspect(self, case_id, build, deadlines):
        """``build(case) -> (suspect, events)``; the suspect, its case's count and summaries, its
        referral deadline, the statistics and the events commit together."""
        def attempt():
            case = self.cases.get(case_id)
            suspect, events = build(case)

            def work(session):
                self.suspects.stage_insert(session, suspect, events)
                self._after_suspect_change(session, case, None, suspect, deadlines)
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
                self._after_suspect_change(session, case, suspect, changed, deadlines)
                return changed
            return self.transaction(work)
        return retrying(attempt)

    def _after_suspect_change(self, session, case, before, after, deadlines):
        """What follows on the case from a suspect added (``before`` None) or changed: the referral
        deadline, the case's summaries (count, earliest referral due, key-evaluation reasons), the
        statistics, and a key-evaluation event when a new reason appears."""
        pending = suspect_rules.pending_referral(after)
        if pending:
            deadlines.schedule(session, suspect_rules.REFERRAL_DEADLINE, after["_id"],
                               date.fromisoformat(pending["due_on"]), data={"case_id": case["_id"]})
        else:
            deadlines.cancel(session, suspect_rules.REFERRAL_DEADLINE.kind, after["_id"])
        suspects = list(self.suspects.collection.find(
            {"case_id": case["_id"]}, {"referral": 1, "decision": 1, "arrested_on": 1, "decision_reversed": 1},
            session=session))
        dues = sorted((s["referral"]["due_on"], bool(s["referral"].get("provisional")))
                      for s in suspects if suspect_rules.pending_referral(s))
        reasons = suspect_rules.key_evaluation_reasons(suspects)
        update = {"$set": {"referral_due_on": dues[0][0] if dues else None,
                           "referral_due_provisional": dues[0][1] if dues else False,
                           "key_evaluation_reasons": reasons, "updated_at": clock.now()}}
        if before is None:
            update["$inc"] = {"suspect_count": 1}
        self.cases.collection.update_one({"_id": case["_id"]}, update, session=session)
        self._count(session, case, stats.suspect_changed(before, after))
        flagged = evaluations.flag_event(case, reasons, case.get("key_evaluation_reasons") or [])
        if flagged:
            self.emit(session, case["_id"], [flagged])

    def record_penalty_outcome(self, session, reply, deadlines):
        """The penalty outcome of a reverse referral, written on the suspect inside the consumer's
        transaction (with the referral deadline, the case's summaries and the history, as any
        suspect change). A suspect this service does not know is logged and left alone."""
        suspect = self.find_suspect(reply["suspect_id"], session)  # opened: its sealed fields readable
        if suspect is None or suspect["case_id"] != reply["case_id"]:
            log.warning("penalty outcome for an unknown suspect %s of case %s", reply["suspect_id"], reply["case_id"])
            return None
        changes, events = suspect_rules.record_penalty_outcome(suspect, reply)
        if not changes:
            return suspect
        changed = self.suspects.stage_change(session, suspect, changes, events)
        self._after_suspect_change(session, self.find_case(suspect["case_id"], session), suspect, changed, deadlines)
        return changed

    @staticmethod
    def referrals_spanning(year):
        """The referrals ``year``'s schedule may move: decided in or before it, due in or after it."""
        return {"referral.due_on": {"$gte": f"{year}-01-01"}, "decision.decided_on": {"$lte": f"{year}-12-31"}}

    @staticmethod
    def provisional_referrals(since):
        """The referrals still provisional that are due from ``since`` (an ISO date) on."""
        return {"referral.due_on": {"$gte": since}, "referral.provisional": True}

    def recompute_referrals(self, session, selector, decide, deadlines):
        """The referrals ``selector`` picks (``referrals_spanning``, ``provisional_referrals``):
        ``decide(case, suspect) -> (changes, events)`` for each, committed in ``session`` with the
        deadline, the case's summaries and the history, as any suspect change. Returns how many
        changed."""
        changed = 0
        for doc in list(self.suspects.collection.find(selector, session=session)):
            suspect = self.suspects.opened(doc)
            case = self.find_case(suspect["case_id"], session)
            changes, events = decide(case, suspect)
            if changes:
                after = self.suspects.stage_change(session, suspect, changes, events)
                self._after_suspect_change(session, case, suspect, after, deadlines)
                changed += 1
        return changed

    def find_suspect(self, suspect_id, session=None):
        return self.suspects.opened(self.suspects.collection.find_one({"_id": suspect_id}, session=session))

    def reseal_personal_data(self, batch=200):
        """One batch of suspects whose id number is under an older key (or plaintext) sealed anew."""
        return reseal(self.suspects.collection, self.personal, batch) if self.personal else 0

    def export_cases(self, selector, limit, with_suspects):
        """For an approved export: up to ``limit`` + 1 cases of ``selector``, oldest first, and their
        suspects (id numbers decrypted here, masked or not by the caller) when asked."""
        cases = list(self.cases.collection.find(selector).sort([("created_at", ASCENDING), ("_id", ASCENDING)])
                     .limit(limit + 1))
        suspects = {}
        if with_suspects and cases:
            found = self.suspects.collection.find({"case_id": {"$in": [case["_id"] for case in cases]}})
            for suspect in found.sort([("created_at", ASCENDING), ("_id", ASCENDING)]):
                suspects.setdefault(suspect["case_id"], []).append(self.suspects.opened(suspect))
        return cases, suspects

    def find_case(self, case_id, session=None):
        return self.cases.collection.find_one({"_id": case_id}, session=session)

    # -- evaluations -------------------------------------------------------------------------------
    def add_evaluation(self, case_id, build):
        """``build(case) -> (evaluation, events)``: one evaluation per case, period and mode (409)."""
        case = self.cases.get(case_id)
        evaluation, events = build(case)

        def work(session):
            self.db[EVALUATIONS].insert_one(evaluation, session=session)
            self.emit(session, case_id, events)
            self._journal(session, case_id, f"evaluation:{evaluation['_id']}", None,
                          {key: evaluation[key] for key in ("period", "mode", "grade", "scores")}, events, True)
            self._count(session, case, stats.evaluated(evaluation["grade"]))
        try:
            self.transaction(work)
        except DuplicateKeyError:
            raise Conflict(f"本案 {evaluation['period']} 的{enums.EVALUATION_MODES[evaluation['mode']]}已有结果",
                           fields={"period": ["同一期间、同一评查方式只能评查一次"]}) from None
        return evaluation

    def evaluations_of(self, case_id, limit, cursor):
        return paginate(self.db[EVALUATIONS], {"case_id": case_id}, limit, cursor)

    # -- statistics ------------------------------------------------------------------------------------
    def _count(self, session, case, delta):
        """Record ``delta`` for the counters of the case's registration day and department, in the
        change's transaction, as a new document (``stats_deltas``) that ``fold_counters`` adds to the
        daily and monthly counters shortly after; statistics read the counters plus the deltas not
        yet folded, so they are exact at every moment.

        Why not ``$inc`` the counters here: every registration of a department on a day would update
        the same document, and concurrent transactions on one document abort each other — 16 clients
        committing through one shared counter made 73 transactions/s with 9 retries each, 512/s
        without it (SecantusDB, measured). Inserts of new documents never conflict.
        Monthly counters because summing daily ones is slow on the embedded default: three years of
        four departments are 4,400 daily rows, summed in 640 ms; 144 monthly rows in 15 ms."""
        if not delta:
            return
        day = case["created_at"].astimezone(clock.SHANGHAI).date().isoformat()
        self.db[DELTAS].insert_one({"_id": uuid.uuid4().hex, "department": case["department"], "day": day,
                                    **_nested(delta)}, session=session)

    def fold_counters(self, batch=1000):
        """Add pending deltas to the daily and monthly counters and remove them, in one transaction;
        returns how many were folded. Two replicas folding the same deltas: the second finds them gone
        (fewer deleted than read) and aborts, so nothing is counted twice."""
        deltas = list(self.db[DELTAS].find({}).limit(batch))
        if not deltas:
            return 0
        daily, monthly = {}, {}
        for row in deltas:
            for rows, key, field, value in ((daily, f"{row['department']}:{row['day']}", "day", row["day"]),
                                            (monthly, f"{row['department']}:{row['day'][:7]}", "month",
                                             row["day"][:7])):
                target = rows.setdefault(key, {"set": {"department": row["department"], field: value}, "inc": {}})
                for name, amount in _flat(row).items():
                    target["inc"][name] = target["inc"].get(name, 0) + amount

        def work(session):
            removed = self.db[DELTAS].delete_many({"_id": {"$in": [row["_id"] for row in deltas]}}, session=session)
            if removed.deleted_count != len(deltas):
                raise _FoldedElsewhere()
            for collection, rows in ((COUNTERS, daily), (MONTHLY, monthly)):
                for key, row in rows.items():
                    self.db[collection].update_one({"_id": key}, {"$inc": row["inc"], "$setOnInsert": row["set"]},
                                                   upsert=True, session=session)
            self._new_generation(session)
        try:
            self.transaction(work)
        except _FoldedElsewhere:
            return 0
        return len(deltas)

    def statistics(self, first_day, last_day, department):
        """The counters of cases registered from ``first_day`` to ``last_day`` (ISO dates, inclusive),
        summed in the database: whole months from the monthly counters, the days at either end from
        the daily ones, and the deltas not folded yet.

        The sum of the folded counters is remembered (per process, ``FoldedSums``) under the
        counters' generation, read in the same snapshot: every fold writes a new one in its
        transaction, so a remembered sum is the sum of exactly the counters this snapshot sees, and
        only the deltas (few: a fold runs every second) are summed on each request. Between folds the
        statistics cost two small reads, not an aggregation over hundreds of counter rows."""
        parts = []
        first_month, last_month = stats.whole_months(first_day, last_day)
        if first_month:
            parts.append((MONTHLY, "month", first_month, last_month))
            for edge in stats.edge_days(first_day, last_day, first_month, last_month):
                parts.append((COUNTERS, "day", *edge))
        else:
            parts.append((COUNTERS, "day", first_day, last_day))
        pending = (DELTAS, "day", first_day, last_day)  # recorded, not folded yet
        group = {"_id": None, **{_field(key): {"$sum": f"${key}"} for key in stats.counter_keys()}}

        def summed(session, collection, field, low, high, into):
            match = {field: {"$gte": low, "$lte": high}}
            if department:
                match["department"] = department
            for row in self.db[collection].aggregate([{"$match": match}, {"$group": group}], session=session):
                for key in into:
                    into[key] += row.get(_field(key), 0) or 0
            return into

        def read(session):
            # One snapshot for every part: a fold between reading the counters and the deltas would
            # otherwise count its deltas twice or not at all.
            generation = (self.db[META].find_one({"_id": GENERATION}, session=session) or {}).get("value")
            remembered = (generation, tuple(parts), department)
            folded = FOLDED_SUMS.get(remembered) if generation else None
            if folded is None:
                folded = {key: 0 for key in stats.counter_keys()}
                for part in parts:
                    summed(session, *part, folded)
                if generation:
                    FOLDED_SUMS.put(remembered, folded)
            return summed(session, *pending, dict(folded))
        return self.transaction(read)

    def _new_generation(self, session=None):
        self.db[META].update_one({"_id": GENERATION}, {"$set": {"value": uuid.uuid4().hex}}, upsert=True,
                                 session=session)

    def rebuild_statistics(self):
        """The counters recomputed from the records (cases written before the counters existed)."""
        self.db[COUNTERS].delete_many({})
        self.db[MONTHLY].delete_many({})
        self.db[DELTAS].delete_many({})
        self._new_generation()  # sums remembered of the counters just removed are of no use any more
        counted = 0
        for case in self.cases.collection.find({}):
            delta = stats.registered(case)
            if case["status"] != "registered":
                delta.update({key: delta.get(key, 0) + value
                              for key, value in stats.transitioned("registered", case["status"]).items()})
            delta.update(stats.recovery_changed(None, case.get("asset_recovery")))
            delta.update(stats.wage_changed(None, case.get("wage_supervision")))
            for suspect in self.suspects.collection.find({"case_id": case["_id"]}, {"layer": 1, "charges": 1}):
                for key, value in stats.suspect_changed(None, suspect).items():
                    delta[key] = delta.get(key, 0) + value
            for evaluation in self.db[EVALUATIONS].find({"case_id": case["_id"]}, {"grade": 1}):
                key = f"grade.{evaluation['grade']}"
                delta[key] = delta.get(key, 0) + 1
            self._count(None, case, {key: value for key, value in delta.items() if value})
            counted += 1
            if counted % 1000 == 0:
                self.fold_counters()
        while self.fold_counters():
            pass
        return counted

    def meta(self, key):
        return self.db[META].find_one({"_id": key})

    def set_meta(self, key, **values):
        self.db[META].update_one({"_id": key}, {"$set": values}, upsert=True)

    def claim_meta(self, key, owner, seconds=600):
        """A one-off job's lock (the statistics rebuild): True if ``owner`` holds it now."""
        now = clock.now()
        try:
            self.db[META].find_one_and_update(
                {"_id": key, "done": {"$ne": True}, "$or": [{"owner": owner}, {"lease_until": {"$lte": now}}]},
                {"$set": {"owner": owner, "lease_until": now + timedelta(seconds=seconds)}}, upsert=True)
            return True
        except DuplicateKeyError:
            return False

    # -- what the service knows of users (from the accounts service's events) ---------------------
    def project_user(self, session, payload, version):
        """Keep the newest copy of an account: an older event arriving late changes nothing."""
        self.db[USERS].update_one(
            {"_id": payload["id"], "$or": [{"version": {"$lt": version}}, {"version": {"$exists": False}}]},
            {"$set": {"department": payload["department"], "roles": payload["roles"], "active": payload["active"],
                      "display_name": payload["display_name"], "version": version}},
            upsert=True, session=session)

    def users_by_id(self, user_ids):
        return {user["_id"]: user for user in self.db[USERS].find({"_id": {"$in": list(user_ids)}})}

    # -- data checks ---------------------------------------------------------------------------------
    def cases_for_checks(self, *, department=None, changed_since=None, batch=500):
        """The case cards a run looks at, in batches: [(case, suspects)]."""
        query = {}
        if department:
            query["department"] = department
        if changed_since:
            query["updated_at"] = {"$gte": changed_since}
        cursor = self.cases.collection.find(query, batch_size=batch)
        while True:
            cases = [case for _, case in zip(range(batch), cursor)]
            if not cases:
                return
            suspects = {}
            for suspect in self.suspects.collection.find({"case_id": {"$in": [c["_id"] for c in cases]}}):
                suspects.setdefault(suspect["case_id"], []).append(suspect)
            yield [(case, suspects.get(case["_id"], [])) for case in cases]

    def open_findings(self, case_ids, rules):
        return {f["_id"]: f for f in self.db[FINDINGS].find(
            {"case_id": {"$in": list(case_ids)}, "rule": {"$in": list(rules)}, "status": "open"})}

    def open_finding(self, finding, event):
        """Record a finding (new, or found again after it was resolved) with its event; False if it
        was already open."""
        def work(session):
            result = self.db[FINDINGS].update_one(
                {"_id": finding["_id"], "status": {"$ne": "open"}},
                {"$set": {**finding, "status": "open", "resolved_at": None, "last_seen_at": finding["created_at"]},
                 "$inc": {"occurrences": 1}}, session=session)
            if result.matched_count == 0:
                try:
                    self.db[FINDINGS].insert_one({**finding, "status": "open", "resolved_at": None,
                                                  "last_seen_at": finding["created_at"], "occurrences": 1},
                                                 session=session)
                except DuplicateKeyError:
                    return False  # already open: seen again, nothing new
            self.emit(session, finding["case_id"], [event])
            return True
        return self.transaction(work)

    def still_open(self, finding_ids, seen_at):
        if finding_ids:
            self.db[FINDINGS].update_many({"_id": {"$in": list(finding_ids)}, "status": "open"},
                                          {"$set": {"last_seen_at": seen_at}})

    def resolve_findings(self, finding_ids, resolved_at):
        if finding_ids:
            self.db[FINDINGS].update_many({"_id": {"$in": list(finding_ids)}, "status": "open"},
                                          {"$set": {"status": "resolved", "resolved_at": resolved_at}})

    def check_runs(self, limit, cursor):
        jobs = ["cases.data_checks", "cases.data_checks.daily", "cases.data_checks.weekly", "cases.data_checks.monthly"]
        return paginate(self.db["job_runs"], {"job": {"$in": jobs}}, limit, cursor)

    def findings(self, *, status, department, rule, case_id, owner_id, limit, cursor):
        query = {key: value for key, value in (("status", status), ("department", department), ("rule", rule),
                                               ("case_id", case_id), ("owner_id", owner_id)) if value}
        return paginate(self.db[FINDINGS], query, limit, cursor)

    # -- history -----------------------------------------------------------------------------------
    def history_of(self, case_id, limit, cursor):
        return paginate(self._history, {"case_id": case_id}, limit, cursor)

    def _case_written(self, session, doc, changes, events, created):
        """After every write of a case: its history entry and what it changes in the statistics."""
        self._journal(session, doc["_id"], "case", doc, changes, events, created)
        if created:
            delta = stats.registered(doc)
        else:
            delta = {}
            if "status" in changes:
                delta.update(stats.transitioned(doc["status"], changes["status"]))
            if "asset_recovery" in changes:
                delta.update(stats.recovery_changed(doc.get("asset_recovery"), changes["asset_recovery"]))
            if "wage_supervision" in changes:
                delta.update(stats.wage_changed(doc.get("wage_supervision"), changes["wage_supervision"]))
        self._count(session, doc, delta)

    def _journal(self, session, case_id, subject, doc, changes, events, created):
        """One append-only history entry: who, when, what changed (from → to), what it announced."""
        actor = self.outbox.actor
        self._history.insert_one({
            "_id": uuid.uuid4().hex, "case_id": case_id, "subject": subject, "created_at": clock.now(),
            "actor": actor.to_dict() if actor else None,
            "action": ",".join(event[0] for event in events) or ("created" if created else "updated"),
            "changes": {key: {"from": None if created or doc is None else _shown(key, doc.get(key)),
                              "to": _shown(key, value)}
                        for key, value in changes.items() if key not in _NOT_HISTORY}}, session=session)


def _shown(key, value):
    return _MASKED[key](value) if key in _MASKED and value else value


class _FoldedElsewhere(Exception):
    """Another replica folded these deltas first."""


def _nested(delta):
    """``{"status.closed": 1}`` as the document ``$inc`` would leave: ``{"status": {"closed": 1}}``."""
    out = {}
    for key, value in delta.items():
        head, _, tail = key.partition(".")
        if tail:
            out.setdefault(head, {})[tail] = value
        else:
            out[key] = value
    return out


def _flat(row):
    """The counter fields of a delta document as dotted keys (its own fields left out)."""
    out = {}
    for key, value in row.items():
        if key in ("_id", "department", "day"):
            continue
        if isinstance(value, dict):
            out.update({f"{key}.{name}": amount for name, amount in value.items()})
        else:
            out[key] = value
    return out


def _field(key):
    """A counter key as a field name of the summing stage ($group names cannot contain dots)."""
    return key.replace(".", "__")


class CaseStorage(Storage):
    """``Storage`` for cases, plus what happens once at start: the statistics counters are built from
    the records if this database has never had them (a platform upgraded from an earlier version),
    by one replica under a lock; the others serve meanwhile."""

    FOLD_SECONDS = 1.0

    def setup(self):
        super().setup()
        # No default key: a service that would keep id numbers in the clear does not start.
        self.personal = SealedFields(Keyring.from_config(self.container.config), suspect_rules.PERSONAL_FIELDS)

    def store_options(self):
        return {"personal": self.personal}

    def start(self):
        super().start()
        self.container.spawn_managed_thread(self._reseal, identifier="reseal_personal_data")
        self._folding = True
        self.container.spawn_managed_thread(self._fold_loop, identifier="stats_fold")
        store = self.store(Context({"correlation_id": "cases-start"}))
        self._build_search_grams(store)
        if (store.meta(STATS_BUILT) or {}).get("done"):
            return
        owner = f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"
        if not store.claim_meta(STATS_BUILT, owner):
            return
        counted = store.rebuild_statistics()
        store.set_meta(STATS_BUILT, done=True, cases=counted, at=clock.now())
        log.info("statistics counters built from %d existing case(s)", counted, extra={"cases": counted})

    def _build_search_grams(self, store):
        """Cases written before the search grams existed get theirs, once (an upgrade); a second
        replica starting meanwhile does the same harmless work (the grams are a function of the case)."""
        if (store.meta(GRAMS_BUILT) or {}).get("done"):
            return
        built = search.backfill(store.cases.collection, SEARCHED)
        store.set_meta(GRAMS_BUILT, done=True, cases=built, at=clock.now())
        if built:
            log.info("search grams built for %d existing case(s)", built, extra={"cases": built})

    def _fold_loop(self):
        """Every second, fold the statistics deltas of recent changes into the counters."""
        import eventlet
        store = self.store(Context({"correlation_id": "cases-stats-fold"}))
        while self._folding:
            try:
                while store.fold_counters():
                    pass
            except Exception:  # the database may be away for a moment: the deltas wait, stats stay exact
                log.warning("statistics fold failed; retrying", exc_info=True)
            eventlet.sleep(self.FOLD_SECONDS)

    def stop(self):
        self._folding = False
        super().stop()

    def kill(self):
        self._folding = False
        super().kill()

    def _reseal(self):
        """After a key rotation (a new key first in DATA_KEYS) or an upgrade from plaintext: every
        suspect's id number sealed under the current key, in batches; replicas may race harmlessly
        (each write is conditioned on what it read)."""
        store = self.store(Context({"correlation_id": "cases-reseal"}))
        total = 0
        try:
            while True:
                done = store.reseal_personal_data()
                if not done:
                    break
                total += done
        except Exception:  # the database away at start: the next start (or rotation) does it
            log.exception("resealing personal data stopped after %d record(s)", total)
            return
        if total:
            log.info("personal data resealed under key %s: %d record(s)", self.personal.keyring.current, total,
                     extra={"records": total})
