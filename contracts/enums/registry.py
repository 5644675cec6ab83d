"""The one registry of enums that ``GET /v1/meta/enums`` serves: name -> {code: zh-CN label}.

A domain module registers its enums here (``register("roles", ROLES, title="角色")``); the
package imports every domain module, so the registry is complete whoever imports what.
"""
from marshmallow import Schema, fields

# name -> labels (the very dict the domain module holds, so both always agree)
ALL = {}
# name -> zh-CN title, for the OpenAPI document
TITLES = {}


def register(name, labels, *, title):
    """Add one enum under ``name``; returns ``labels``, so a module can write
    ``ROLES = register("roles", {...}, title="角色")``."""
    if name in ALL and ALL[name] is not labels:
        raise ValueError(f"enum {name!r} is registered twice")
    if not labels or not all(isinstance(code, str) and isinstance(label, str) for code, label in labels.items()):
        raise ValueError(f"enum {name!r} needs string codes with string labels")
    ALL[name] = labels
    TITLES[name] = title
    return labels


def response_schema():
    """The marshmallow schema of the ``/v1/meta/enums`` body, generated from the registry: every
    enum is an object of its codes, so a newly registered enum and its codes appear in the OpenAPI
    document without anyone editing a schema."""
    return Schema.from_dict({name: fields.Nested(_labels_schema(name), required=True,
                                                 metadata={"description": f"{TITLES[name]}：代码 → 中文名称"})
                             for name in ALL}, name="Enums")


def _labels_schema(name):
    # One component per enum, named after it (roles -> RolesLabels), listing every code.
    class_name = "".join(part.capitalize() for part in name.split("_")) + "Labels"
    return Schema.from_dict({code: fields.String(required=True, metadata={"example": label})
                             for code, label in ALL[name].items()}, name=class_name)
