"""The functions import the runtime's public surface and nothing behind it; the surface is pinned.

A function that reaches past ``agent_core`` and ``agent_core.web`` couples itself to the layer's
insides; a name that disappears from the surface breaks a function. Both show up here first.
"""

from __future__ import annotations

import ast
import importlib
from pathlib import Path

import pytest

from local.template import ROOT

SURFACES = ("agent_core", "agent_core.web")

# What each function imports from agent_core, by module. Changing the surface is a decision:
# update this and say why.
IMPORTS = {
    "chat": {
        # Replay: a retry's answer (Idempotency-Key); RunFollower: a run's stream after Last-Event-ID
        "agent_core": {"InvalidRequest", "NotFound", "Replay", "RunFilter", "RunFollower", "Runtime", "Turn"},
        "agent_core.web": {
            "CancelReply",
            "ChatCaller",
            "ChatReply",
            "ChatRequest",
            "ConfirmationRequest",
            "CurrentCaller",
            "CurrentRuntime",
            "IdempotencyHeader",
            "LastEventIdHeader",
            "TaskExecution",
            "TaskRequest",
            "chat_reply",
            "create_api",
            "errors",  # route metadata: the error statuses a route answers (OpenAPI)
            "idempotency_of",
            "last_event_of",
            "mark_replayed",
            "noticing_disconnect",
            "numbered_frames",
        },
    },
    "executions": {
        "agent_core": {
            "AuditEntry",
            "Caller",
            "NotFound",
            "Page",
            "RunFilter",  # runs are read through the view a caller has of them
            "RunRecord",
            "Runtime",
            "SessionMessage",  # the sessions API
            "SessionSummary",
            "Tenant",
            "Unauthorized",
        },
        "agent_core.web": {
            "MAX_OFFSET",
            "AgentList",
            "AuditReader",
            "CurrentCaller",
            "CurrentRuntime",
            "TaskExecution",
            "TaskExecutions",
            "TenantInfo",
            "agent_list",  # GET /agents: the agents, and the tools the tenant's Odoo cannot serve
            "create_api",
            "errors",
        },
    },
    # The audit export: a plain handler, no HTTP.
    "audit_export": {"agent_core": {"AuditExport", "ExportRequest", "Runtime"}},
    "health": {
        "agent_core": {"AgentRuntimeError", "Runtime"},
        "agent_core.web": {"CurrentRuntime", "create_api"},
    },
}


def imports_of(function: str) -> dict[str, set[str]]:
    tree = ast.parse((ROOT / "functions" / function / "app.py").read_text())
    found: dict[str, set[str]] = {}
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("agent_core"):
            found.setdefault(node.module or "", set()).update(alias.name for alias in node.names)
        elif isinstance(node, ast.Import):
            assert not any(alias.name.startswith("agent_core") for alias in node.names), function
    return found


@pytest.mark.parametrize("function", sorted(IMPORTS))
def test_a_function_imports_only_the_public_surface_and_exactly_the_names_pinned(function: str) -> None:
    found = imports_of(function)

    assert set(found) <= set(SURFACES), f"{function} imports from {sorted(set(found) - set(SURFACES))}"
    assert found == IMPORTS[function]


@pytest.mark.parametrize("surface", SURFACES)
def test_every_name_a_function_uses_is_exported_by_its_surface(surface: str) -> None:
    module = importlib.import_module(surface)
    used = set().union(*(names.get(surface, set()) for names in IMPORTS.values()))

    assert used <= set(module.__all__)
    for name in used:
        assert getattr(module, name) is not None


def test_the_functions_folder_holds_exactly_the_pinned_functions() -> None:
    assert {path.parent.name for path in Path(ROOT / "functions").glob("*/app.py")} == set(IMPORTS)
