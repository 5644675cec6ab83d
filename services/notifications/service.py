"""Entrypoints of the notifications service."""
import logging
import uuid

from contracts.rpc import notifications_v1 as contract
from kit import clock
from kit.context import RequestContext
from kit.entrypoints import HealthCheck, command, query
from kit.errors import Forbidden, ValidationFailed
from kit.events import Inbox, consumes
from kit.storage import Storage
from services.notifications import domain, rules
from services.notifications.dispatch import Dispatcher
from services.notifications.storage import INDEXES, KEEP, NotificationStore


log = logging.getLogger("pingjian.notifications")


class SubjectNotRemembered(Exception):
    """An event needs a field an earlier event of its subject named, and that one is not processed yet."""


class RecipientNotKnownYet(Exception):
    """A rule that must reach someone (the admins) found nobody in the users' projection: the user
    events are not processed yet (the bootstrap admin at a first start). Retried, then parked."""


def _ensure_admin(actor):
    if not actor.is_admin:
        raise Forbidden("仅管理员可以操作")


class NotificationsService(HealthCheck):
    name = "notifications"

    ctx = RequestContext()
    store = Storage(NotificationStore, INDEXES)
    inbox = Inbox()
    dispatcher = Dispatcher()

    # -- events → notifications (one rule per type: rules.py) ---------------------------------------
    def _notify(self, event, session):
        """Inside the inbox transaction: the in-app notifications and the outbound delivery records
        commit with the processed event id; the dispatcher sends the latter after commit."""
        rule = rules.rule_for(event["type"])
        remembered = None
        if domain.fields_not_in(rule, event["payload"]):
            remembered = self.store.recall(session, domain.subject_key(rule, event["payload"]))
            if remembered is None:
                # The event naming the recipient (e.g. budget.request_submitted) has not been
                # processed yet: fail, so this one is retried (then parked for replay), not dropped.
                raise SubjectNotRemembered(f"nothing remembered of {domain.subject_key(rule, event['payload'])}"
                                           f" for {event['type']} {event['event_id']}")
        notifications, deliveries = domain.plan(
            event, rule, self.store.directory(session), self.store.preferences_reader(session),
            self.store.webhooks_for(rule.type, session), clock.now(), email_enabled=self.dispatcher.email_enabled,
            remembered=remembered)
        if rule.requires_recipient and not notifications and not [d for d in deliveries if d["channel"] != "webhook"]:
            raise RecipientNotKnownYet(f"{event['type']} {event['event_id']}: no recipient known yet")
        self.store.insert_many(notifications, session)
        self.store.insert_deliveries(deliveries, session)
        if not notifications and not [d for d in deliveries if d["channel"] != "webhook"]:
            # Nobody to tell: e.g. no active department head in the users' projection. Said for ops.
            log.warning("event %s (%s) reached no recipient", event["event_id"], event["type"],
                        extra={"event_type": event["type"]})

    def _remember(self, event, session):
        """Keep what later events of the subject will not carry (rules.MEMORIES)."""
        key, fields = domain.remembered_fields(rules.MEMORY_BY_TYPE[event["type"]], event["payload"])
        self.store.remember(session, key, fields)

    @consumes("cases", "case.assigned")
    def on_case_assigned(self, event, session):
        self._notify(event, session)

    @consumes("cases", "case.reassigned")
    def on_case_reassigned(self, event, session):
        self._notify(event, session)

    @consumes("accounts", "account.login_throttled")
    def on_login_throttled(self, event, session):
        self._notify(event, session)

    @consumes("cases", "case.evaluated")
    def on_case_evaluated(self, event, session):
        self._notify(event, session)

    @consumes("cases", "data_check.finding_opened")
    def on_finding_opened(self, event, session):
        self._notify(event, session)

    @consumes("cases", "case.referral_overdue")
    def on_referral_overdue(self, event, session):
        self._notify(event, session)

    @consumes("cases", "case.referral_due_moved")
    def on_referral_due_moved(self, event, session):
        self._notify(event, session)

    @consumes("accounts", "calendar.schedule_missing")
    def on_calendar_schedule_missing(self, event, session):
        self._notify(event, session)

    @consumes("budgeting", "budget.request_submitted")
    def on_budget_request_submitted(self, event, session):
        self._remember(event, session)
        self._notify(event, session)

    @consumes("recommendations", "recommendation.deadline_extended")
    def on_deadline_extended(self, event, session):
        self._notify(event, session)

    @consumes("recommendations", "recommendation.submitted")
    def on_recommendation_submitted(self, event, session):
        self._notify(event, session)

    @consumes("exports", "export.requested")
    def on_export_requested(self, event, session):
        self._notify(event, session)

    @consumes("cases", "case.key_evaluation_flagged")
    def on_key_evaluation_flagged(self, event, session):
        self._notify(event, session)

    @consumes("inspections", "interference_record.filed")
    def on_interference_record_filed(self, event, session):
        self._notify(event, session)

    @consumes("budgeting", "budget.request_reviewed")
    def on_budget_request_reviewed(self, event, session):
        self._notify(event, session)

    @consumes("budgeting", "budget.request_decided")
    def on_budget_request_decided(self, event, session):
        self._notify(event, session)

    @consumes("budgeting", "budget.procurement_started")
    def on_procurement_started(self, event, session):
        self._notify(event, session)

    @consumes("inspections", "supervision_task.created")
    def on_supervision_task_created(self, event, session):
        self._notify(event, session)

    @consumes("inspections", "supervision_task.due_soon")
    def on_supervision_task_due_soon(self, event, session):
        self._notify(event, session)

    @consumes("inspections", "supervision_task.deadline_extended")
    def on_task_deadline_extended(self, event, session):
        self._notify(event, session)

    @consumes("inspections", "supervision_task.very_overdue")
    def on_task_very_overdue(self, event, session):
        self._notify(event, session)

    @consumes("cases", "case.non_prosecution_proposed")
    def on_non_prosecution_proposed(self, event, session):
        self._notify(event, session)

    @consumes("cases", "case.referral_due_today")
    def on_referral_due_today(self, event, session):
        self._notify(event, session)

    @consumes("inspections", "supervision_task.overdue")
    def on_supervision_task_overdue(self, event, session):
        self._notify(event, session)

    @consumes("inspections", "inspection.recorded")
    def on_inspection_recorded(self, event, session):
        self._remember(event, session)

    @consumes("inspections", "finding.overdue")
    def on_inspection_finding_overdue(self, event, session):
        self._notify(event, session)

    @consumes("recommendations", "recommendation.approved")
    def on_recommendation_approved(self, event, session):
        self._notify(event, session)

    @consumes("recommendations", "recommendation.rejected")
    def on_recommendation_rejected(self, event, session):
        self._notify(event, session)

    @consumes("recommendations", "recommendation.due_soon")
    def on_recommendation_due_soon(self, event, session):
        self._notify(event, session)

    @consumes("recommendations", "recommendation.overdue")
    def on_recommendation_overdue(self, event, session):
        self._notify(event, session)

    @consumes("recommendations", "recommendation.very_overdue")
    def on_recommendation_very_overdue(self, event, session):
        self._notify(event, session)

    @consumes("recommendations", "recommendation.replied")
    def on_recommendation_replied(self, event, session):
        self._notify(event, session)

    # -- what the service knows of users (recipients, addresses, who is deactivated) ----------------
    @consumes("recommendations", "recommendation.review_due_today")
    def on_review_due_today(self, event, session):
        self._notify(event, session)

    @consumes("recommendations", "recommendation.review_due_moved")
    def on_review_due_moved(self, event, session):
        self._notify(event, session)

    @consumes("recommendations", "recommendation.review_overdue")
    def on_review_overdue(self, event, session):
        self._notify(event, session)

    @consumes("accounts", "user.created")
    def on_user_created(self, event, session):
        self.store.project_user(session, event["payload"], event.get("aggregate_version") or 0)

    @consumes("accounts", "user.updated")
    def on_user_updated(self, event, session):
        self.store.project_user(session, event["payload"], event.get("aggregate_version") or 0)

    @consumes("accounts", "user.deactivated")
    def on_user_deactivated(self, event, session):
        self.store.project_user(session, event["payload"], event.get("aggregate_version") or 0)

    # -- the inbox ---------------------------------------------------------------------------------
    @query(query=contract.NotificationQuery, response=contract.NotificationPage)
    def list_my_notifications(self, actor, query):
        items, next_cursor = self.store.for_recipient(actor.user_id, **query)
        return {"items": items, "next_cursor": next_cursor}

    @command(response=contract.Notification)
    def mark_read(self, actor, notification_id):
        return self.store.mark_read(actor.user_id, notification_id)

    @query(response=contract.UnreadCount)
    def unread_count(self, actor):
        return {"count": self.store.unread_count(actor.user_id)}

    @command(response=contract.MarkedRead)
    def mark_all_read(self, actor):
        return {"marked": self.store.mark_all_read(actor.user_id)}

    # -- preferences -------------------------------------------------------------------------------
    @query(response=contract.Preferences)
    def get_preferences(self, actor):
        return domain.preferences_view(actor.user_id, self.store.preferences(actor.user_id))

    @command(body=contract.PreferencesUpdate, response=contract.Preferences)
    def set_preferences(self, actor, body):
        refused = domain.check_preferences(body)
        if refused:
            raise ValidationFailed(f"重要提醒不可关闭：{'、'.join(refused)}",
                                   fields={"types": {t: [f"「{rules.rule_for(t).label}」（{t}）为重要提醒，不可关闭"]
                                                     for t in refused}})
        stored = self.store.save_preferences(actor.user_id, body.get("types") or {},
                                             body["digest_hour"] if "digest_hour" in body else KEEP)
        return domain.preferences_view(actor.user_id, stored)

    # -- webhooks and delivery records (admin) ------------------------------------------------------
    @command(body=contract.NewWebhook, response=contract.Webhook)
    def create_webhook(self, actor, body):
        _ensure_admin(actor)
        return self.store.add_webhook({"_id": uuid.uuid4().hex, "url": body["url"], "events": sorted(set(body["events"])),
                                       "secret": body["secret"], "active": True, "created_by": actor.user_id,
                                       "created_at": clock.now()})

    @query(query=contract.PageQuery, response=contract.WebhookPage)
    def list_webhooks(self, actor, query):
        _ensure_admin(actor)
        items, next_cursor = self.store.webhooks(**query)
        return {"items": items, "next_cursor": next_cursor}

    @query(query=contract.DeliveryQuery, response=contract.DeliveryPage)
    def list_deliveries(self, actor, query):
        _ensure_admin(actor)
        items, next_cursor = self.store.deliveries(**query)
        return {"items": items, "next_cursor": next_cursor}
