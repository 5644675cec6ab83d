"""Case-quality evaluation (案件质量评查) rules, free of any broker or database."""
import uuid


def new_evaluation(case, data, evaluator_id, now):
    """(evaluation, events): one evaluation of ``case``; its result goes to the handling prosecutor."""
    evaluation = {"_id": uuid.uuid4().hex, "case_id": case["_id"], "period": data["period"], "mode": data["mode"],
                  "grade": data["grade"], "scores": dict(data["scores"]), "comments": data["comments"],
                  "evaluator_id": evaluator_id, "department": case["department"], "created_at": now}
    event = ("case.evaluated", {
        "case_id": case["_id"], "case_no": case["case_no"], "title": case["title"], "department": case["department"],
        "handler_id": case.get("handler_id"), "evaluation_id": evaluation["_id"], "period": data["period"],
        "mode": data["mode"], "grade": data["grade"], "scores": dict(data["scores"]), "comments": data["comments"],
        "evaluator_id": evaluator_id})
    return evaluation, [event]


def flag_event(case, reasons, before):
    """The event announcing new key-evaluation reasons, or None when nothing new appeared."""
    new = sorted(set(reasons) - set(before))
    if not new:
        return None
    return ("case.key_evaluation_flagged", {
        "case_id": case["_id"], "case_no": case["case_no"], "title": case["title"], "department": case["department"],
        "handler_id": case.get("handler_id"), "reasons": list(reasons), "new_reasons": new})
