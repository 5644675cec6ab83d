"""The deadline rules of recommendations and who may act on one: pure, "today" always passed in.

*(rule)* 《人民检察院检察建议工作规定》: the unit replies within two calendar months of service
(clamped to the month end: 2026-01-31 → 2026-03-31, 2025-12-31 → 2026-02-28); an urgent case gets a
shorter deadline in days (public-interest pre-litigation, urgent: 15 days); a procuratorial opinion
of the reverse referral also two months. The table is configuration (``RECOMMENDATION_REPLY_RULES``
in config.yml), these are only its defaults.

*(rule)* The reverse referral (行刑反向衔接): once the case reached the administrative department, it
reviews it within 10 working days (``REFERRAL_REVIEW_WORKING_DAYS``), i.e. submits the procuratorial
opinion for approval; "due today" and "overdue" remind the department. The working days come from
the calendar the service keeps (kit/calendar_store.py): provisional over a year with no schedule.

"Very overdue" (default 30 days past the due date) brings the recommendation to the chief
procurator's attention. Overdue and days overdue are computed from the due date and today, never
stored by hand.
"""
from dataclasses import dataclass, field
from datetime import date, time

from kit import calendar
from kit.deadlines import DeadlineRule, Reminders, Threshold
from kit.errors import Forbidden, ValidationFailed

REPLY_DEADLINE_KIND = "recommendation.reply"
REVIEW_DEADLINE_KIND = "recommendation.review"
DEFAULT_REVIEW_WORKING_DAYS = 10

DEFAULT_REPLY_RULES = {
    "retrial": {"months": 2},
    "correct_violation": {"months": 2},
    "public_interest": {"months": 2, "urgent_days": 15},
    "social_governance": {"months": 2},
    "other": {"months": 2},
    "procuratorial_opinion": {"months": 2},
    # The courts answer execution-supervision recommendations within three months, one more on approval.
    "court_execution": {"months": 3, "extension_months": 1},
}
DEFAULT_DUE_SOON_DAYS = (7, 1, 0)  # 0: "due today"
DEFAULT_VERY_OVERDUE_DAYS = 30

# Statuses in which the unit's reply is still awaited (the deadline runs).
AWAITING_REPLY = ("served", "objected", "escalated")


@dataclass(frozen=True)
class Settings:
    reply_rules: dict = field(default_factory=lambda: dict(DEFAULT_REPLY_RULES))
    due_soon_days: tuple = DEFAULT_DUE_SOON_DAYS
    very_overdue_days: int = DEFAULT_VERY_OVERDUE_DAYS
    review_working_days: int = DEFAULT_REVIEW_WORKING_DAYS

    @classmethod
    def from_config(cls, config):
        """From config.yml's RECOMMENDATION_* keys; a kind the table leaves out keeps its default."""
        rules = {kind: dict(rule) for kind, rule in DEFAULT_REPLY_RULES.items()}
        for kind, rule in (config.get("RECOMMENDATION_REPLY_RULES") or {}).items():
            if kind not in rules:
                raise ValueError(f"RECOMMENDATION_REPLY_RULES: unknown kind {kind!r}")
            rules[kind] = {key: int(value) for key, value in (rule or {}).items()}
            if not (rules[kind].get("months") or rules[kind].get("days")):
                raise ValueError(f"RECOMMENDATION_REPLY_RULES.{kind}: needs months or days")
        soon = config.get("RECOMMENDATION_DUE_SOON_DAYS")
        very = config.get("RECOMMENDATION_VERY_OVERDUE_DAYS")
        review = config.get("REFERRAL_REVIEW_WORKING_DAYS")
        return cls(rules, Reminders.from_config(soon, DEFAULT_DUE_SOON_DAYS).days,
                   int(very) if very not in (None, "") else DEFAULT_VERY_OVERDUE_DAYS,
                   int(review) if review not in (None, "") else DEFAULT_REVIEW_WORKING_DAYS)

    @property
    def reminders(self):
        return Reminders(self.due_soon_days)

    @staticmethod
    def review_rule():
        """The referral review's thresholds: its last day, and the day after it."""
        return DeadlineRule(REVIEW_DEADLINE_KIND, (Threshold("due_today", 0), Threshold("overdue", 1)),
                            at=time(0, 0))

    def reply_rule(self):
        """The deadline thresholds, as data: due soon N days before (fires at the start of that day),
        overdue the day after the due date, very overdue ``very_overdue_days`` past it."""
        thresholds = [*self.reminders.thresholds()]
        thresholds += [Threshold("overdue", 1), Threshold("very_overdue", self.very_overdue_days)]
        return DeadlineRule(REPLY_DEADLINE_KIND, tuple(thresholds), at=time(0, 0))


def urgent_days(settings, kind, urgent, urgent_reply_days):
    """The urgent deadline in days, or None for the kind's ordinary one. ``urgent_reply_days`` wins;
    ``urgent`` alone takes the kind's configured urgent default (ValidationFailed if it has none)."""
    if urgent_reply_days:
        return urgent_reply_days
    if urgent:
        days = settings.reply_rules[kind].get("urgent_days")
        if not days:
            raise ValidationFailed("该种类检察建议没有默认的紧急回复期限，请填写 urgent_reply_days",
                                   fields={"urgent_reply_days": ["紧急情形须填写回复天数"]})
        return days
    return None


def reply_due_on(settings, kind, served_on, urgent_reply_days=None):
    """The last day of the reply period: served_on + the kind's months (clamped to the month end),
    or + days when urgent or when the kind's rule is in days."""
    if urgent_reply_days:
        return calendar.add_days(served_on, urgent_reply_days)
    rule = settings.reply_rules[kind]
    if rule.get("months"):
        return calendar.add_months(served_on, rule["months"])
    return calendar.add_days(served_on, rule["days"])


def days_overdue(reply_due_on, today):
    """Days past the due date (0 on the due date and before)."""
    if reply_due_on is None:
        return 0
    due = date.fromisoformat(reply_due_on) if isinstance(reply_due_on, str) else reply_due_on
    return max((today - due).days, 0)


def lateness(recommendation, today):
    """(overdue, days_overdue) of a recommendation as of ``today``: only while its reply is awaited."""
    if recommendation.get("status") not in AWAITING_REPLY:
        return False, 0
    days = days_overdue(recommendation.get("reply_due_on"), today)
    return days > 0, days


def very_overdue(settings, recommendation, today):
    overdue, days = lateness(recommendation, today)
    return overdue and days >= settings.very_overdue_days


# -- who may act ----------------------------------------------------------------------------------
# The procuratorate's handling roles draft and carry a recommendation through; approval is the
# chief procurator's alone (检察长批准). Cross-department roles (case management, inspection) see
# recommendations but do not act on them.
CAN_DRAFT = ("prosecutor", "department_head", "chief_procurator", "admin")
CAN_WORK = CAN_DRAFT
CAN_APPROVE = ("chief_procurator",)


def case_visible(actor, case):
    """What the cases service would allow: the case's handler, or anyone who sees its department."""
    if case.get("handler_id") and case["handler_id"] == actor.user_id:
        return True
    return actor.sees_all_departments or case["department"] == actor.department


def ensure_can_draft(actor, case):
    if not actor.has_any_role(*CAN_DRAFT):
        raise Forbidden("当前角色无权制发检察建议")
    if not case_visible(actor, case):
        raise Forbidden("无权查看该案件，不能就其制发检察建议", fields={"case_id": ["无权查看该案件"]})


def _drafted_it(actor, recommendation):
    return bool(recommendation.get("drafted_by")) and recommendation["drafted_by"] == actor.user_id


def ensure_can_view(actor, recommendation):
    if not _drafted_it(actor, recommendation):
        actor.ensure_department(recommendation["department"])


def ensure_can_work(actor, recommendation):
    """Submit, serve, record objections, replies and follow-ups, escalate, close: the issuing
    department's handling roles (or its drafter), the chief procurator, admin."""
    ensure_can_view(actor, recommendation)
    if not actor.has_any_role(*CAN_WORK):
        raise Forbidden("当前角色无权办理检察建议")


def ensure_can_extend(actor, recommendation):
    """An extension of the reply deadline is approved by the chief procurator, or by the head of the
    issuing department (admin too)."""
    ensure_can_view(actor, recommendation)
    if not (actor.has_any_role("chief_procurator", "admin") or
            (actor.has_any_role("department_head") and actor.department == recommendation["department"])):
        raise Forbidden("只有检察长或本部门负责人可以批准延长回复期限")


def ensure_can_approve(actor, recommendation):
    if not actor.has_any_role(*CAN_APPROVE):
        raise Forbidden("只有检察长可以审批检察建议")


def list_department(actor, requested):
    return actor.scoped_department(requested)
