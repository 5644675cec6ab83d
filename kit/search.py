"""Substring search that stays selective at 100,000 records: character n-grams in a multikey index.

A search for ``q`` in some text fields (a case's number and title) means "``q`` is a substring of one
of them, ignoring the case of Latin letters". A regular expression over every record is a full scan
(2.2 s at 100,000 cases on SecantusDB), so each record also stores, in one indexed array field
(``search_grams``), every single character and every pair of adjacent characters of its fields,
lower-cased. Chinese has no spaces to split words on; pairs of characters (bigrams) are what a
Chinese full-text index uses, and they need no dictionary.

A query is then: records whose grams contain one of ``q``'s grams (an equality on the multikey
index, walked newest first by ``kit.pagination``), confirmed by the exact substring test. Every gram
of ``q`` must be among a matching record's grams, so no match is lost; the confirmation removes the
records that merely share grams. (``$all`` of the grams would say the same, but SecantusDB does not
serve ``$all`` from an index — measured: a full scan — so the others are checked here.)

Write side: ``grams(*texts)`` when a record is written or one of its searched fields changes
(``kit.aggregate.Aggregates(search_fields=...)`` does it), and ``backfill`` once for records
written before.
"""
import re
import time
from datetime import timedelta

from pymongo import ASCENDING, DESCENDING, IndexModel

from kit import clock

FIELD = "search_grams"


def _norm(text):
    return (text or "").lower()


def grams(*texts):
    """Every character and every adjacent pair of each text (lower-cased), without duplicates."""
    found = set()
    for text in texts:
        text = _norm(text)
        found.update(text)
        found.update(text[i:i + 2] for i in range(len(text) - 1))
    return sorted(found)


def query_grams(q):
    """The grams a record containing ``q`` must have: its pairs, or its one character."""
    q = _norm(q)
    if len(q) <= 1:
        return [q] if q else []
    return sorted({q[i:i + 2] for i in range(len(q) - 1)})


def _rarity(gram):
    """A cheap guess at how rare a gram is (no statistics are kept: a hot counter would be a write
    conflict on every registration): letters and Chinese characters over digits and punctuation,
    which every case number shares."""
    return sum(2 if ch.isalpha() and not ch.isascii() else 1 if ch.isalpha() else 0 for ch in gram)


def selective(q, fields, collection=None):
    """A filter for records containing ``q`` in one of ``fields``: ``{FIELD: gram, "$or": [...]}``.

    ``kit.pagination`` serves the gram equality from an index ``(search_grams, created_at, …)`` and
    applies the ``$or`` of exact, case-insensitive substring tests to what it reads. The gram is the
    rarest of ``q``'s among the records of the last day when ``collection`` is given (a gram every
    case number shares, like "宁检", would make the walk read every record), remembered a while."""
    wanted = query_grams(q)
    pattern = {"$regex": re.escape(q), "$options": "i"}
    confirm = {"$or": [{field: pattern} for field in fields]}
    if not wanted:
        return confirm
    gram = _rarest(collection, wanted) if collection is not None and len(wanted) > 1 else None
    if gram is None:
        gram = max(reversed(wanted), key=_rarity)
    return {FIELD: gram, **confirm}


SAMPLE = timedelta(days=1)
_CHOICE_SECONDS = 600.0
_choices = {}


def _rarest(collection, wanted):
    """The gram of ``wanted`` found in the fewest records of the last day (ties: the likelier rare
    by its characters); None if the last day has no record with any of them."""
    key = (collection.database.name, collection.name, tuple(wanted))
    now = time.monotonic()
    known = _choices.get(key)
    if known and known[0] > now:
        return known[1]
    since = clock.now() - SAMPLE
    counts = {gram: len(list(collection.find({FIELD: gram, "created_at": {"$gte": since}}, {"_id": 1})))
              for gram in wanted}
    gram = min(wanted, key=lambda g: (counts[g], -_rarity(g))) if any(counts.values()) else None
    if len(_choices) > 4096:
        _choices.pop(next(iter(_choices)))
    _choices[key] = (now + _CHOICE_SECONDS, gram)
    return gram


def index(*prefix):
    """The index a searched list needs: the grams, then the list's order."""
    return IndexModel([*((field, ASCENDING) for field in prefix), (FIELD, ASCENDING), ("created_at", DESCENDING),
                       ("_id", DESCENDING)])


def backfill(collection, fields, batch=1000):
    """Give records written before search existed (no ``search_grams``) their grams; returns how many."""
    from pymongo import UpdateOne
    done = 0
    pending = []
    for doc in collection.find({FIELD: {"$exists": False}}, {field: 1 for field in fields}):
        pending.append(UpdateOne({"_id": doc["_id"]}, {"$set": {FIELD: grams(*(doc.get(f) for f in fields))}}))
        if len(pending) >= batch:
            collection.bulk_write(pending, ordered=False)
            done += len(pending)
            pending = []
    if pending:
        collection.bulk_write(pending, ordered=False)
        done += len(pending)
    return done
