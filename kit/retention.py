"""Retention of the messaging bookkeeping: sent outbox records and processed-event ids.

Both only exist to make delivery reliable; kept forever they would grow without bound.
A sent outbox record is needed only until it is surely published; a processed id only
as long as a duplicate of that event can still arrive (redeliveries come within minutes;
the window is days). Business records are never touched by this.

SecantusDB has no TTL indexes, so instead of ``expireAfterSeconds`` (which mongo:7 would
offer) the owner calls ``maybe_run()`` on its own schedule; every purge is logged with its
count, so nothing disappears silently.
"""
import logging
import time
from datetime import timedelta

from kit import clock

log = logging.getLogger("pingjian.retention")


class Purge:
    """Deletes documents of one collection whose ``field`` is older than ``keep_days``,
    at most once per ``every_seconds`` (and at the first call)."""

    def __init__(self, collection, field, *, keep_days, every_seconds, only=None):
        self.collection = collection
        self.field = field
        self.keep = timedelta(days=keep_days)
        self.every_seconds = every_seconds
        self.only = only or {}
        self._next_run = 0.0

    def maybe_run(self):
        if time.monotonic() < self._next_run:
            return 0
        self._next_run = time.monotonic() + self.every_seconds
        return self.run()

    def run(self):
        cutoff = clock.now() - self.keep
        deleted = self.collection.delete_many({**self.only, self.field: {"$lt": cutoff}}).deleted_count
        if deleted:
            log.info("purged %d %s documents older than %s", deleted, self.collection.name, cutoff.isoformat(),
                     extra={"collection": self.collection.name, "deleted": deleted})
        return deleted

    @classmethod
    def from_config(cls, collection, field, config, keep_days_key, default_days, only=None):
        return cls(collection, field, keep_days=float(config.get(keep_days_key, default_days)),
                   every_seconds=float(config.get("RETENTION_CHECK_SECONDS", 3600)), only=only)
