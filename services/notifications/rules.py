"""What each event produces, as data: one ``Rule`` per notification type (= the event type).

Adding a type (a recommendation, inspection or budget event) is a row here, its zh-CN label in
``contracts/enums/notifications.py`` (NOTIFICATION_TYPES), a template file in ``templates/`` and a
``@consumes`` method in ``service.py`` that calls ``self._notify(event, session)`` — no new code path. A rule names:

- ``template``/``version``: ``templates/<template>.v<version>.j2`` (zh-CN; a new wording is a new
  version file, the old one stays so the records that name it can still be explained);
- ``recipients``: recipient specs resolved against the service's projection of accounts' users
  (``recipients.py``): ``user:<payload field>`` (that user, e.g. the handler), ``department_head:<payload
  field>`` (the active department heads of the department in that field), ``department_head_of_user:<payload
  field>`` (the heads of that user's own department), ``users:<payload field>`` (every user in that list
  field, e.g. an inspection's ``inspector_ids``), ``role:<role>`` (every active holder, e.g.
  ``role:chief_procurator``), ``department:<code>`` (every active member, e.g. ``department:inspection``);
  alternatives joined by ``|`` take the first that finds anyone (``user:owner_id|department_head:department``:
  the owner, or the department's head when the task has no owner);
- ``channels``: the per-user channels it goes by (``in_app``, ``email``); webhooks subscribe by type;
- ``critical``: escalations and very overdue reminders; nobody can switch them off;
- ``ref``: what the notification points at, ``(kind, payload field of its id)``;
- ``subject``: where remembered fields are kept, when not the ``ref`` (a finding's inspectors are kept
  per inspection, since ``inspection.recorded`` names them and the finding does not exist yet).

When a later event does not name a recipient an earlier one did (budget.request_reviewed lacks the
submitter that budget.request_submitted named), a ``Memory`` row keeps that field per subject, and
the rule's spec finds it as if it were in the payload.
"""
from dataclasses import dataclass

from contracts.enums.notifications import NOTIFICATION_TYPES

IN_APP, EMAIL, WEBHOOK = "in_app", "email", "webhook"
USER_CHANNELS = (IN_APP, EMAIL)     # what a user's preferences switch
CHANNELS = (IN_APP, EMAIL, WEBHOOK)


@dataclass(frozen=True)
class Rule:
    type: str                       # the event type, also the notification type preferences name
    source: str                     # the producing service (its exchange)
    template: str
    version: int
    recipients: tuple
    ref: tuple
    channels: tuple = USER_CHANNELS
    critical: bool = False
    subject: tuple = None           # (kind, payload field) remembered fields are kept under; default: ref
    # Someone always holds the role (an admin): finding nobody means the users' projection lags behind
    # (a first start), so the event is retried rather than told to nobody.
    requires_recipient: bool = False

    @property
    def subject_ref(self):
        return self.subject or self.ref

    @property
    def label(self):
        """zh-CN name of the type (contracts/enums/notifications.py NOTIFICATION_TYPES)."""
        return NOTIFICATION_TYPES.get(self.type, self.type)

    @property
    def template_file(self):
        return f"{self.template}.v{self.version}.j2"


RULES = (
    Rule("case.assigned", "cases", "case_assigned", 1, ("user:handler_id",), ("case", "case_id")),
    # A case taken from its handler (or handed back) is never silent: the previous handler and the
    # department's head hear of it (the new handler through case.assigned).
    Rule("case.reassigned", "cases", "case_reassigned", 1, ("user:previous_handler_id", "department_head:department"),
         ("case", "case_id")),
    # A login pause started (never a lock): the account's owner and the admins, so a guessing attack
    # is seen by the people it aims at (critical: nobody switches it off).
    Rule("account.login_throttled", "accounts", "login_throttled", 1, ("user:user_id", "role:admin"),
         ("user", "user_id"), critical=True),
    Rule("case.evaluated", "cases", "case_evaluated", 1, ("user:handler_id",), ("case", "case_id")),
    Rule("data_check.finding_opened", "cases", "finding_opened", 1, ("user:owner_id",), ("case", "case_id")),
    # An overdue legal time limit is an escalation: the handler and the department's head, always.
    Rule("case.non_prosecution_proposed", "cases", "non_prosecution_proposed", 1,
         ("department_head:notify_department",), ("case", "case_id")),
    Rule("case.referral_due_today", "cases", "referral_due_today", 1, ("user:handler_id|department_head:department",),
         ("case", "case_id")),
    Rule("case.referral_overdue", "cases", "referral_overdue", 1,
         ("user:handler_id", "department_head:department"), ("case", "case_id"), critical=True),
    # A referral's provisional due date moved once the year's working-day schedule was loaded.
    Rule("case.referral_due_moved", "cases", "referral_due_moved", 1, ("user:handler_id",), ("case", "case_id")),
    # The working-day calendar (owned by accounts): the admins load each year's schedule.
    Rule("calendar.schedule_missing", "accounts", "calendar_schedule_missing", 1, ("role:admin",),
         ("calendar", "year"), requires_recipient=True),
    # Budgeting: the submitter hears of the review and the party group's decision; the inspection
    # office (检务督察部) of every procurement it is to oversee. Reviewed/decided events do not name the
    # submitter: it is remembered from budget.request_submitted (MEMORIES below).
    # Finance reviews what is filed; the inspection office oversees every procurement from its filing
    # (检务督察全程监督): it hears of the request, its review and its decision.
    Rule("budget.request_submitted", "budgeting", "budget_request_submitted", 1,
         ("role:finance", "department:inspection"), ("budget_request", "request_id")),
    Rule("budget.request_reviewed", "budgeting", "budget_request_reviewed", 2,
         ("user:requested_by", "department:inspection"), ("budget_request", "request_id")),
    Rule("budget.request_decided", "budgeting", "budget_request_decided", 2,
         ("user:requested_by", "department:inspection"), ("budget_request", "request_id")),
    Rule("budget.procurement_started", "budgeting", "procurement_started", 1, ("department:inspection",),
         ("budget_request", "request_id")),
    # Inspections: a supervision task's owner hears of it (an automatically created task has no owner:
    # then the head of the responsible department, who handles it); before it falls due, the same. Once
    # overdue it escalates to the department head as well, which is critical (issue 12: "very overdue,
    # escalations" cannot be switched off). An overdue finding goes to the inspection's inspectors,
    # remembered from inspection.recorded (finding.overdue does not name them).
    Rule("supervision_task.created", "inspections", "supervision_task_created", 1,
         ("user:owner_id|department_head:department",), ("supervision_task", "task_id")),
    Rule("supervision_task.due_soon", "inspections", "supervision_task_due_soon", 2,
         ("user:owner_id|department_head:department",), ("supervision_task", "task_id")),
    Rule("supervision_task.overdue", "inspections", "supervision_task_overdue", 1,
         ("user:owner_id", "department_head:department"), ("supervision_task", "task_id"), critical=True),
    Rule("supervision_task.deadline_extended", "inspections", "supervision_task_deadline_extended", 1,
         ("user:owner_id|department_head:department",), ("supervision_task", "task_id")),
    Rule("supervision_task.very_overdue", "inspections", "supervision_task_very_overdue", 1,
         ("role:chief_procurator",), ("supervision_task", "task_id"), critical=True),
    Rule("finding.overdue", "inspections", "inspection_finding_overdue", 1, ("users:inspector_ids",),
         ("inspection_finding", "finding_id"), subject=("inspection", "inspection_id")),
    # Recommendations: every payload names the drafter (``drafted_by``; null when drafted automatically,
    # e.g. a procuratorial opinion after a non-prosecution: then the issuing department's head). Before
    # and after the reply deadline the drafter's own department head hears too; very overdue goes to the
    # chief procurator and is critical.
    Rule("recommendation.approved", "recommendations", "recommendation_approved", 1,
         ("user:drafted_by|department_head:department",), ("recommendation", "recommendation_id")),
    Rule("recommendation.rejected", "recommendations", "recommendation_rejected", 1,
         ("user:drafted_by|department_head:department",), ("recommendation", "recommendation_id")),
    Rule("recommendation.due_soon", "recommendations", "recommendation_due_soon", 2,
         ("user:drafted_by", "department_head_of_user:drafted_by|department_head:department"),
         ("recommendation", "recommendation_id")),
    Rule("recommendation.overdue", "recommendations", "recommendation_overdue", 1,
         ("user:drafted_by", "department_head_of_user:drafted_by|department_head:department"),
         ("recommendation", "recommendation_id")),
    Rule("recommendation.very_overdue", "recommendations", "recommendation_very_overdue", 1,
         ("role:chief_procurator",), ("recommendation", "recommendation_id"), critical=True),
    Rule("recommendation.replied", "recommendations", "recommendation_replied", 1,
         ("user:drafted_by|department_head:department", "user:criminal_handler_id"),
         ("recommendation", "recommendation_id")),
    Rule("recommendation.deadline_extended", "recommendations", "recommendation_deadline_extended", 1,
         ("user:drafted_by|department_head:department",), ("recommendation", "recommendation_id")),
    # Loops the workflows would leave open (issue 22): whoever must act next hears of it.
    Rule("recommendation.submitted", "recommendations", "recommendation_submitted", 1, ("role:chief_procurator",),
         ("recommendation", "recommendation_id")),
    Rule("export.requested", "exports", "export_requested", 1, ("role:chief_procurator",), ("export", "export_id")),
    Rule("case.key_evaluation_flagged", "cases", "key_evaluation_flagged", 1, ("role:case_manager",),
         ("case", "case_id")),
    Rule("interference_record.filed", "inspections", "interference_record_filed", 1, ("department:inspection",),
         ("interference_record", "record_id")),
    # The reverse referral's review (10 working days): the administrative department's head (the
    # opinion is drafted automatically); overdue is an escalation that cannot be switched off.
    Rule("recommendation.review_due_today", "recommendations", "recommendation_review_due_today", 1,
         ("user:drafted_by|department_head:department",), ("recommendation", "recommendation_id")),
    Rule("recommendation.review_due_moved", "recommendations", "recommendation_review_due_moved", 1,
         ("user:drafted_by|department_head:department",), ("recommendation", "recommendation_id")),
    Rule("recommendation.review_overdue", "recommendations", "recommendation_review_overdue", 1,
         ("user:drafted_by", "department_head:department"), ("recommendation", "recommendation_id"), critical=True),
)


@dataclass(frozen=True)
class Memory:
    """Payload fields an event names that later events of the same subject do not carry (who
    submitted a budget request), kept per subject (``ref``: kind, payload field of its id) so the
    recipients of those later events can be resolved without calling the producer back. A rule's
    recipient spec sees the remembered fields as if they were in the payload (the payload wins)."""
    type: str
    source: str
    ref: tuple
    fields: tuple


MEMORIES = (
    Memory("budget.request_submitted", "budgeting", ("budget_request", "request_id"), ("requested_by",)),
    Memory("inspection.recorded", "inspections", ("inspection", "inspection_id"), ("inspector_ids",)),
)
MEMORY_BY_TYPE = {memory.type: memory for memory in MEMORIES}

BY_TYPE = {rule.type: rule for rule in RULES}
TYPES = tuple(BY_TYPE)
CRITICAL = frozenset(rule.type for rule in RULES if rule.critical)


def rule_for(event_type):
    return BY_TYPE[event_type]
