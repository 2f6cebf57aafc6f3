"""agent_core: the multi-tenant agent runtime shared by every function (the AgentCoreLayer).

Functions import from here (and from :mod:`agent_core.web` for FastAPI glue), not from inside.
Nothing imported here pulls in the ``anthropic`` SDK.
"""

from agent_core.agents import Agent, AgentRegistry, default_agents
from agent_core.auth import Authenticator, hash_api_key, issue_api_key, new_api_key
from agent_core.chat import ChatService
from agent_core.errors import (
    AgentRuntimeError,
    DeadlineExceeded,
    InvalidId,
    InvalidRequest,
    ModelError,
    NotFound,
    SessionBusy,
    StorageUnavailable,
    ToolError,
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
from agent_core.settings import Settings, get_settings
from agent_core.store import AuditEntry, Page, RunRecord, ToolCallRecord
from agent_core.tenancy import Caller, OdooBinding, Tenant, WriteMode
from agent_core.tools import RunContext, Tool, ToolRegistry, ToolServices, tool
from agent_core.turn import Turn
from agent_core.turn_request import TurnRequest

__all__ = [
    "Agent",
    "AgentRegistry",
    "AgentRuntimeError",
    "AuditEntry",
    "Authenticator",
    "Caller",
    "ChatService",
    "DeadlineExceeded",
    "Done",
    "Error",
    "InvalidId",
    "InvalidRequest",
    "Message",
    "Model",
    "ModelError",
    "ModelProvider",
    "ModelRequest",
    "NotFound",
    "OdooBinding",
    "Page",
    "RunContext",
    "RunRecord",
    "RunStarted",
    "Runtime",
    "SessionBusy",
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
