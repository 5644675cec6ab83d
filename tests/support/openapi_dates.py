"""The date fields of an OpenAPI document, and requests that put extreme dates in each (issue 18):
for every operation, every query parameter and body property (nested ones too) of format ``date`` or
``date-time`` is filled with values at and beyond the platform's window, the rest of the body with
the smallest values its schema accepts, so the date reaches the code behind the validation too."""
import re
from dataclasses import dataclass

EXTREMES = {
    "date": ["0001-01-01", "1900-01-01", "1949-12-31", "1950-01-01", "2003-12-30", "2099-12-31", "2100-01-01",
             "9999-12-31"],
    "date-time": ["0001-01-01T00:00:00+14:00", "1950-01-01T00:00:00+00:00", "2099-12-31T23:00:00+00:00",
                  "2099-12-31T23:59:59-12:00", "9999-12-31T23:00:00+00:00", "9999-12-31T23:59:59-12:00"],
}
_ROLES = re.compile(r"需要角色：(\S+)")


@dataclass(frozen=True)
class DateField:
    method: str
    path: str
    where: str          # "query" or "body"
    pointer: tuple      # property names (and 0 for an array's item) down to the field
    format: str
    roles: tuple        # the roles the operation needs (empty: any signed-in user)


def _resolve(spec, schema):
    """Follow ``$ref``s, and a nullable nested schema's ``allOf: [one]`` (how apispec writes it)."""
    while True:
        if "$ref" in schema:
            schema = spec["components"]["schemas"][schema["$ref"].rsplit("/", 1)[-1]]
        elif len(schema.get("allOf") or ()) == 1:
            schema = schema["allOf"][0]
        elif schema.get("anyOf"):  # a nullable nested schema: [the schema, a null object]
            schema = next((each for each in schema["anyOf"] if "$ref" in each), schema["anyOf"][0])
        else:
            return schema


def _dates_in(spec, schema, pointer=(), depth=0):
    schema = _resolve(spec, schema)
    if depth > 6:
        return
    if schema.get("format") in EXTREMES and schema.get("type", "string") == "string":
        yield pointer, schema["format"]
        return
    if schema.get("type") == "array" and "items" in schema:
        yield from _dates_in(spec, schema["items"], pointer + (0,), depth + 1)
    for name, prop in (schema.get("properties") or {}).items():
        if not _resolve(spec, prop).get("readOnly"):
            yield from _dates_in(spec, prop, pointer + (name,), depth + 1)


def date_fields(spec):
    for path, operations in sorted(spec["paths"].items()):
        for method, op in sorted(operations.items()):
            roles = tuple(_ROLES.search(op.get("description", "")).group(1).split("、")) \
                if _ROLES.search(op.get("description", "")) else ()
            for parameter in op.get("parameters", []):
                if parameter["in"] == "query":
                    for pointer, fmt in _dates_in(spec, parameter.get("schema", {}), (parameter["name"],)):
                        yield DateField(method.upper(), path, "query", pointer[:1], fmt, roles)
            body = (op.get("requestBody") or {}).get("content", {}).get("application/json", {}).get("schema")
            if body:
                for pointer, fmt in _dates_in(spec, body):
                    yield DateField(method.upper(), path, "body", pointer, fmt, roles)


def minimal(spec, schema, depth=0):
    """The smallest instance ``schema`` accepts, as far as its JSON Schema says."""
    schema = _resolve(spec, schema)
    if "enum" in schema:
        return schema["enum"][0]
    kind = schema.get("type")
    if kind == "object" or "properties" in schema:
        if depth > 6:
            return {}
        return {name: minimal(spec, prop, depth + 1) for name, prop in (schema.get("properties") or {}).items()
                if name in schema.get("required", ())}
    if kind == "array":
        count = schema.get("minItems", 0)
        return [minimal(spec, schema.get("items", {}), depth + 1) for _ in range(count)]
    if kind == "integer":
        return max(schema.get("minimum", 1), 1) if "maximum" not in schema or schema["maximum"] >= 1 else schema["minimum"]
    if kind == "number":
        return schema.get("minimum", 1)
    if kind == "boolean":
        return False
    fmt = schema.get("format")
    if fmt == "date":
        return "2026-06-01"
    if fmt == "date-time":
        return "2026-06-01T08:00:00+08:00"
    return "测" * max(schema.get("minLength", 1), 1)


def with_value(spec, schema, pointer, value):
    """``minimal(schema)`` with ``value`` put at ``pointer`` (the objects on the way created)."""
    body = minimal(spec, schema)
    if not pointer:
        return value
    node, node_schema = body, _resolve(spec, schema)
    for index, key in enumerate(pointer):
        last = index == len(pointer) - 1
        if key == 0:  # an array's item
            item_schema = _resolve(spec, node_schema.get("items", {}))
            if not node:
                node.append(minimal(spec, item_schema) if not last else value)
            if last:
                node[0] = value
            node, node_schema = node[0], item_schema
            continue
        prop_schema = _resolve(spec, (node_schema.get("properties") or {}).get(key, {}))
        if last:
            node[key] = value
        else:
            if not isinstance(node.get(key), (dict, list)):
                node[key] = [] if prop_schema.get("type") == "array" else minimal(spec, prop_schema)
                if isinstance(node[key], dict) is False and prop_schema.get("type") != "array":
                    node[key] = {}
            node, node_schema = node[key], prop_schema
    return body
