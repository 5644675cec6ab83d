"""Events published by the ``accounts`` service (exchange ``accounts.events``), payload version 1.

Every payload is a copy of the account as it is after the change (never its password hash), so a
consumer keeps its own projection of users without calling back."""
from marshmallow import Schema, fields

from contracts import enums
from contracts.envelope import register
from contracts.fields import code

SOURCE = "accounts"


class _UserSnapshot(Schema):
    id = fields.String(required=True)
    username = fields.String(required=True)
    display_name = fields.String(required=True)
    department = code(enums.DEPARTMENTS, required=True)
    roles = fields.List(code(enums.ROLES), required=True)
    active = fields.Boolean(required=True)
    email = fields.String(load_default=None)


@register("user.created", 1)
class UserCreated(_UserSnapshot):
    pass


@register("user.updated", 1)
class UserUpdated(_UserSnapshot):
    changed = fields.List(fields.String(), required=True)  # the fields this change touched


@register("user.deactivated", 1)
class UserDeactivated(_UserSnapshot):
    pass
