"""marshmallow at the boundary: load or raise a ValidationFailed naming the fields."""
from marshmallow import ValidationError

from kit.errors import ValidationFailed

INVALID = "请求参数有误"


def load(schema, data):
    if data is None:
        data = {}
    if not isinstance(data, dict):
        raise ValidationFailed("请求体必须是 JSON 对象", fields={"_schema": ["请求体必须是 JSON 对象"]})
    try:
        return schema.load(data)
    except ValidationError as exc:
        raise ValidationFailed(INVALID, fields=exc.normalized_messages()) from None
