"""What each event produces, as data: one ``Rule`` per notification type (= the event type).

Adding a type (a recommendation, inspection or budget event) is a row here, its zh-CN label in
``contracts/enums/notifications.py`` (NOTIFICATION_TYPES), a template file in ``templates/`` and a
``@consumes`` method in ``service.py`` that calls ``self._notify(event, session)`` — no new code path. A rule names:

- ``template``/``version``: ``templates/<template>.v<version>.j2`` (zh-CN; a new wording is a new
  version file, the old one stays so the records that name it can still be explained);
- ``recipients``: recipient specs resolved against the service's projection of accounts' users
  (``recipients.py``): ``user:<payload field>`` (that user, e.g. the handler), ``department_head:<payload
  field>`` (the active department heads of the department in that field), ``department_head_of_user:<payload
  field>`` (the heads of that user's own department), ``role:<role>`` (every active holder, e.g.
  ``role:chief_procurator``), ``department:<code>`` (every active member, e.g. ``department:inspection``);
- ``channels``: the per-user channels it goes by (``in_app``, ``email``); webhooks subscribe by type;
- ``critical``: escalations and very overdue reminders; nobody can switch them off;
- ``ref``: what the notification points at, ``(kind, payload field of its id)``.
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

    @property
    def label(self):
        """zh-CN name of the type (contracts/enums/notifications.py NOTIFICATION_TYPES)."""
        return NOTIFICATION_TYPES.get(self.type, self.type)

    @property
    def template_file(self):
        return f"{self.template}.v{self.version}.j2"


RULES = (
    Rule("case.assigned", "cases", "case_assigned", 1, ("user:handler_id",), ("case", "case_id")),
    Rule("case.evaluated", "cases", "case_evaluated", 1, ("user:handler_id",), ("case", "case_id")),
    Rule("data_check.finding_opened", "cases", "finding_opened", 1, ("user:owner_id",), ("case", "case_id")),
    # An overdue legal time limit is an escalation: the handler and the department's head, always.
    Rule("case.referral_overdue", "cases", "referral_overdue", 1,
         ("user:handler_id", "department_head:department"), ("case", "case_id"), critical=True),
)

BY_TYPE = {rule.type: rule for rule in RULES}
TYPES = tuple(BY_TYPE)
CRITICAL = frozenset(rule.type for rule in RULES if rule.critical)


def rule_for(event_type):
    return BY_TYPE[event_type]
