"""Versions on the wire: every versioned record goes out with an ``ETag`` (its ``version``), and a
change may come back with ``If-Match`` naming the version it was decided on.

The gateway puts ``{"id": <the route's last path parameter>, "version": N}`` in the request's
context; the owning service's aggregates (kit/aggregate.py) refuse a change of that record from
another version with 412, writing nothing. Without ``If-Match`` (or with ``*``) a change applies as
before, so API clients that never send it keep working.
"""
import re

from kit.errors import ValidationFailed

PATH_PARAM = re.compile(r"<(?:[^:>]+:)?([^>]+)>")
CHANGING = frozenset(("PATCH", "PUT", "POST", "DELETE"))
_ONE_TAG = re.compile(r'(?:W/)?"?(\d{1,9})"?')


def expected(request, url, path_values):
    """The context's ``if_match`` for this request, or None when there is nothing to check."""
    header = request.headers.get("If-Match")
    params = PATH_PARAM.findall(url)
    if header is None or request.method not in CHANGING or not params or header.strip() == "*":
        return None
    match = _ONE_TAG.fullmatch(header.strip())
    if match is None:
        raise ValidationFailed("If-Match 应为记录的一个版本（响应的 ETag，如 \"3\"）",
                               fields={"If-Match": ["应为一个 ETag，如 \"3\""]})
    return {"id": path_values[params[-1]], "version": int(match.group(1))}


def etag(version):
    return f'"{version}"'


def etag_headers(payload):
    """``ETag`` for a versioned record's answer; None for anything else."""
    version = payload.get("version") if isinstance(payload, dict) else None
    if isinstance(version, int) and not isinstance(version, bool):
        return {"ETag": etag(version)}
    return None
