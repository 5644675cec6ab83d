from datetime import datetime, timezone

from services.notifications import domain

EVENT = {"event_id": "e1", "type": "case.assigned",
         "payload": {"case_id": "c1", "case_no": "平检刑诉〔2026〕7号", "title": "李某帮信案",
                     "department": "criminal", "handler_id": "u-pros", "previous_handler_id": None}}


def test_assignment_notifies_the_new_handler_in_chinese_naming_the_case():
    [note] = domain.for_case_assigned(EVENT, datetime(2026, 11, 25, tzinfo=timezone.utc))
    assert note["recipient_id"] == "u-pros" and note["channel"] == "in_app"
    assert "平检刑诉〔2026〕7号" in note["title"]
    assert "李某帮信案" in note["body"] and "承办人" in note["body"]
    assert note["ref"] == {"kind": "case", "id": "c1"}
    assert note["event_id"] == "e1" and note["read_at"] is None


# -- plan: which notifications and delivery records an event produces --------------------------------
from services.notifications import rules  # noqa: E402
from services.notifications.recipients import Directory  # noqa: E402

NOW = datetime(2026, 11, 25, tzinfo=timezone.utc)
OVERDUE = {"event_id": "e2", "type": "case.referral_overdue",
           "payload": {"case_id": "c1", "case_no": "平检刑诉〔2026〕7号", "title": "李某帮信案", "department": "criminal",
                       "handler_id": "u-pros", "suspect_id": "s1", "suspect_name": "王某",
                       "referral_due_on": "2026-10-09"}}


def users(**overrides):
    base = {"u-pros": {"_id": "u-pros", "department": "criminal", "roles": ["prosecutor"], "active": True,
                       "email": "li@jcy.example"},
            "u-head": {"_id": "u-head", "department": "criminal", "roles": ["department_head"], "active": True,
                       "email": None}}
    for user_id, changes in overrides.items():
        base[user_id] = {**base[user_id], **changes}
    return Directory(base.values())


def plan(event, directory=None, prefs=None, webhooks=(), email_enabled=True):
    return domain.plan(event, rules.rule_for(event["type"]), directory or users(), lambda uid: (prefs or {}).get(uid),
                       list(webhooks), NOW, email_enabled=email_enabled)


def test_an_event_gives_an_inbox_notification_and_a_queued_email_per_recipient():
    notes, deliveries = plan(EVENT)
    assert [(n["recipient_id"], n["channel"]) for n in notes] == [("u-pros", "in_app")]
    [mail] = deliveries
    assert (mail["recipient_id"], mail["channel"], mail["status"]) == ("u-pros", "email", "queued")
    assert mail["next_attempt_at"] == NOW and mail["attempts"] == 0 and mail["template"] == "case_assigned.v1.j2"


def test_a_recipient_without_email_is_skipped_for_email_not_failed():
    notes, deliveries = plan(OVERDUE)
    assert sorted(n["recipient_id"] for n in notes) == ["u-head", "u-pros"]
    by_recipient = {d["recipient_id"]: d for d in deliveries}
    assert by_recipient["u-pros"]["status"] == "queued"
    assert (by_recipient["u-head"]["status"], by_recipient["u-head"]["reason"]) == ("skipped", "no_email")


def test_a_deactivated_recipient_gets_nothing_and_each_channel_is_recorded_skipped():
    notes, deliveries = plan(EVENT, users(**{"u-pros": {"active": False}}))
    assert notes == []
    assert {(d["channel"], d["status"], d["reason"]) for d in deliveries} == {
        ("in_app", "skipped", "recipient_deactivated"), ("email", "skipped", "recipient_deactivated")}


def test_preferences_switch_a_type_off_per_channel():
    prefs = {"u-pros": {"types": {"case.assigned": {"email": False}}}}
    notes, deliveries = plan(EVENT, prefs=prefs)
    assert len(notes) == 1
    assert [(d["channel"], d["status"], d["reason"]) for d in deliveries] == [("email", "skipped", "preference_off")]


def test_critical_types_ignore_a_stored_switch_off():
    prefs = {"u-pros": {"types": {"case.referral_overdue": {"in_app": False, "email": False}}}}
    notes, deliveries = plan(OVERDUE, prefs=prefs)
    assert "u-pros" in [n["recipient_id"] for n in notes]
    assert [d for d in deliveries if d["recipient_id"] == "u-pros"][0]["status"] == "queued"


def test_without_smtp_email_is_skipped_with_that_reason():
    _, [mail] = plan(EVENT, email_enabled=False)
    assert (mail["status"], mail["reason"]) == ("skipped", "smtp_not_configured")


def test_each_subscribed_webhook_gets_one_queued_delivery_with_the_payload():
    _, deliveries = plan(OVERDUE, webhooks=[{"_id": "w1"}])
    [hook] = [d for d in deliveries if d["channel"] == "webhook"]
    assert hook["recipient_id"] == "webhook:w1" and hook["status"] == "queued"
    assert hook["payload"]["suspect_name"] == "王某" and hook["critical"] is True


def test_backoff_doubles_up_to_its_ceiling():
    assert [domain.backoff_seconds(n, 1, 5) for n in (1, 2, 3, 4, 5)] == [1, 2, 4, 5, 5]


def test_switching_off_a_critical_type_is_refused_naming_it():
    assert domain.check_preferences({"types": {"case.referral_overdue": {"email": False},
                                               "case.assigned": {"email": False}}}) == ["case.referral_overdue"]
    assert domain.check_preferences({"types": {"case.referral_overdue": {"email": True}}}) == []


# -- the daily digest --------------------------------------------------------------------------------
def test_the_next_digest_is_the_chosen_hour_in_shanghai_today_or_tomorrow():
    # 2026-11-25 00:00 UTC is 08:00 in Shanghai.
    assert domain.next_digest_at(NOW, 9) == datetime(2026, 11, 25, 1, tzinfo=timezone.utc)
    assert domain.next_digest_at(NOW, 8) == datetime(2026, 11, 26, 0, tzinfo=timezone.utc)
    assert domain.next_digest_at(NOW, 7) == datetime(2026, 11, 25, 23, tzinfo=timezone.utc)


def test_with_a_digest_hour_non_critical_email_waits_for_it_critical_goes_at_once():
    prefs = {"u-pros": {"digest_hour": 18}}
    _, [mail] = plan(EVENT, prefs=prefs)
    assert mail["digest"] is True and mail["next_attempt_at"] == datetime(2026, 11, 25, 10, tzinfo=timezone.utc)
    _, deliveries = plan(OVERDUE, prefs=prefs)
    [urgent] = [d for d in deliveries if d["recipient_id"] == "u-pros"]
    assert urgent["digest"] is False and urgent["next_attempt_at"] == NOW


def test_a_digest_lists_every_message_oldest_first():
    records = [{"_id": "b", "created_at": NOW, "type": "case.evaluated", "title": "评查结果", "body": "等次：优质"},
               {"_id": "a", "created_at": NOW, "type": "case.assigned", "title": "新案件分配", "body": "请及时办理"}]
    title, body = domain.digest_message(records)
    assert title == "智慧平检每日提醒汇总（2 条）"
    assert body.index("【案件分配】新案件分配") < body.index("【案件评查结果】评查结果") and "等次：优质" in body
