"""Entrypoints of the recommendations service (检察建议). Each: check policy, apply a domain rule,
store; the reply deadline is armed and cancelled in the change's transaction.

"case_id must be a case that exists and that the caller may see": the service keeps a projection
of cases from the cases events (case.registered / assigned / status_changed, and the cases named by
case.non_prosecution_decided), and checks visibility against it with the cases service's own rule.
A case registered a moment ago may not have reached the projection yet (events are asynchronous):
then the service asks the cases service once, by a bounded RPC under the caller's identity (so the
cases service itself says "not found" or "forbidden"), and keeps the answer. Never a flaky 400; a
cases service that does not answer in RPC_TIMEOUT_SECONDS is a 504, not a wrong "no such case".
"""
from datetime import date


from contracts.fields import ignoring_unknown
from contracts.rpc import exports_v1, recommendations_v1 as contract
from kit.rpc_client import BoundedRpcProxy
from kit import clock
from kit.calendar_store import FollowsCalendar
from kit.context import RequestContext
from kit.deadlines import NOT_DUE, Deadlines, on_deadline
from kit.entrypoints import HealthCheck, command, query
from kit.errors import Forbidden, NotFound, ValidationFailed
from kit.events import Inbox, consumes
from kit.settings import Settings
from kit.storage import Storage
from kit.validation import load
from services.recommendations import domain, exports, policy, stats
from services.recommendations.storage import INDEXES, RecommendationStore

CASE_REF = ignoring_unknown(contract.CaseRef())  # the cases service answers more than we keep


class OpinionNotDraftedYet(Exception):
    """A referral was recorded before its non-prosecution decision drafted the opinion here."""


class RecommendationsService(HealthCheck, FollowsCalendar):
    name = "recommendations"

    ctx = RequestContext()
    store = Storage(RecommendationStore, INDEXES)
    deadlines = Deadlines()
    inbox = Inbox()
    cases = BoundedRpcProxy("cases")

    settings = Settings(policy.Settings.from_config)

    def _view(self, rec):
        return domain.view(rec, clock.today())

    def _case(self, case_id):
        """The case as the service knows it, or as the cases service answers for the caller."""
        case = self.store.case(case_id)
        if case is not None:
            return case
        try:
            answer = self.cases.get_case(case_id=case_id)
        except NotFound:
            raise ValidationFailed("案件不存在", fields={"case_id": ["案件不存在"]}) from None
        except Forbidden:
            raise Forbidden("无权查看该案件，不能就其制发检察建议", fields={"case_id": ["无权查看该案件"]}) from None
        case = load(CASE_REF, answer)
        self.store.remember_case(case)
        return case

    def _act(self, actor, rec_id, decide, ensure=policy.ensure_can_work):
        def checked(rec):
            ensure(actor, rec)
            return decide(rec)
        return self._view(self.store.change(rec_id, checked, self.deadlines, self.settings.reply_rule()))

    # -- drafting --------------------------------------------------------------------------------------
    @command(body=contract.NewRecommendation, response=contract.Recommendation)
    def draft_recommendation(self, actor, body):
        if not actor.has_any_role(*policy.CAN_DRAFT):
            raise Forbidden("当前角色无权制发检察建议")
        case = self._case(body["case_id"])
        policy.ensure_can_draft(actor, case)
        rec, events = domain.new_recommendation(self.settings, body, case, actor, clock.now())
        return self._view(self.store.insert(rec, events))

    @query(response=contract.Recommendation)
    def get_recommendation(self, actor, recommendation_id):
        rec = self.store.get(recommendation_id)
        policy.ensure_can_view(actor, rec)
        return self._view(rec)

    @query(query=contract.RecommendationQuery, response=contract.RecommendationPage)
    def list_recommendations(self, actor, query):
        requested = query.pop("department")
        department = policy.list_department(actor, requested)
        also = actor.user_id if department and not requested and not actor.sees_all_departments else None
        items, next_cursor = self.store.search(department=department, also_drafted_by=also, today=clock.today(),
                                               **query)
        return {"items": [self._view(rec) for rec in items], "next_cursor": next_cursor}

    @command(body=contract.EditRecommendation, response=contract.Recommendation)
    def edit_recommendation(self, actor, recommendation_id, body):
        return self._act(actor, recommendation_id, lambda rec: domain.edit(self.settings, rec, body))

    @command(body=contract.Disagreement, response=contract.Recommendation)
    def record_disagreement(self, actor, recommendation_id, body):
        return self._act(actor, recommendation_id, lambda rec: domain.record_disagreement(rec, body["note"]))

    @command(body=contract.JointMeeting, response=contract.Recommendation)
    def record_joint_meeting(self, actor, recommendation_id, body):
        return self._act(actor, recommendation_id, lambda rec: domain.record_joint_meeting(rec, body))

    # -- approval ----------------------------------------------------------------------------------------
    @command(response=contract.Recommendation)
    def submit(self, actor, recommendation_id):
        return self._act(actor, recommendation_id, domain.submit)

    @command(response=contract.Recommendation)
    def approve(self, actor, recommendation_id):
        return self._act(actor, recommendation_id, lambda rec: domain.approve(rec, actor), policy.ensure_can_approve)

    @command(body=contract.Reject, response=contract.Recommendation)
    def reject(self, actor, recommendation_id, body):
        return self._act(actor, recommendation_id, lambda rec: domain.reject(rec, actor, body["comment"], clock.now()),
                         policy.ensure_can_approve)

    # -- service, the unit's answer, follow-up ---------------------------------------------------------
    @command(body=contract.Serve, response=contract.Recommendation)
    def serve(self, actor, recommendation_id, body):
        return self._act(actor, recommendation_id,
                         lambda rec: domain.serve(self.settings, rec, body, clock.today()))

    @command(body=contract.Objection, response=contract.Recommendation)
    def record_objection(self, actor, recommendation_id, body):
        return self._act(actor, recommendation_id, lambda rec: domain.objection(rec, body, clock.today()))

    @command(body=contract.ResolveObjection, response=contract.Recommendation)
    def resolve_objection(self, actor, recommendation_id, body):
        return self._act(actor, recommendation_id, lambda rec: domain.resolve_objection(rec, body))

    @command(body=contract.Reply, response=contract.Recommendation)
    def record_reply(self, actor, recommendation_id, body):
        return self._act(actor, recommendation_id, lambda rec: domain.reply(rec, body, clock.today()))

    @command(body=contract.FollowUp, response=contract.Recommendation)
    def record_follow_up(self, actor, recommendation_id, body):
        return self._act(actor, recommendation_id, lambda rec: domain.follow_up(rec, body, actor, clock.today()))

    @command(body=contract.Escalate, response=contract.Recommendation)
    def escalate(self, actor, recommendation_id, body):
        return self._act(actor, recommendation_id, lambda rec: domain.escalate(rec, body, actor, clock.now()))

    @command(body=contract.Close, response=contract.Recommendation)
    def close(self, actor, recommendation_id, body):
        return self._act(actor, recommendation_id, lambda rec: domain.close(rec, body, actor, clock.today()))

    @command(body=contract.ExtendReply, response=contract.Recommendation)
    def extend_reply_deadline(self, actor, recommendation_id, body):
        """The reply deadline extended with its reason (the reminders move with it)."""
        return self._act(actor, recommendation_id, lambda rec: domain.extend(self.settings, rec, body, actor, clock.now()),
                         ensure=policy.ensure_can_extend)

    # -- statistics --------------------------------------------------------------------------------------
    @query(query=contract.StatsQuery, response=contract.RecommendationStats)
    def recommendation_stats(self, actor, query):
        department = actor.scoped_department(query["department"])
        first = (query["from_"] or date(1, 1, 1)).isoformat()
        last = (query["to"] or date(9999, 12, 31)).isoformat()
        return stats.report(self.settings, self.store.served_between(first, last, department), clock.today())

    # -- approved data exports (the exports service) -----------------------------------------------------
    @query(query=exports_v1.ExportRowsQuery, response=exports_v1.ExportRows)
    def export_rows(self, actor, export_id, query):
        """The rows of an approved export: to the exports service only (services/recommendations/exports.py)."""
        exports.ensure_export_call(actor, export_id)
        fields, selector = exports.checked(query)
        rows, truncated = exports.rows(self.store.export_recommendations(selector, query["limit"]), fields,
                                       clock.today(), query["limit"])
        return {"rows": rows, "truncated": truncated}

    # -- the reply deadline ----------------------------------------------------------------------------
    @on_deadline(policy.REPLY_DEADLINE_KIND)
    def reply_deadline(self, deadline, session):
        """Due soon (7 and 1 days before), overdue, very overdue (to the chief procurator's
        attention): once each, only while the reply is still awaited."""
        rec = self.store.find(deadline["aggregate_id"], session)
        event = rec and domain.deadline_event(self.settings, rec, deadline["threshold"], clock.today())
        if not event:
            return NOT_DUE
        self.store.emit(session, rec["_id"], [event])
        return None

    # -- what the service knows of cases, and the reverse referral --------------------------------------
    @consumes("cases", "case.registered")
    def on_case_registered(self, event, session):
        self.store.project_case(session, event["payload"], event.get("aggregate_version") or 0,
                                handler_id=event["payload"]["handler_id"], status=event["payload"]["status"])

    @consumes("cases", "case.assigned")
    def on_case_assigned(self, event, session):
        self.store.project_case(session, event["payload"], event.get("aggregate_version") or 0,
                                handler_id=event["payload"]["handler_id"])

    @consumes("cases", "case.reassigned")
    def on_case_reassigned(self, event, session):
        """A handler changed or handed back (handler_id null): the projection's handler follows."""
        self.store.project_case(session, event["payload"], event.get("aggregate_version") or 0,
                                handler_id=event["payload"]["handler_id"])

    @consumes("cases", "case.status_changed")
    def on_case_status_changed(self, event, session):
        self.store.project_case(session, event["payload"], event.get("aggregate_version") or 0,
                                status=event["payload"]["to_status"])

    @consumes("inspections", "supervision_task.completed")
    def on_follow_up_task_completed(self, event, session):
        """The inspection office's 回头看 task of a recommendation is done: its result joins the
        recommendation's follow-ups (once per task)."""
        payload = event["payload"]
        source = payload.get("source") or {}
        if source.get("kind") != "recommendation":
            return
        rec = self.store.find(source.get("id"), session)
        if rec is None:
            return
        self.store.change_within(session, rec, lambda current: domain.follow_up_task_done(current, payload))

    @consumes("cases", "case.referral_recorded")
    def on_referral_recorded(self, event, session):
        """The case reached the administrative department: its review of the opinion is due within
        REFERRAL_REVIEW_WORKING_DAYS working days (due today / overdue reminders until submitted)."""
        payload = event["payload"]
        rec = self.store.find(domain.referral_id(payload["case_id"], payload["suspect_id"]), session)
        if rec is None:
            # case.non_prosecution_decided (which drafts it) is not processed yet: retried, not dropped.
            raise OpinionNotDraftedYet(f"no opinion yet for case {payload['case_id']} suspect {payload['suspect_id']}")
        working_calendar = self.store.working_calendar(session)
        self.store.change_review(session, rec, lambda current: domain.start_review(
            self.settings, current, payload["transferred_on"], working_calendar), self.deadlines,
            self.settings.review_rule())

    def calendar_changed(self, session, year):
        """A year's working-day schedule was loaded: pending referral reviews over it are computed
        again (their deadlines move with them)."""
        working_calendar = self.store.working_calendar(session)
        for rec in self.store.reviews_spanning(year, session):
            self.store.change_review(session, rec, lambda current: domain.recompute_review(
                self.settings, current, working_calendar), self.deadlines, self.settings.review_rule())

    @on_deadline(policy.REVIEW_DEADLINE_KIND)
    def review_deadline(self, deadline, session):
        """The referral review's last day and the day after it: once each, until the opinion is submitted."""
        rec = self.store.find(deadline["aggregate_id"], session)
        event = rec and domain.review_deadline_event(rec, deadline["threshold"], clock.today())
        if not event:
            return NOT_DUE
        self.store.emit(session, rec["_id"], [event])
        return None

    @consumes("cases", "case.non_prosecution_decided")
    def on_non_prosecution_decided(self, event, session):
        """行刑反向衔接: one draft procuratorial opinion per (case, suspect), however often the
        decision is announced (its id is derived from both)."""
        payload = event["payload"]
        self.store.project_case(session, payload, -1)
        opinion, events = domain.opinion_for_non_prosecution(payload, clock.now())
        self.store.insert_once(session, opinion, events)
