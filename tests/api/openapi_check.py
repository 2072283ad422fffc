"""Helpers to hold real answers to the OpenAPI schema (OpenAPI 3.0 -> JSON Schema 2020-12).

``strict=True`` also closes every object that lists its properties (``additionalProperties:
false``), so an answer carrying a key the schema does not document fails, not only a wrong type.
"""

from __future__ import annotations

import copy
import json

from drf_spectacular.generators import SchemaGenerator
from jsonschema import Draft202012Validator

HTTP_METHODS = ("get", "post", "put", "patch", "delete")
TYPED = {"type", "$ref", "allOf", "oneOf", "anyOf", "enum"}


def api_schema() -> dict:
    """The schema exactly as /api/schema/ serves it (public, as JSON)."""
    return json.loads(json.dumps(SchemaGenerator().get_schema(request=None, public=True), default=str))


def operations(schema: dict):
    """(METHOD, path, operation) for every operation."""
    for path, item in sorted(schema["paths"].items()):
        for method in HTTP_METHODS:
            if method in item:
                yield method.upper(), path, item[method]


def _to_json_schema(node, strict: bool):
    if isinstance(node, list):
        return [_to_json_schema(v, strict) for v in node]
    if not isinstance(node, dict):
        return node
    node = {k: _to_json_schema(v, strict) if k not in ("enum", "required") else v for k, v in node.items()}
    if strict and "properties" in node and "additionalProperties" not in node:
        node["additionalProperties"] = False
    if node.pop("nullable", False):
        node = {"anyOf": [node, {"type": "null"}]}
    return node


def validator(schema: dict, component: str, *, strict: bool = True) -> Draft202012Validator:
    components = _to_json_schema(copy.deepcopy(schema["components"]["schemas"]), strict)
    root = {"$ref": f"#/components/schemas/{component}", "components": {"schemas": components}}
    return Draft202012Validator(root)


def problems(schema: dict, component: str, instance, *, strict: bool = True) -> list[str]:
    """Every way ``instance`` breaks ``component`` (empty when it conforms)."""
    return [
        f"{'/'.join(map(str, e.absolute_path))}: {e.message}"
        for e in validator(schema, component, strict=strict).iter_errors(instance)
    ]


def untyped(schema: dict) -> list[str]:
    """Where the schema says nothing about a value: a schema with no type (a JSONField's ``{}``),
    or an object with no properties that takes any value (``additionalProperties: {}``/true)."""
    found = []

    def walk(node, where: str, is_schema: bool):
        if isinstance(node, list):
            for i, v in enumerate(node):
                walk(v, f"{where}[{i}]", is_schema)
            return
        if not isinstance(node, dict):
            return
        if is_schema:
            if not (TYPED & node.keys()) and "properties" not in node and "items" not in node:
                found.append(f"{where}: no type")
            free = node.get("additionalProperties", True if "properties" not in node else None)
            if node.get("type") == "object" and "properties" not in node and free in (True, {}):
                found.append(f"{where}: free-form object")
        for key, value in node.items():
            if key in ("properties",):
                for name, prop in value.items():
                    walk(prop, f"{where}/properties/{name}", True)
            elif key in ("allOf", "oneOf", "anyOf") or (
                key in ("items", "additionalProperties", "schema") and isinstance(value, dict)
            ):
                walk(value, f"{where}/{key}", True)
            elif not is_schema or key not in ("enum", "required", "example", "default"):
                walk(value, f"{where}/{key}", False)

    for name, component in schema["components"]["schemas"].items():
        walk(component, f"#/components/schemas/{name}", True)
    walk(schema["paths"], "paths", False)
    return found
