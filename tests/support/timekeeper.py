"""A service that only keeps time — deadlines and a periodic job — for the kit's tests with several
processes: ``python -m kit.run --config config.yml tests.support.timekeeper:Timekeeper``.

Imported by those processes only, never by the test session itself (its event type would otherwise
join the platform's event catalogue)."""
import os
from datetime import date

import eventlet
from marshmallow import Schema, fields

from contracts.envelope import register
from kit.deadlines import NOT_DUE, DeadlineRule, Deadlines, Threshold, on_deadline
from kit.entrypoints import HealthCheck, command
from kit.jobs import Every, Jobs, periodic
from kit.storage import Storage, Store

SOURCE = "timekeeper"
RULE = DeadlineRule("timekeeper.reply", (Threshold("soon", -1), Threshold("today", 0), Threshold("late", 1)))


@register("timekeeper.reminded", 1)
class Reminded(Schema):
    thing = fields.String(required=True)
    threshold = fields.String(required=True)
    attempt = fields.Integer(required=True)
    by = fields.Integer(required=True)

    example = {"thing": "t-1", "threshold": "late", "attempt": 1, "by": 4242}


class Timekeeper(HealthCheck):
    name = "timekeeper"

    store = Storage(Store)
    deadlines = Deadlines()
    jobs = Jobs()

    @command(public=True)
    def schedule(self, thing, due_on, answered=False, slow=0):
        def work(session):
            self.store.db.things.insert_one({"_id": thing, "answered": answered, "slow": slow}, session=session)
            self.deadlines.schedule(session, RULE, thing, date.fromisoformat(due_on))
        self.store.transaction(work)

    @on_deadline("timekeeper.reply")
    def reply_due(self, deadline, session):
        thing = self.store.db.things.find_one({"_id": deadline["aggregate_id"]}, session=session)
        if thing["answered"]:
            return NOT_DUE
        if thing["slow"] and deadline["attempts"] == 1:
            eventlet.sleep(thing["slow"])  # long enough to be killed while it holds the claim
        self.store.emit(session, thing["_id"], [("timekeeper.reminded", {
            "thing": thing["_id"], "threshold": deadline["threshold"], "attempt": deadline["attempts"],
            "by": os.getpid()})])

    @periodic("timekeeper.tick", Every.interval(2))
    def tick(self, run):
        self.store.db.ticks.insert_one({"run": run["_id"], "by": os.getpid()})
        return {"ticked_by": os.getpid()}
