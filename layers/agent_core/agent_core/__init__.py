"""agent_core: the multi-tenant agent runtime shared by every function (the AgentCoreLayer).

Functions import from here (and from :mod:`agent_core.web` for FastAPI glue), not from inside.
Nothing imported here pulls in the ``anthropic`` SDK. The names that need the agent catalogue,
the tools or the chat service (and so bs4, markdownify and httpx) are imported on first use
(PEP 562), so the executions and health functions, which never use them, do not pay for them at
cold start.
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING

from agent_core.auth import Authenticator, hash_api_key, issue_api_key, new_api_key
from agent_core.errors import (
    AgentRuntimeError,
    DeadlineExceeded,
    Forbidden,
    InvalidId,
    InvalidRequest,
    ModelError,
    NotFound,
    SessionBusy,
    StorageUnavailable,
    ToolError,
    ToolTimedOut,
    Unauthorized,
)
from agent_core.events import (
    Done,
    Error,
    RunStarted,
    StreamEvent,
    TextDelta,
    ToolCall,
    ToolResult,
    WouldExecute,
)
from agent_core.llm.model import Model, ModelProvider, SingleModelProvider
from agent_core.llm.types import Message, ModelRequest, Usage
from agent_core.runtime import Runtime
from agent_core.scopes import DEFAULT_SCOPES, SCOPES, Scope
from agent_core.settings import Settings, get_settings
from agent_core.store import (
    AuditEntry,
    Page,
    RunFilter,
    RunRecord,
    SessionMessage,
    SessionSummary,
    ToolCallRecord,
)
from agent_core.tenancy import Caller, OdooBinding, Owner, Tenant, WriteMode
from agent_core.turn_request import TurnRequest

if TYPE_CHECKING:
    from agent_core.agents import Agent, AgentRegistry, default_agents
    from agent_core.audit_export import AuditExport, ExportRequest
    from agent_core.chat import ChatService
    from agent_core.following import RunFollower
    from agent_core.replay import Replay
    from agent_core.tools import RunContext, Tool, ToolRegistry, ToolServices, tool
    from agent_core.turn import Turn

# Name -> the module that defines it, imported when the name is first asked for.
_LAZY = {
    "AuditExport": "agent_core.audit_export",
    "ExportRequest": "agent_core.audit_export",
    "Agent": "agent_core.agents",
    "AgentRegistry": "agent_core.agents",
    "default_agents": "agent_core.agents",
    "ChatService": "agent_core.chat",
    "RunContext": "agent_core.tools",
    "Tool": "agent_core.tools",
    "ToolRegistry": "agent_core.tools",
    "ToolServices": "agent_core.tools",
    "tool": "agent_core.tools",
    "Turn": "agent_core.turn",
    "Replay": "agent_core.replay",
    "RunFollower": "agent_core.following",
}


def __getattr__(name: str) -> object:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(import_module(module), name)
    globals()[name] = value  # once imported, a plain attribute
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))


__all__ = [
    "DEFAULT_SCOPES",
    "SCOPES",
    "Agent",
    "AgentRegistry",
    "AgentRuntimeError",
    "AuditEntry",
    "AuditExport",
    "Authenticator",
    "Caller",
    "ChatService",
    "DeadlineExceeded",
    "Done",
    "Error",
    "ExportRequest",
    "Forbidden",
    "InvalidId",
    "InvalidRequest",
    "Message",
    "Model",
    "ModelError",
    "ModelProvider",
    "ModelRequest",
    "NotFound",
    "OdooBinding",
    "Owner",
    "Page",
    "Replay",
    "RunContext",
    "RunFilter",
    "RunFollower",
    "RunRecord",
    "RunStarted",
    "Runtime",
    "Scope",
    "SessionBusy",
    "SessionMessage",
    "SessionSummary",
    "Settings",
    "SingleModelProvider",
    "StorageUnavailable",
    "StreamEvent",
    "Tenant",
    "TextDelta",
    "Tool",
    "ToolCall",
    "ToolCallRecord",
    "ToolError",
    "ToolRegistry",
    "ToolResult",
    "ToolServices",
    "ToolTimedOut",
    "Turn",
    "TurnRequest",
    "Unauthorized",
    "Usage",
    "WouldExecute",
    "WriteMode",
    "default_agents",
    "get_settings",
    "hash_api_key",
    "issue_api_key",
    "new_api_key",
    "tool",
]
