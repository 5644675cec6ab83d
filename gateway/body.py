"""Request bodies: read within bounds, JSON only, valid Unicode only.

- Bodies are read from the WSGI input directly, so a chunked body is read
  (werkzeug would see no Content-Length and hand back nothing, which turned a
  valid chunked POST into "missing field" errors), up to MAX_BODY_BYTES.
- A body that is refused unread (401, 413, 415, ...) is drained, up to
  HTTP_DISCARD_BYTES, before the answer goes out: a client still sending
  (urllib with a 6 MB body) then reads the answer instead of a connection
  reset, as nginx's lingering close does. Past that bound the connection is
  closed.
- JSON may encode a lone UTF-16 surrogate (``"\\ud800"``): Python accepts it, but
  it cannot be stored, logged or sent back as UTF-8. Such strings are refused
  here, naming the field, before any code downstream sees them.
"""
import json

import eventlet
from eventlet.wsgi import ChunkReadError

from kit.errors import DomainError, ValidationFailed

_CHUNK = 64 * 1024
INVALID_TEXT = "不是有效的 Unicode 文本（含孤立的代理字符）"


class PayloadTooLarge(DomainError):
    code = "payload_too_large"
    http_status = 413


class UnsupportedMediaType(DomainError):
    code = "unsupported_media_type"
    http_status = 415


def _is_json(mimetype):
    return mimetype == "application/json" or (mimetype.startswith("application/") and mimetype.endswith("+json"))


def _has_body(request):
    return bool(request.content_length) or _chunked(request)


def _chunked(request):
    return request.environ.get("HTTP_TRANSFER_ENCODING", "").strip().lower() == "chunked"


def read_json(request, max_bytes, seconds):
    """The request's JSON body ({} when there is none); typed errors for everything else."""
    if not _has_body(request):
        return {}
    if not _is_json(request.mimetype):
        raise UnsupportedMediaType("请求体必须是 JSON（Content-Type: application/json）",
                                   fields={"Content-Type": [f"不支持的类型：{request.mimetype or '未指定'}"]})
    if request.content_length is not None and request.content_length > max_bytes:
        raise PayloadTooLarge(f"请求体超过上限 {max_bytes} 字节")
    stream = request.environ["wsgi.input"]
    try:
        with eventlet.Timeout(seconds, ValidationFailed("请求体发送超时", fields={"_body": ["请求体发送超时"]})):
            raw = stream.read(max_bytes + 1)
    except ChunkReadError:
        raise ValidationFailed("请求体的分块编码无效", fields={"_body": ["分块编码无效"]}) from None
    if len(raw) > max_bytes:
        raise PayloadTooLarge(f"请求体超过上限 {max_bytes} 字节")
    if not raw.strip():
        return {}
    try:
        data = json.loads(raw)
    except ValueError as exc:  # includes invalid UTF-8
        raise ValidationFailed("请求体不是有效的 JSON", fields={"_body": [f"JSON 解析失败：{exc}"]}) from None
    except RecursionError:
        raise ValidationFailed("请求体不是有效的 JSON", fields={"_body": ["JSON 嵌套层数过深"]}) from None
    invalid = invalid_text_fields(data)
    if invalid:
        raise ValidationFailed("请求参数有误", fields=invalid)
    return data


def drain(environ, limit_bytes, seconds):
    """Read and drop what is left of the request body, up to ``limit_bytes`` within ``seconds``.
    True if the body was read to its end (the connection can serve another request)."""
    stream = environ.get("wsgi.input")
    if stream is None:
        return True
    left = limit_bytes
    try:
        with eventlet.Timeout(seconds, False):
            while left > 0:
                data = stream.read(min(_CHUNK, left))
                if not data:
                    return True
                left -= len(data)
            return not stream.read(1)
    except (OSError, ChunkReadError):
        pass
    return False


def _valid_text(value):
    try:
        value.encode("utf-8")
        return True
    except UnicodeEncodeError:
        return False


def _printable_key(key):
    return key if _valid_text(key) else key.encode("utf-8", "backslashreplace").decode("ascii")


def invalid_text_fields(value):
    """marshmallow-style field errors for every string (or key) that is not valid Unicode."""
    errors = {}
    if isinstance(value, dict):
        items = value.items()
    elif isinstance(value, list):
        items = enumerate(value)
    else:
        return errors
    for key, item in items:
        if isinstance(key, str) and not _valid_text(key):
            errors[_printable_key(key)] = [INVALID_TEXT]
        elif isinstance(item, str):
            if not _valid_text(item):
                errors[key] = [INVALID_TEXT]
        else:
            nested = invalid_text_fields(item)
            if nested:
                errors[key] = nested
    return errors
