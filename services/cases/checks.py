"""Case-card data checks (数据核查, 卡表不一): named, documented rules over a case card — the case, its
suspects, and what the service knows of its handler — free of any broker or database.

A rule is one small function ``rule(card, today) -> [(subject, message)]`` registered with
``@rule(name, title, key=...)``; ``key`` marks the rules over the key fields that the weekly patrol
covers (the daily run covers changed cases with every rule, the monthly run every case with every
rule). Adding a rule is one function here and a test that makes it fire and one that makes it clear.
"""
from dataclasses import dataclass
from datetime import date

from contracts import enums


@dataclass(frozen=True)
class Card:
    case: dict
    suspects: list
    handler: dict = None  # the handler's account as the service knows it (None: unknown)


@dataclass(frozen=True)
class Rule:
    name: str
    title: str
    key: bool
    check: object


RULES = {}


def rule(name, title, key=False):
    def register(fn):
        RULES[name] = Rule(name, title, key, fn)
        return fn
    return register


@rule("closed_without_decision_date", "已结案案件未填录决定日期", key=True)
def _closed_without_decision_date(card, today):
    if card.case["status"] == "closed" and not card.case.get("decided_on"):
        return [("case", "案件已结案，但未填录决定日期")]
    return []


@rule("suspect_without_charge", "刑事案件的犯罪嫌疑人未填录罪名", key=True)
def _suspect_without_charge(card, today):
    if card.case["category"] != "criminal":
        return []
    return [(f"suspect:{s['_id']}", f"犯罪嫌疑人{s['name']}未填录罪名") for s in card.suspects if not s.get("charges")]


@rule("recovered_exceeds_involved", "追缴金额超过涉案金额", key=True)
def _recovered_exceeds_involved(card, today):
    recovery = card.case.get("asset_recovery") or {}
    if recovery and recovery["recovered_fen"] > recovery["amount_involved_fen"]:
        return [("case", f"追缴金额（{recovery['recovered_fen']} 分）超过涉案金额（{recovery['amount_involved_fen']} 分）")]
    return []


@rule("referral_overdue", "不起诉应予行政处罚，逾期（3 个工作日）未移送")
def _referral_overdue(card, today):
    found = []
    for suspect in card.suspects:
        referral = suspect.get("referral") or {}
        if referral.get("due_on") and not referral.get("transferred_on") and not referral.get("closed_on") and date.fromisoformat(referral["due_on"]) < today:
            found.append((f"suspect:{suspect['_id']}", f"犯罪嫌疑人{suspect['name']}的行政处罚移送已逾期（期限 {referral['due_on']}）"))
    return found


@rule("suspect_count_mismatch", "案卡犯罪嫌疑人人数与罪名表不一致", key=True)
def _suspect_count_mismatch(card, today):
    if card.case["category"] != "criminal":
        return []
    recorded, listed = card.case.get("suspect_count", 0), len(card.suspects)
    if recorded != listed:
        return [("case", f"案卡记载犯罪嫌疑人 {recorded} 人，罪名表列有 {listed} 人")]
    return []


@rule("handler_outside_department", "承办人不属于案件所属部门")
def _handler_outside_department(card, today):
    handler, case = card.handler, card.case
    if case.get("handler_id") and handler and handler.get("department") != case["department"]:
        department = enums.DEPARTMENTS.get(handler.get("department"), handler.get("department"))
        return [("case", f"承办人属于{department}，案件属于{enums.DEPARTMENTS[case['department']]}")]
    return []


def findings(card, today, rules=None):
    """Every (rule, subject, message) the chosen rules (default: all) find on ``card``."""
    chosen = [RULES[name] for name in rules] if rules else list(RULES.values())
    return [(r.name, subject, message) for r in chosen for subject, message in r.check(card, today)]


def finding_id(rule_name, case_id, subject):
    return f"{rule_name}:{case_id}:{subject}"


def scope_rules(scope):
    """The rules a run of ``scope`` applies: the weekly patrol covers the key fields only."""
    if scope == "weekly":
        return [r.name for r in RULES.values() if r.key]
    return list(RULES)
