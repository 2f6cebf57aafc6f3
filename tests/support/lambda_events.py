"""The events in ``events/`` (API Gateway's, and the scheduler's for the audit export) and what
invoking a function with them needs."""

from __future__ import annotations

import copy
import json
from dataclasses import dataclass
from typing import Any

from agent_core import Runtime, hash_api_key
from agent_core.auth import key_id_for
from agent_core.clock import iso, utc_now
from agent_core.store.records import ApiKeyRecord
from local.template import ROOT

EVENTS = ROOT / "events"

Event = dict[str, Any]


def all_event_names() -> list[str]:
    return sorted(path.stem for path in EVENTS.glob("*.json"))


def event_names() -> list[str]:
    """The API Gateway events (one per route)."""
    return [name for name in all_event_names() if "httpMethod" in load_event(name)]


# The events of functions no route reaches, by the function each one is for.
SCHEDULED_EVENTS = {"audit_export": "audit_export"}


def load_event(name: str) -> Event:
    """``events/<name>.json``, a fresh copy each time (tests may change it)."""
    event: Event = json.loads((EVENTS / f"{name}.json").read_text())
    return event


def example_key() -> str:
    """The one example API key every event carries in ``X-API-Key``."""
    key: str = load_event("healthz")["headers"]["X-API-Key"]
    return key


def register_example_key(runtime: Runtime, tenant_id: str = "acme") -> str:
    """Store the example key's hash for ``tenant_id``, as ``issue_api_key`` would; return the key."""
    key = example_key()
    key_hash = hash_api_key(key)
    runtime.api_keys.put(
        key_hash,
        ApiKeyRecord(
            key_id=key_id_for(key_hash),
            tenant_id=tenant_id,
            caller_id=f"{tenant_id}-events",
            scopes=("chat", "chat:write", "audit:read"),  # every event's route answers it
            created_at=iso(utc_now()),
        ),
    )
    return key


def with_path_parameter(event: Event, name: str, value: str) -> Event:
    """``event`` with path parameter ``name`` set to ``value`` (in the path and the request context)."""
    changed = copy.deepcopy(event)
    path = event["resource"]
    for parameter, current in {**(event["pathParameters"] or {}), name: value}.items():
        path = path.replace(f"{{{parameter}}}", current)
    changed["path"] = path
    changed["pathParameters"] = {**(event["pathParameters"] or {}), name: value}
    changed["requestContext"]["path"] = f"/{event['requestContext']['stage']}{path}"
    return changed


def without_header(event: Event, name: str) -> Event:
    changed = copy.deepcopy(event)
    for field in ("headers", "multiValueHeaders"):
        changed[field] = {k: v for k, v in (event[field] or {}).items() if k.lower() != name.lower()}
    return changed


@dataclass(frozen=True)
class LambdaContext:
    """The context object Lambda hands a Python handler (the attributes Mangum and Powertools read)."""

    function_name: str = "agent-runtime-function"
    function_version: str = "$LATEST"
    invoked_function_arn: str = "arn:aws:lambda:us-east-1:123456789012:function:agent-runtime-function"
    memory_limit_in_mb: int = 512
    aws_request_id: str = "8f5a1b2c-0000-4000-8000-000000000001"
    log_group_name: str = "/aws/lambda/agent-runtime-function"
    log_stream_name: str = "2026/11/21/[$LATEST]0123456789abcdef"

    def get_remaining_time_in_millis(self) -> int:
        return 29_000
