"""Small marshmallow building blocks reused by every contract schema."""
import copy
import unicodedata
import uuid
from datetime import date, timezone

from marshmallow import EXCLUDE, Schema, ValidationError, fields, validate


def _localize_error_messages():
    """Error messages reach people, so they are zh-CN: set marshmallow's defaults once, here."""
    fields.Field.default_error_messages.update({
        "required": "缺少必填字段",
        "null": "不能为空值（null）",
        "validator_failed": "取值无效",
    })
    for field_cls, messages in {
        fields.String: {"invalid": "应为字符串", "invalid_utf8": "不是有效的 UTF-8 字符串"},
        fields.Integer: {"invalid": "应为整数", "too_large": "数值过大"},
        fields.Number: {"invalid": "应为数字", "too_large": "数值过大"},
        fields.Boolean: {"invalid": "应为布尔值（true/false）"},
        fields.List: {"invalid": "应为数组"},
        fields.Dict: {"invalid": "应为 JSON 对象"},
        fields.Mapping: {"invalid": "应为 JSON 对象"},
        fields.Nested: {"type": "应为 JSON 对象"},
        fields.DateTime: {"invalid": "不是有效的日期时间"},
        fields.Date: {"invalid": "不是有效的日期（YYYY-MM-DD）", "format": "无法格式化的日期"},
    }.items():
        field_cls.default_error_messages = {**field_cls.default_error_messages, **messages}
    Schema._default_error_messages = {**Schema._default_error_messages,
                                      "type": "应为 JSON 对象", "unknown": "未知字段"}


_localize_error_messages()


def one_of(choices):
    # Error text names the allowed codes, so a client can fix its request.
    return validate.OneOf(list(choices), error="取值无效，可选值：{choices}")


def code(choices, **kwargs):
    return fields.String(validate=one_of(choices), **kwargs)


# Line breaks and tabs are text; every other control character (NUL, BEL, ESC, ...) and the
# bidirectional overrides are garbage in a record and a hazard in a terminal or a log. Private-use
# characters stay allowed: rare characters of people's names live there in some systems.
_TEXT_WHITESPACE = frozenset("\t\n\r")
_BIDI_CONTROLS = frozenset("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")


def _bad_characters(value, allowed=frozenset()):
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        return "不是有效的 Unicode 文本（含孤立的代理字符）"
    if any((unicodedata.category(ch) in ("Cc", "Zl", "Zp") or ch in _BIDI_CONTROLS) and ch not in allowed
           for ch in value):
        return "含有不允许的控制字符"
    return None


class TrimmedString(fields.String):
    """A string whose surrounding whitespace is dropped before it is validated, so "  " is
    empty (and refused where text is required), not a blank case number. Valid Unicode only;
    ``allowed`` are the control characters it may hold (line breaks in free text)."""

    def __init__(self, *args, allowed=_TEXT_WHITESPACE, **kwargs):
        super().__init__(*args, **kwargs)
        self.allowed = allowed

    def _deserialize(self, value, attr, data, **kwargs):
        value = super()._deserialize(value, attr, data, **kwargs).strip()
        problem = _bad_characters(value, self.allowed)
        if problem:
            raise ValidationError(problem)
        return value


def _length_and(min_len, max_len, extra):
    """The length rule, then any validators the caller adds (``validate=`` of one field or several)."""
    length = validate.Length(min=min_len, max=max_len, error="长度应在 {min} 到 {max} 之间（不计首尾空白）")
    if extra is None:
        return length
    return [length, *(extra if isinstance(extra, (list, tuple)) else [extra])]


def text(min_len=1, max_len=200, validate=None, **kwargs):
    """Free text: may span lines."""
    return TrimmedString(validate=_length_and(min_len, max_len, validate), **kwargs)


def line(min_len=1, max_len=200, validate=None, **kwargs):
    """One line of text (a title, a name, a case number, an id): no control characters at all."""
    return TrimmedString(allowed=frozenset(), validate=_length_and(min_len, max_len, validate), **kwargs)


class StrictBoolean(fields.Boolean):
    """A JSON true or false, nothing else: marshmallow's Boolean also takes 1, "yes", "on", which a
    body should not get away with (query strings, where everything is text, use fields.Boolean)."""

    def _deserialize(self, value, attr, data, **kwargs):
        if type(value) is not bool:
            raise self.make_error("invalid")
        return value


def _is_uuid(value):
    try:
        uuid.UUID(str(value))
    except ValueError:
        raise ValidationError("不是有效的 UUID") from None


def uuid_string(**kwargs):
    return fields.String(validate=_is_uuid, **kwargs)


# The window every date and instant a client sends must fall in (issue 18): wide enough for any
# record a district procuratorate keeps or plans, narrow enough that every computation on it (months
# and working days added, a day's end, a time zone shifted) stays a valid date — 9999-12-31 + 1 day
# overflowed in three services before. A field may narrow it (``window=``), never widen it.
EARLIEST_DAY, LATEST_DAY = date(1950, 1, 1), date(2099, 12, 31)


def _window_problem(value, earliest, latest):
    if not earliest <= value <= latest:
        return f"日期超出可受理的范围（{earliest.isoformat()} 至 {latest.isoformat()}）"
    return None


def _with_window_note(kwargs, earliest, latest):
    """The window said in the field's OpenAPI description (and as x-earliest / x-latest)."""
    metadata = dict(kwargs.pop("metadata", None) or {})
    note = f"取值范围 {earliest.isoformat()} 至 {latest.isoformat()}"
    description = metadata.get("description")
    metadata["description"] = f"{description}（{note}）" if description else note
    metadata.setdefault("x-earliest", earliest.isoformat())
    metadata.setdefault("x-latest", latest.isoformat())
    kwargs["metadata"] = metadata
    return kwargs


class WindowedDateTime(fields.AwareDateTime):
    """An instant with a time zone (one without is read as UTC), inside the platform's date window:
    checked on its calendar date in its own zone and in UTC, before any arithmetic can overflow."""

    def __init__(self, *, window=(EARLIEST_DAY, LATEST_DAY), **kwargs):
        self.earliest, self.latest = window
        super().__init__(format="iso", default_timezone=timezone.utc,
                         **_with_window_note(kwargs, self.earliest, self.latest))

    def _deserialize(self, value, attr, data, **kwargs):
        moment = super()._deserialize(value, attr, data, **kwargs)
        problem = _window_problem(moment.date(), self.earliest, self.latest)
        if problem is None:
            try:
                problem = _window_problem(moment.astimezone(timezone.utc).date(), self.earliest, self.latest)
            except OverflowError:  # 0001-01-01T00:00+14:00 is before year 1 in UTC
                problem = _window_problem(date.min, self.earliest, self.latest)
        if problem:
            raise ValidationError(problem)
        return moment


def utc_datetime(*, window=(EARLIEST_DAY, LATEST_DAY), **kwargs):
    return WindowedDateTime(window=window, **kwargs)


def ignoring_unknown(schema):
    """Set ``schema`` to drop fields it does not declare, in its nested schemas too; returns it.

    For consumers (the tolerant reader): a producer may add an optional field before every
    consumer knows it. marshmallow's ``load(unknown=EXCLUDE)`` covers the top level only: a
    ``Nested`` field loads with its own ``unknown``, so the whole tree is set here. Pass a schema
    of your own: each nested schema is deep-copied first, never shared with another schema.
    """
    schema.unknown = EXCLUDE
    for field in schema.fields.values():
        _ignore_unknown_within(field)
    return schema


def _ignore_unknown_within(field):
    if isinstance(field, fields.Nested):
        field.unknown = EXCLUDE
        field._schema = ignoring_unknown(copy.deepcopy(field.schema))
    for inner in (getattr(field, "inner", None), getattr(field, "value_field", None),
                  *getattr(field, "tuple_fields", ())):
        if inner is not None:  # List, Dict/Mapping values, Tuple
            _ignore_unknown_within(inner)


MAX_FEN = 10 ** 13  # an absurd amount for a district procuratorate: almost certainly a typo


class Money(fields.Integer):
    """An amount in integer fen: a JSON integer only (no float, no string), 0 ≤ amount ≤ 10^13."""

    def __init__(self, **kwargs):
        super().__init__(strict=True, validate=validate.Range(min=0, max=MAX_FEN, error="金额（分）应在 {min} 到 {max} 之间"),
                         **kwargs)

    def _validated(self, value):
        if isinstance(value, bool) or not isinstance(value, int):
            raise self.make_error("invalid")
        return super()._validated(value)


def money(**kwargs):
    return Money(**kwargs)


def count(**kwargs):
    """A number of people or things: a JSON integer, not negative."""
    return fields.Integer(strict=True, validate=validate.Range(min=0, max=10 ** 9, error="应在 {min} 到 {max} 之间"),
                          **kwargs)


class Day(fields.Date):
    """A calendar date, YYYY-MM-DD (due dates, decision dates: Asia/Shanghai dates). Loaded as a
    ``date`` inside the field's window (the platform's by default: a 400 naming the field outside);
    stored as its ISO text (BSON has no date-only type), and dumped from either."""

    def __init__(self, *, window=(EARLIEST_DAY, LATEST_DAY), **kwargs):
        self.earliest, self.latest = window
        super().__init__(**_with_window_note(kwargs, self.earliest, self.latest))

    def _deserialize(self, value, attr, data, **kwargs):
        loaded = super()._deserialize(value, attr, data, **kwargs)
        problem = _window_problem(loaded, self.earliest, self.latest)
        if problem:
            raise ValidationError(problem)
        return loaded

    def _serialize(self, value, attr, obj, **kwargs):
        if isinstance(value, str):
            return value
        return super()._serialize(value, attr, obj, **kwargs)


def day(*, window=(EARLIEST_DAY, LATEST_DAY), **kwargs):
    return Day(format="%Y-%m-%d", window=window, **kwargs)
