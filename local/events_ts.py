"""The stream events as TypeScript types (``docs/events.d.ts``), written from the OpenAPI document's
schemas: ``StreamEvent`` and every schema it reaches. Only the JSON Schema the events use is
understood (``$ref``, ``const``, ``enum``, ``anyOf``, ``oneOf``, arrays, objects, scalar types);
anything else is an error, not a guess."""

from __future__ import annotations

import json
from typing import Any

HEADER = """\
// The agent runtime's stream events (each Server-Sent Event's `data`, by its `event` name).
// Generated from the API's OpenAPI document (functions/health/openapi.json) by `make openapi`:
// do not edit by hand.
"""
FOOTER = """\
/** Every event's `type` (its SSE `event:` name). */
export type StreamEventType = StreamEvent["type"];
"""
_SCALARS = {"string": "string", "integer": "number", "number": "number", "boolean": "boolean", "null": "null"}
_PREFIX = "#/components/schemas/"


def events_typescript(document: dict[str, Any]) -> str:
    schemas: dict[str, Any] = document["components"]["schemas"]
    names = _reached("StreamEvent", schemas)
    parts = [HEADER]
    for name in names:
        schema = schemas[name]
        if "properties" in schema:
            parts.append(_interface(name, schema))
        else:
            parts.append(f"{_doc(schema, '')}export type {name} = {_type(schema)};\n")
    parts.append(FOOTER)
    return "\n".join(parts)


def _reached(root: str, schemas: dict[str, Any]) -> list[str]:
    """``root`` and the schemas it refers to, in the order they are first met."""
    order: list[str] = []
    pending = [root]
    while pending:
        name = pending.pop(0)
        if name in order:
            continue
        order.append(name)
        pending += [ref.removeprefix(_PREFIX) for ref in _refs(schemas[name])]
    return order


def _refs(node: Any) -> list[str]:
    if isinstance(node, dict):
        found = [node["$ref"]] if isinstance(node.get("$ref"), str) else []
        return found + [ref for key, value in node.items() if key != "$ref" for ref in _refs(value)]
    if isinstance(node, list):
        return [ref for item in node for ref in _refs(item)]
    return []


def _interface(name: str, schema: dict[str, Any]) -> str:
    required = set(schema.get("required", ()))
    lines = [f"{_doc(schema, '')}export interface {name} {{"]
    for field, field_schema in schema["properties"].items():
        optional = "" if field in required else "?"
        lines.append(f"{_doc(field_schema, '  ')}  {field}{optional}: {_type(field_schema)};")
    lines.append("}\n")
    return "\n".join(lines)


def _doc(schema: dict[str, Any], indent: str) -> str:
    description = schema.get("description")
    if not description:
        return ""
    text = " ".join(description.split()).replace("*/", "*\\/")
    return f"{indent}/** {text} */\n"


def _type(schema: dict[str, Any]) -> str:
    if "$ref" in schema:
        return str(schema["$ref"]).removeprefix(_PREFIX)
    if "const" in schema:
        return json.dumps(schema["const"])
    if "enum" in schema:
        return " | ".join(json.dumps(value) for value in schema["enum"])
    for key in ("anyOf", "oneOf"):
        if key in schema:
            return " | ".join(_type(branch) for branch in schema[key])
    kind = schema.get("type")
    if kind in _SCALARS:
        return _SCALARS[kind]
    if kind == "array":
        return f"Array<{_type(schema.get('items', {}))}>"
    if kind == "object" and "properties" not in schema:
        values = schema.get("additionalProperties", True)
        return f"Record<string, {'unknown' if values in (True, {}) else _type(values)}>"
    if schema == {}:
        return "unknown"
    raise ValueError(f"no TypeScript type for the schema {schema}")
