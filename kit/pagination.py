"""Cursor pagination in a stable order: newest first, ties broken by id.

The cursor is opaque to clients: the (created_at, _id) of the last item seen,
as base64url JSON. A client can send anything back, so a cursor is checked
completely (encoding, shape, types, ranges, valid text) before any part of it
reaches a query: a tampered one is a 400, never a 500.

Only selective queries reach the database. SecantusDB (the embedded default)
materialises every match of a query before it sorts and limits, so
``find(filter).sort(...).limit(21)`` over 100,000 records costs a second,
while a query whose equality fields are an index's leading fields followed by
a range on the next one is served from that index and costs what it returns
(about 35 µs a document, measured). So a page is read as a walk back in time:
slices of ``created_at`` newest first — 15 minutes, then each slice as long as
the density seen so far says the rest of the page needs, at most 4× longer than
the one before (at most a dozen queries for a filter matching nothing) — each asked as ``{equality fields of the filter
that lead an index, created_at: {range}}`` against an index
``(those fields…, created_at, …)``, until the page is full. The rest of the
filter (other fields, ``$or``, ``$in``, a search's confirmation) is applied
here to what a slice returned (``matches``), and the slice is sorted here.
Every query is a range of one index, so the same holds on MongoDB, which
streams it. No stored bucket field is needed: ``created_at`` is the bucket,
and the indexes every list already declares (``filter…, created_at, _id``)
serve it. A listed document must have a ``created_at`` datetime.
"""
import base64
import bisect
import binascii
import json
import re
import threading
import time
from datetime import datetime, timedelta, timezone

from pymongo import DESCENDING

from kit import clock, search
from kit.errors import ValidationFailed

ORDER = [("created_at", DESCENDING), ("_id", DESCENDING)]
MAX_CURSOR_LENGTH = 512
CURSOR_PATTERN = r"^[A-Za-z0-9_-]+$"  # base64url without padding
_ID = re.compile(r"[A-Za-z0-9_.:-]{1,128}")
_INVALID = "无效的分页游标"


def encode_cursor(doc):
    raw = json.dumps([doc["created_at"].isoformat(), doc["_id"]]).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(value):
    try:
        return _decode(value)
    except (ValueError, TypeError, OverflowError, UnicodeError, binascii.Error, RecursionError):
        raise ValidationFailed("请求参数有误", fields={"cursor": [_INVALID]}) from None


def _decode(value):
    if not isinstance(value, str) or not value or len(value) > MAX_CURSOR_LENGTH or not value.isascii():
        raise ValueError("cursor shape")
    padded = value + "=" * (-len(value) % 4)
    parts = json.loads(base64.urlsafe_b64decode(padded.encode("ascii")).decode("utf-8"))
    if not isinstance(parts, list) or len(parts) != 2 or not all(isinstance(p, str) for p in parts):
        raise ValueError("cursor parts")
    created_at, doc_id = parts
    if not _ID.fullmatch(doc_id):
        raise ValueError("cursor id")
    moment = datetime.fromisoformat(created_at)
    if moment.tzinfo is None:
        raise ValueError("cursor time without zone")
    # Converting to UTC is where year 1 at +14:00 or year 9999 at -14:00 overflow: do it here.
    return moment.astimezone(timezone.utc), doc_id



def after_cursor(cursor):
    """The query for "after this cursor" (kept for callers that query by hand; paginate does not
    send it: an ``$or`` is not served from an index on SecantusDB)."""
    created_at, doc_id = decode_cursor(cursor)
    return {"$or": [{"created_at": {"$lt": created_at}},
                    {"created_at": created_at, "_id": {"$lt": doc_id}}]}


# The walk back in time: the first slice, how much longer each next one is, and where it stops
# slicing (older records are read by one last open-ended query, which is empty in practice).
FIRST_SLICE = timedelta(minutes=15)
GROWTH = 4
FLOOR = datetime(1990, 1, 1, tzinfo=timezone.utc)
_MS = timedelta(milliseconds=1)
_INDEX_CACHE_SECONDS = 30.0
_index_cache = {}


def paginate(collection, query, limit, cursor=None):
    """Return (docs, next_cursor) for one page of ``query`` in ORDER (newest first)."""
    after = decode_cursor(cursor) if cursor else None
    key = (collection.database.name, collection.name, repr(sorted((query or {}).items(), key=lambda kv: kv[0])))
    if key in _marks:
        return _walk(collection, query, limit, after, key)
    # A filter not walked yet in this process: concurrent first walks of it wait for one to have
    # marked where its records are (a first walk may read far; sixteen at once stalled the database).
    with _first_walk_lock(key):
        return _walk(collection, query, limit, after, key)


def _first_walk_lock(key):
    with _first_walks_guard:
        lock = _first_walks.get(key)
        if lock is None:
            if len(_first_walks) >= _DENSITY_ENTRIES:
                _first_walks.pop(next(iter(_first_walks)))
            lock = _first_walks[key] = threading.Lock()
        return lock


def _walk(collection, query, limit, after, density_key):
    query = query or {}
    indexed, residual = _split(collection, query)
    if indexed is None:
        _remember_marks(density_key, [])  # walked once: no need to wait for a first walk
        return _plain(collection, query, limit, after)
    wanted = limit + 1
    found = []
    upper = after[0] if after else None  # inclusive for the cursor's slice (ties are filtered below)
    upper_op = "$lte"
    # A filter's own created_at range (an audit search by date) bounds the walk: it starts at the
    # range's end and stops at its start (the range itself is still applied exactly, below).
    newest, oldest = _own_range(query.get("created_at"))
    if newest is not None and (upper is None or newest < upper):
        upper = newest
    floor = max(FLOOR, oldest) if oldest is not None else FLOOR
    span = _first_span(density_key, wanted)
    anchor = upper or clock.now()
    lower = anchor - span
    marked = _marked_lower(density_key, anchor, wanted)
    if marked is not None:
        lower = marked
        span = max(anchor - lower, _MS)
    while True:
        last = lower <= floor
        # The bounds sent are 1 ms wider than the slice (BSON dates are milliseconds), the slice's
        # exact bounds are applied below: SecantusDB 0.7.0b3 leaves out records exactly at a ``$gte``
        # bound of a compound index's descending field (measured).
        window = {} if last and floor == FLOOR else {"$gte": max(lower, floor) - _MS}
        if upper is not None:
            window["$lte"] = upper + _MS
        batch = collection.find({**indexed, "created_at": window}) if window else collection.find(indexed)
        batch = [doc for doc in batch
                 if (last or doc["created_at"] >= lower)
                 and (upper is None or doc["created_at"] < upper or (upper_op == "$lte" and doc["created_at"] == upper))
                 and (after is None or _key(doc) < after) and matches(doc, residual)]
        batch.sort(key=_key, reverse=True)
        found.extend(batch)
        if len(found) >= wanted or last:
            break
        upper, upper_op = lower, "$lt"
        span = _next_span(span, anchor - lower, len(found), wanted - len(found))
        lower = upper - span
    _remember_density(density_key, anchor - lower, len(found), last)
    _remember_marks(density_key, found)
    docs = found[:wanted]
    next_cursor = encode_cursor(docs[limit - 1]) if len(docs) > limit else None
    return docs[:limit], next_cursor


# What the last page of the same filter saw: time per record, so the next page's first slice is
# about the right length (one or two queries instead of four). A bounded map: a stale or missing
# entry only costs a query more.
_DENSITY_ENTRIES = 4096
_density = {}


# Where records of a list are: the created_at of every MARK_EVERY-th record a walk has read, per
# filter (bounded). A page starting at ``anchor`` then asks first for the slice down to the mark
# that leaves about a page of known records above it: one query of about a page, even across a
# gap or a burst in time (a burst of 1,000 registrations in a minute made a density-sized slice
# read all of them). A record moved or deleted since only means the walk continues as usual;
# records registered since are above the marks and in the slice.
MARK_EVERY = 10
_first_walks = {}
_first_walks_guard = threading.Lock()
_MARKS_PER_FILTER = 2048
_marks = {}


def _marked_lower(key, anchor, wanted):
    marks = _marks.get(key)
    if not marks:
        return None
    below = bisect.bisect_right(marks, anchor)  # marks <= anchor are marks[:below]
    needed = -(-wanted // MARK_EVERY) + 1
    if below < needed:
        return None
    return marks[below - needed]


def _remember_marks(key, found):
    marks = _marks.get(key)
    if marks is None:  # also for a short list: it has been walked once
        if len(_marks) >= _DENSITY_ENTRIES:
            _marks.pop(next(iter(_marks)))
        marks = _marks[key] = []
    if len(found) < MARK_EVERY:
        return
    for doc in found[MARK_EVERY - 1::MARK_EVERY]:
        moment = doc["created_at"]
        at = bisect.bisect_left(marks, moment)
        # Keep marks at least MARK_EVERY records apart: drop a new one next to an existing one.
        if (at < len(marks) and marks[at] == moment) or len(marks) >= _MARKS_PER_FILTER:
            continue
        marks.insert(at, moment)


def _first_span(key, wanted):
    per_record = _density.get(key)
    if per_record is None:
        return FIRST_SLICE
    return min(max(per_record * wanted * 1.25, FIRST_SLICE / 15), timedelta(days=3660))


def _remember_density(key, covered, found, exhausted):
    if exhausted or not found:
        _density.pop(key, None)  # no measure of density from a list's end or from nothing
        return
    if len(_density) >= _DENSITY_ENTRIES:
        _density.pop(next(iter(_density)))
    _density[key] = covered / found


def _next_span(span, covered, found, missing):
    """How far back the next slice reaches: as far as the density seen so far says the missing
    records are (a quarter more), at least as long as the last slice, at most GROWTH× it (or GROWTH×
    when nothing was found yet). Fewer queries and less read than fixed growth when records are dense."""
    if not found:
        return span * GROWTH
    estimate = covered * (missing / found) * 1.25
    return max(span, min(estimate, span * GROWTH))


def _own_range(condition):
    """(newest, oldest) instants a filter's ``created_at`` condition allows, None where open."""
    if not _is_operator(condition):
        return None, None
    newest = min((condition[op] for op in ("$lt", "$lte") if isinstance(condition.get(op), datetime)), default=None)
    oldest = max((condition[op] for op in ("$gt", "$gte") if isinstance(condition.get(op), datetime)), default=None)
    return newest, oldest


def _plain(collection, query, limit, after):
    """One query sorted and limited by the database, for a collection without an index that serves
    created_at ranges (as every list was read before; fine on MongoDB and for small collections)."""
    if after:
        created_at, doc_id = after
        cursor_query = {"$or": [{"created_at": {"$lt": created_at}}, {"created_at": created_at, "_id": {"$lt": doc_id}}]}
        query = {"$and": [query, cursor_query]} if query else cursor_query
    docs = list(collection.find(query).sort(ORDER).limit(limit + 1))
    next_cursor = encode_cursor(docs[limit - 1]) if len(docs) > limit else None
    return docs[:limit], next_cursor


def _key(doc):
    return doc["created_at"], doc["_id"]


def _split(collection, query):
    """(equality part served by an index ``(fields…, created_at, …)``, the rest matched here)."""
    equalities = {field: value for field, value in query.items()
                  if not field.startswith("$") and not _is_operator(value) and field != "created_at"}
    best = None
    # The longest usable prefix; a search's gram is the likelier to be selective among equals.
    for prefix in sorted(_created_at_prefixes(collection), key=lambda p: search.FIELD not in p):
        if set(prefix) <= set(equalities) and (best is None or len(prefix) > len(best)):
            best = prefix
    if best is None:  # no index serves a created_at range here: slices would each be a full scan
        return None, query
    indexed = {field: equalities[field] for field in best}
    residual = {field: value for field, value in query.items() if field not in indexed}
    return indexed, residual


def _created_at_prefixes(collection):
    """The field lists that precede ``created_at`` in the collection's indexes (cached a while:
    indexes are declared at start and rarely change)."""
    key = (collection.database.name, collection.name)
    now = time.monotonic()
    cached = _index_cache.get(key)
    if cached and cached[0] > now:
        return cached[1]
    prefixes = []
    for spec in collection.index_information().values():
        fields = [field for field, _direction in spec["key"]]
        if "created_at" in fields and not spec.get("partialFilterExpression") and not spec.get("sparse"):
            prefixes.append(tuple(fields[:fields.index("created_at")]))
    _index_cache[key] = (now + _INDEX_CACHE_SECONDS, prefixes)
    return prefixes


def _is_operator(value):
    return isinstance(value, dict) and any(str(k).startswith("$") for k in value)


# -- matching the rest of a filter in Python (the operators the services' lists use) -------------

_MISSING = object()


def matches(doc, query):
    """Whether ``doc`` matches the MongoDB filter ``query`` (the subset lists use: equality,
    $eq/$ne/$in/$nin/$exists/$gt/$gte/$lt/$lte/$regex/$all, $and/$or/$nor). An operator outside
    it raises: a list must not silently return the wrong records."""
    for field, condition in query.items():
        if field == "$and":
            if not all(matches(doc, part) for part in condition):
                return False
        elif field == "$or":
            if not any(matches(doc, part) for part in condition):
                return False
        elif field == "$nor":
            if any(matches(doc, part) for part in condition):
                return False
        elif field.startswith("$"):
            raise ValueError(f"pagination: unsupported operator {field}")
        elif not _field_matches(_get(doc, field), condition):
            return False
    return True


def _get(doc, path):
    value = doc
    for part in path.split("."):
        if isinstance(value, dict) and part in value:
            value = value[part]
        else:
            return _MISSING
    return value


def _candidates(value):
    """The values an equality or comparison is tried against: the value and, for an array, its items."""
    if value is _MISSING:
        return [None]
    if isinstance(value, list):
        return [value, *value]
    return [value]


def _equal(value, expected):
    if expected is None:
        return value is _MISSING or value is None or (isinstance(value, list) and None in value)
    return any(candidate == expected for candidate in _candidates(value))


def _compare(value, op, bound):
    for candidate in _candidates(value):
        if candidate is None or isinstance(candidate, list):
            continue
        try:
            if ((op == "$gt" and candidate > bound) or (op == "$gte" and candidate >= bound)
                    or (op == "$lt" and candidate < bound) or (op == "$lte" and candidate <= bound)):
                return True
        except TypeError:  # MongoDB compares within a type only
            continue
    return False


def _field_matches(value, condition):
    if not _is_operator(condition):
        return _equal(value, condition)
    for op, arg in condition.items():
        if op == "$options":
            continue
        if op == "$eq":
            ok = _equal(value, arg)
        elif op == "$ne":
            ok = not _equal(value, arg)
        elif op == "$in":
            ok = any(_equal(value, each) for each in arg)
        elif op == "$nin":
            ok = not any(_equal(value, each) for each in arg)
        elif op == "$exists":
            ok = (value is not _MISSING) == bool(arg)
        elif op in ("$gt", "$gte", "$lt", "$lte"):
            ok = _compare(value, op, arg)
        elif op == "$all":
            ok = all(_equal(value, each) for each in arg)
        elif op == "$regex":
            flags = re.IGNORECASE if "i" in condition.get("$options", "") else 0
            pattern = re.compile(arg, flags) if isinstance(arg, str) else arg
            ok = any(isinstance(c, str) and pattern.search(c) for c in _candidates(value))
        else:
            raise ValueError(f"pagination: unsupported operator {op}")
        if not ok:
            return False
    return True
