"""Statistics match a scripted scenario exactly (issue 9, acceptance 5): 10 served, 7 replied
(6 on time), 6 adopted (5 fully, 1 partially), 1 closed implemented, 3 unanswered and overdue of
which 1 very overdue, 47 items rectified. The scenario lives in the civil department (no other
story issues civil recommendations), so the shared platform does not disturb the figures."""
from datetime import date, timedelta

from kit import calendar
from tests.e2e.recommendations.conftest import new_case
from tests.e2e.recommendations.test_story import act, deadline_events, ok, to_served


def test_stats_of_a_scripted_scenario(admin, chief, civil_prosecutor, stack):
    _, civil = civil_prosecutor
    case = new_case(civil, department="civil", category="civil_execution_supervision")
    today = date.today()
    long_ago = calendar.add_months(today, -5)        # due three months ago
    body = {"kind": "correct_violation", "target_unit": "某区人民法院"}
    recs = [to_served(civil, chief, case["id"], long_ago, **body) for _ in range(8)]
    # two served a little over two months ago: overdue by a few days, not very overdue
    recs += [to_served(civil, chief, case["id"], calendar.add_months(today - timedelta(days=5), -2), **body)
             for _ in range(2)]
    answers = ["adopted"] * 5 + ["partially_adopted", "not_adopted"]
    for i, adoption in enumerate(answers):
        due = date.fromisoformat(recs[i]["reply_due_on"])
        received = due if i != 6 else due + timedelta(days=1)  # the last one answered late
        act(civil, recs[i]["id"], "reply", {"received_on": received.isoformat(), "adoption": adoption,
                                             "content": "回复"})
    act(civil, recs[0]["id"], "follow-ups", {"visited_on": today.isoformat(), "notes": "回访", "rectified_items": 46})
    act(civil, recs[1]["id"], "follow-ups", {"visited_on": today.isoformat(), "notes": "回访", "rectified_items": 1})
    act(civil, recs[0]["id"], "close", {"outcome": "implemented"})
    # recs[7] (served five months ago, unanswered) is very overdue; recs[8], recs[9] only overdue.

    stats = ok(chief.get("/v1/recommendations/stats", params={"department": "civil",
                                                             "from": long_ago.isoformat(), "to": today.isoformat()}))
    assert stats == {"issued": 10, "replied": 7, "reply_rate": 0.7, "replied_on_time": 6, "on_time_reply_rate": 0.6,
                     "adopted": 6, "adopted_fully": 5, "adopted_partially": 1, "adoption_rate": round(6 / 7, 4),
                     "closed_implemented": 1, "overdue_now": 3, "very_overdue_now": 1, "rectified_items_total": 47}
    # The civil prosecutor sees their own department's figures; another department's are refused.
    assert ok(civil.get("/v1/recommendations/stats", params={"from": long_ago.isoformat()}))["issued"] == 10
    assert civil.get("/v1/recommendations/stats", params={"department": "criminal"}).status_code == 403
    # The deadline timer announces the three overdue ones, and the very overdue one, once each (and
    # the test leaves nothing still firing behind it).
    if stack.mongo_uri:
        overdue, very = "recommendation.overdue", "recommendation.very_overdue"
        assert deadline_events(stack, [rec["id"] for rec in recs[7:]]) == [[overdue, very], [overdue], [overdue]]
    # Outside the period: nothing.
    assert ok(chief.get("/v1/recommendations/stats", params={"department": "civil", "to": (
        long_ago - timedelta(days=1)).isoformat()}))["issued"] == 0
