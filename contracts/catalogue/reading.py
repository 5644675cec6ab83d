"""Reading the AsyncAPI document back as plain rows, for the renderers (docs/events.md and the
/docs/events page show exactly what the machine-readable document says)."""
from dataclasses import dataclass, field

from contracts.catalogue.asyncapi import X_ENUM, X_QUEUE, X_SCHEMA, X_SERVICE, X_VERSION


@dataclass
class Field:
    name: str
    type: str
    required: bool
    description: str


@dataclass
class Shape:
    """An object schema the document names (Envelope, Actor, a payload's nested object)."""
    name: str
    fields: list


@dataclass
class Consumer:
    name: str
    service: str
    queue: str


@dataclass
class Event:
    type: str
    version: int
    title: str
    description: str
    producer: str
    exchange: str
    schema: str
    fields: list
    nested: list  # Shapes the payload's fields refer to
    example: dict  # None when the payload schema has none (asyncapi.problems reports it)
    consumers: list = field(default_factory=list)

    @property
    def anchor(self):
        return f"{self.type}-v{self.version}".replace(".", "-").replace("_", "-")


def _component(document, ref):
    node = document
    for part in ref.removeprefix("#/").split("/"):
        node = node[part]
    return node


def _ref_name(ref):
    return ref.rsplit("/", 1)[-1]


def type_text(prop):
    """A short, language-neutral type: ``string``, ``string (departments) | null``,
    ``array of string (roles)``, ``Actor | null``. ``(name)``: a code of that enum of
    ``GET /v1/meta/enums``."""
    if "$ref" in prop:
        return _ref_name(prop["$ref"])
    for combinator in ("anyOf", "oneOf"):
        if combinator in prop:
            return " | ".join(type_text(part) for part in prop[combinator])
    if "allOf" in prop and len(prop["allOf"]) == 1:
        return type_text(prop["allOf"][0])
    types = prop.get("type", "any")
    types = types if isinstance(types, list) else [types]
    parts = []
    for kind in types:
        if kind == "array":
            parts.append(f"array of {type_text(prop.get('items', {}))}")
        elif kind != "null" and prop.get(X_ENUM):
            parts.append(f"{kind} ({prop[X_ENUM]})")
        elif kind != "null" and prop.get("enum"):
            parts.append(f"{kind}: " + ", ".join(str(value) for value in prop["enum"] if value is not None))
        else:
            parts.append(kind)
    return " | ".join(parts)


def fields_of(schema):
    required = set(schema.get("required", ()))
    return [Field(name, type_text(prop), name in required, prop.get("description", ""))
            for name, prop in schema.get("properties", {}).items()]


def _refs(node):
    if isinstance(node, dict):
        if "$ref" in node:
            yield node["$ref"]
        for value in node.values():
            yield from _refs(value)
    elif isinstance(node, list):
        for value in node:
            yield from _refs(value)


def nested_shapes(document, schema):
    """Every named object schema that ``schema``'s fields refer to, however deep, in order."""
    shapes, seen, pending = [], set(), list(_refs(schema.get("properties", {})))
    while pending:
        ref = pending.pop(0)
        if ref in seen:
            continue
        seen.add(ref)
        component = _component(document, ref)
        shapes.append(Shape(_ref_name(ref), fields_of(component)))
        pending.extend(_refs(component.get("properties", {})))
    return shapes


def envelope(document):
    """The envelope and the shapes it refers to (Actor)."""
    schema = document["components"]["schemas"]["Envelope"]
    return [Shape("Envelope", fields_of(schema)), *nested_shapes(document, schema)]


def events(document):
    """Every message of the document, by event type then version, with its producer and consumers."""
    found = []
    for channel_name, channel in document["channels"].items():
        exchange = channel["bindings"]["amqp"]["exchange"]["name"]
        operations = [op for op in document["operations"].values()
                      if op["channel"]["$ref"] == f"#/channels/{channel_name}"]
        producer = next(op[X_SERVICE] for op in operations if op["action"] == "send")
        consumers = [Consumer(name, op[X_SERVICE], op[X_QUEUE]) for name, op in document["operations"].items()
                     if op["action"] == "receive" and op["channel"]["$ref"] == f"#/channels/{channel_name}"]
        for reference in channel["messages"].values():
            message = _component(document, reference["$ref"])
            payload_ref = message["payload"]["allOf"][1]["properties"]["payload"]["$ref"]
            payload = _component(document, payload_ref)
            found.append(Event(
                type=message["name"], version=message[X_VERSION], title=message.get("summary", ""),
                description=message.get("description", ""), producer=producer, exchange=exchange,
                schema=message[X_SCHEMA], fields=fields_of(payload), nested=nested_shapes(document, payload),
                example=(message.get("examples") or [{}])[0].get("payload"), consumers=consumers))
    return sorted(found, key=lambda event: (event.type, event.version))
