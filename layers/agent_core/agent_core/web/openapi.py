"""The API's one OpenAPI 3.1 document: every function app's routes merged, each error described as
the body the API really sends (``{"error": {...}}``), the headers every response carries, and the
streams' events, one schema per event type.

The functions declare what is particular to a route (``responses=errors(404, 409)``, tags); what
is true of every route of a kind is added here: 429 and 500 on all of them (API Gateway throttles
every route; anything may fail), 401, 403, 422 and 503 where a key is needed (a key is checked in
the table, ``X-End-User-Id`` needs a scope and a shape), 400 and 413 where there is a body.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Iterable, Iterator
from typing import Any

from fastapi import FastAPI
from pydantic import TypeAdapter

from agent_core.events import StreamEvent
from agent_core.web.errors import ErrorBody

ERROR_DESCRIPTIONS = {
    400: "The body is not valid JSON (invalid_json).",
    401: "No X-API-Key, or not a valid one (unauthorized).",
    403: "The API key lacks a scope this needs (forbidden).",
    404: "Not found, or not the caller's to see.",
    409: "Conflicts with the state of the session or the run.",
    413: "The body is over the size limit (payload_too_large).",
    422: "A parameter, a header or the body is invalid (invalid_request, the fields named).",
    429: (
        "Too many requests: the tenant's limits (Retry-After says when to try again), or API "
        "Gateway's throttling (THROTTLED)."
    ),
    500: "Something went wrong on the server (internal_error).",
    502: "The model provider failed (model_error).",
    503: "Unavailable: the table (storage_unavailable), or the tenant's agents switched off.",
    504: "The turn ran past its deadline (deadline_exceeded), or API Gateway's integration timed out.",
}

HEADERS: dict[str, dict[str, Any]] = {
    "X-Request-Id": {
        "description": "The request's id: in its log lines and in an error's body.",
        "required": True,
        "schema": {"type": "string"},
    },
    # A status API Gateway may answer itself (a throttled request, a body over its 10 MB, a failed
    # or timed-out integration): its answer names the request in x-amzn-RequestId and the body.
    "X-Request-Id-Unless-Gateway": {
        "description": (
            "The request's id, when a function answered; API Gateway's own answers of this status "
            "carry it in x-amzn-RequestId and the body's request_id instead."
        ),
        "schema": {"type": "string"},
    },
    "Retry-After": {
        "description": "Seconds to wait before trying again.",
        "schema": {"type": "string", "pattern": "^[0-9]+$"},
    },
    "Idempotent-Replayed": {
        "description": "This answer is a retry's (same Idempotency-Key): the first request's turn.",
        "schema": {"type": "string", "const": "true"},
    },
    "Cache-Control": {
        "description": "A stream is neither cached nor transformed (compressed) on the way.",
        "required": True,
        "schema": {"type": "string", "const": "no-cache, no-transform"},
    },
    "X-Accel-Buffering": {
        "description": "Tells nginx (and proxies that honour it) not to buffer the stream.",
        "required": True,
        "schema": {"type": "string", "const": "no"},
    },
}
_STREAM_HEADERS = ("Cache-Control", "X-Accel-Buffering")
_GATEWAY_STATUSES = {"413", "429", "500", "502", "504"}
EVENT_STREAM = "text/event-stream"
# A stream event's id: the run's id and the event's number in it (Last-Event-ID sends it back).
EVENT_ID_PATTERN = "^[A-Za-z0-9_.-]{1,64}:[0-9]+$"


def errors(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """Route metadata (FastAPI's ``responses=``): each of ``statuses`` answers the error body."""
    return {status: {"model": ErrorBody, "description": ERROR_DESCRIPTIONS[status]} for status in statuses}


# The schema names the events go by where a class name would be ambiguous (``Error`` is also
# JavaScript's own).
_RENAMED = {"Error": "StreamError"}


def event_schemas() -> dict[str, dict[str, Any]]:
    """One schema per stream event type (named as its class in ``agent_core.events``, but for
    ``StreamError``), what they refer to, ``StreamEvent`` (any of them, by ``type``), and
    ``ServerSentEvent``, an event of a stream as SSE frames it. Every field is always sent
    (``null`` included)."""
    document = TypeAdapter(StreamEvent).json_schema(
        mode="serialization", ref_template="#/components/schemas/{model}"
    )
    document = _renamed(_without_null_defaults(document))  # null defaults: as FastAPI writes them
    schemas: dict[str, dict[str, Any]] = document.pop("$defs")
    for name in event_names():
        schemas[name]["required"] = list(schemas[name]["properties"])
    schemas["StreamEvent"] = document
    schemas["ServerSentEvent"] = stream_item_schema()
    return schemas


def _without_null_defaults(node: Any) -> Any:
    if isinstance(node, dict):
        return {k: _without_null_defaults(v) for k, v in node.items() if not (k == "default" and v is None)}
    if isinstance(node, list):
        return [_without_null_defaults(item) for item in node]
    return node


def _renamed(node: Any) -> Any:
    """``node`` with the schemas of ``_RENAMED`` renamed: their definitions and every reference."""
    if isinstance(node, dict):
        return {_RENAMED.get(k, k): _renamed(v) for k, v in node.items()}
    if isinstance(node, list):
        return [_renamed(item) for item in node]
    if isinstance(node, str) and node.startswith("#/components/schemas/"):
        name = node.removeprefix("#/components/schemas/")
        return f"#/components/schemas/{_RENAMED.get(name, name)}"
    return node


def event_names() -> dict[str, str]:
    """Each event's schema name and its ``type`` (its SSE ``event:`` field)."""
    union = StreamEvent.__origin__.__args__  # type: ignore[attr-defined]
    return {_RENAMED.get(cls.__name__, cls.__name__): cls.model_fields["type"].default for cls in union}


def stream_item_schema() -> dict[str, Any]:
    """An SSE event of a stream, one branch per event type: its ``event`` name, its ``id``
    (``<run_id>:<seq>``), and its ``data``, the event as JSON (OpenAPI 3.2's ``itemSchema``)."""
    return {
        "description": (
            "One Server-Sent Event of a stream: event (its type), id (<run_id>:<seq>) and data (the "
            "event as JSON, the schema of the same type). Comment lines (keep-alive pings) are not events."
        ),
        "oneOf": [
            {
                "type": "object",
                "required": ["event", "id", "data"],
                "properties": {
                    "event": {"const": event_type},
                    "id": {"type": "string", "pattern": EVENT_ID_PATTERN},
                    "data": {
                        "type": "string",
                        "contentMediaType": "application/json",
                        "contentSchema": {"$ref": f"#/components/schemas/{name}"},
                    },
                },
            }
            for name, event_type in event_names().items()
        ],
    }


def api_document(
    parts: Iterable[tuple[FastAPI, Iterable[tuple[str, str]]]], *, title: str, version: str, description: str
) -> dict[str, Any]:
    """One document of the routes each app serves: ``parts`` are apps and the (method, path) of
    theirs that the API routes to them. A schema two apps name differently is an error."""
    paths: dict[str, dict[str, Any]] = {}
    schemas: dict[str, Any] = {}
    security: dict[str, Any] = {}
    for app, routes in parts:
        document = app.openapi()
        components = document.get("components", {})
        _merge(schemas, components.get("schemas", {}))
        _merge(security, components.get("securitySchemes", {}))
        for method, path in routes:
            operation = document["paths"].get(path, {}).get(method.lower())
            if operation is None:
                raise ValueError(f"{app.title} does not serve {method} {path}")
            paths.setdefault(path, {})[method.lower()] = _described(copy.deepcopy(operation))
    _merge(schemas, event_schemas())
    merged: dict[str, Any] = {
        "openapi": "3.1.0",
        "info": {"title": title, "version": version, "description": description},
        "servers": [
            {
                "url": "{base}",
                "variables": {
                    "base": {
                        "default": "http://127.0.0.1:3000",
                        "description": "The API's base URL: the stack's ApiUrl output (…/v1), or make dev's.",
                    }
                },
            }
        ],
        "paths": dict(sorted(paths.items())),
        "components": {"schemas": schemas, "headers": HEADERS, "securitySchemes": security},
    }
    used = _referenced(merged, "schemas") | _referenced(merged, "schemas", root="StreamEvent")
    merged["components"]["schemas"] = {name: schemas[name] for name in sorted(schemas) if name in used}
    return merged


def _merge(into: dict[str, Any], new: dict[str, Any]) -> None:
    for name, schema in new.items():
        if name in into and into[name] != schema:
            raise ValueError(f"two different schemas are named {name}")
        into[name] = schema


def _described(operation: dict[str, Any]) -> dict[str, Any]:
    """``operation`` with the statuses every route of its kind answers, errors as the error body,
    and each response's headers."""
    responses: dict[str, Any] = operation["responses"]
    common = [429, 500]
    if operation.get("security"):
        common += [401, 403, 422, 503]
    if "requestBody" in operation:
        common += [400, 413, 422]
    for code in common:
        responses.setdefault(str(code), {"description": ERROR_DESCRIPTIONS[code]})
    error_content = {"application/json": {"schema": {"$ref": "#/components/schemas/ErrorBody"}}}
    for status, response in responses.items():
        if status.startswith(("4", "5")) and (
            status == "422" or "content" not in response or _is_error(response)
        ):
            response["content"] = error_content
            if status == "422":
                response["description"] = ERROR_DESCRIPTIONS[422]
        headers = response.setdefault("headers", {})
        request_id = "X-Request-Id-Unless-Gateway" if status in _GATEWAY_STATUSES else "X-Request-Id"
        headers["X-Request-Id"] = {"$ref": f"#/components/headers/{request_id}"}
        if status == "429":
            headers["Retry-After"] = {"$ref": "#/components/headers/Retry-After"}
        content = response.get("content", {})
        if EVENT_STREAM in content:
            content[EVENT_STREAM] = {
                "schema": {"type": "string", "description": "Server-Sent Events: see x-itemSchema."},
                # OpenAPI 3.2's itemSchema (FastAPI's own name for it), as an extension of 3.1.
                "x-itemSchema": {"$ref": "#/components/schemas/ServerSentEvent"},
            }
            for name in _STREAM_HEADERS:
                headers[name] = {"$ref": f"#/components/headers/{name}"}
    operation["responses"] = dict(sorted(responses.items()))
    return operation


def _is_error(response: dict[str, Any]) -> bool:
    """Whether ``response`` is declared as the error body (under whichever media type FastAPI
    gave it: a stream's route gives its errors its own)."""
    return any(
        media.get("schema", {}).get("$ref", "").endswith("/ErrorBody")
        for media in response.get("content", {}).values()
    )


def _referenced(document: Any, kind: str, root: str | None = None) -> set[str]:
    """The components of ``kind`` that the paths of ``document`` (or its component ``root``) refer
    to, directly or through others."""
    components = document["components"][kind]
    prefix = f"#/components/{kind}/"
    found: set[str] = set()
    start = document["paths"] if root is None else {"$ref": prefix + root}
    pending = [ref.removeprefix(prefix) for ref in _refs(start) if ref.startswith(prefix)]
    while pending:
        name = pending.pop()
        if name not in found:
            found.add(name)
            pending += [r.removeprefix(prefix) for r in _refs(components[name]) if r.startswith(prefix)]
    return found


def _refs(node: Any) -> Iterator[str]:
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "$ref" and isinstance(value, str):
                yield value
            else:
                yield from _refs(value)
    elif isinstance(node, list):
        for item in node:
            yield from _refs(item)


def dumps(document: dict[str, Any]) -> str:
    """The document as the repository keeps it: stable, readable JSON."""
    return json.dumps(document, indent=2, ensure_ascii=False) + "\n"
