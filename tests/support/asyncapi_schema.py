"""Validating an AsyncAPI 3.0 document offline, against the vendored official JSON Schema."""
import json
from functools import lru_cache
from pathlib import Path

import jsonschema
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT7

SCHEMA = Path(__file__).parent / "asyncapi" / "asyncapi-3.0.0.schema.json"
DOCUMENT_URI = "urn:pingjian:asyncapi"


@lru_cache(maxsize=1)
def _validator():
    schema = json.loads(SCHEMA.read_text(encoding="utf-8"))
    return jsonschema.Draft7Validator(schema)


def asyncapi_errors(document):
    """Every violation of the AsyncAPI 3.0.0 schema, as ``path: message`` lines (empty when valid)."""
    return [f"{'/'.join(map(str, error.absolute_path))}: {error.message[:300]}"
            for error in _validator().iter_errors(document)]


def internal_refs(node):
    if isinstance(node, dict):
        if isinstance(node.get("$ref"), str):
            yield node["$ref"]
        for value in node.values():
            yield from internal_refs(value)
    elif isinstance(node, list):
        for value in node:
            yield from internal_refs(value)


def resolve(document, ref):
    node = document
    for part in ref.removeprefix("#/").split("/"):
        node = node[part]
    return node


def validator_for(document, pointer):
    """A JSON Schema validator for the schema at ``pointer`` in ``document``, its ``#/...``
    references resolved within the document."""
    registry = Registry().with_resource(DOCUMENT_URI, Resource.from_contents(document, default_specification=DRAFT7))
    return jsonschema.Draft7Validator({"$ref": f"{DOCUMENT_URI}{pointer}"}, registry=registry)
