"""Schemas shared by several RPC contracts."""
from marshmallow import Schema, ValidationError, fields, post_load, pre_load, validate, validates_schema

from contracts.fields import day
from kit.errors import ValidationFailed
from kit.pagination import CURSOR_PATTERN, MAX_CURSOR_LENGTH, decode_cursor

PAGE_LIMIT_MAX = 100


def _decodable_cursor(value):
    try:
        decode_cursor(value)
    except ValidationFailed as exc:
        raise ValidationError(exc.fields["cursor"]) from None


class DeadlineExtension(Schema):
    """One extension of a deadline, as kept on its record: from which day to which, why, by whom, when."""
    from_ = fields.String(data_key="from", attribute="from", metadata={"description": "原期限"})
    to = fields.String(metadata={"description": "延长后的期限"})
    reason = fields.String(metadata={"description": "延长理由"})
    by = fields.String(metadata={"description": "批准人用户编号"})
    at = fields.String(metadata={"description": "批准时间（UTC）"})


class PageQuery(Schema):
    # A page larger than the maximum is not an error: the client gets the maximum and a next_cursor.
    limit = fields.Integer(load_default=20, validate=validate.Range(min=1, error="应不小于 {min}"))
    cursor = fields.String(load_default=None, validate=_decodable_cursor, metadata={
        "description": "不透明的分页游标：原样使用上一页响应中的 next_cursor，不要自行构造或修改",
        "pattern": CURSOR_PATTERN, "maxLength": MAX_CURSOR_LENGTH})

    @post_load
    def cap_limit(self, data, **kwargs):
        data["limit"] = min(data["limit"], PAGE_LIMIT_MAX)
        return data


class FromWireName(Schema):
    """Base of a query with a ``from`` field (a Python keyword: the attribute is ``from_``). The
    gateway loads the query string, then the service loads what the gateway forwards: both the wire
    name and the attribute name load."""

    @pre_load
    def _from_attribute_name(self, data, **kwargs):
        if isinstance(data, dict) and "from_" in data:
            data = {**{k: v for k, v in data.items() if k != "from_"}, "from": data["from_"]}
        return data


class DayRange(FromWireName):
    """``from``..``to``: Asia/Shanghai dates, inclusive, either one may be absent; ``from`` after
    ``to`` is a 400 naming ``from``."""
    from_ = day(data_key="from", load_default=None, allow_none=True)
    to = day(load_default=None, allow_none=True)

    @validates_schema
    def _ordered(self, data, **kwargs):
        if data.get("from_") and data.get("to") and data["from_"] > data["to"]:
            raise ValidationError("开始日期不能晚于结束日期", "from")


def refuse_naive_datetimes(data, *names):
    """A date-time without a timezone is refused (400 naming the field), never guessed: a client
    writing ``2027-03-01T09:30:00`` means Beijing time and would get 17:30 if read as UTC (issue 19).
    Give the offset (``+08:00``) or ``Z``. Call from a ``pre_load`` with the wire names to check."""
    from datetime import datetime
    if not isinstance(data, dict):
        return data
    problems = {}
    for name in names:
        value = data.get(name)
        if not isinstance(value, str):
            continue
        try:
            parsed = datetime.fromisoformat(value.replace("Z", "+00:00").replace("z", "+00:00"))
        except ValueError:
            continue  # the field itself says what is wrong with its form
        if parsed.tzinfo is None:
            problems[name] = ["须注明时区，如 2027-03-01T09:30:00+08:00（北京时间）或以 Z 结尾的 UTC 时间"]
    if problems:
        raise ValidationError(problems)
    return data
