"""What is HTTP, shared by the functions: the app factory, errors, the caller, SSE framing, and the
request and reply bodies. ``chat_reply`` (which runs a whole turn) loads the turn machinery only
when first used, so the buffered functions never import it."""

from typing import TYPE_CHECKING, Any

from agent_core.web.agents import agent_list
from agent_core.web.app import create_api
from agent_core.web.auth import (
    AuditReader,
    ChatCaller,
    CurrentCaller,
    CurrentRuntime,
    caller_with,
    current_caller,
    runtime_of,
)
from agent_core.web.disconnects import noticing_disconnect
from agent_core.web.idempotency import IdempotencyHeader, idempotency_of, mark_replayed
from agent_core.web.openapi import errors
from agent_core.web.resume import LastEventIdHeader, last_event_of
from agent_core.web.schemas import (
    AgentInfo,
    AgentList,
    CancelReply,
    ChatReply,
    ChatRequest,
    ConfirmationRequest,
    UnavailableTool,
    UserText,
)
from agent_core.web.sse import numbered_frames, sse_frames
from agent_core.web.task_api import MAX_OFFSET, TaskExecution, TaskExecutions, TaskRequest, TenantInfo

if TYPE_CHECKING:
    from agent_core.web.replies import chat_reply

__all__ = [
    "MAX_OFFSET",
    "AgentInfo",
    "AgentList",
    "AuditReader",
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
    "TaskExecutions",
    "TaskRequest",
    "TenantInfo",
    "UnavailableTool",
    "UserText",
    "agent_list",
    "caller_with",
    "chat_reply",
    "create_api",
    "current_caller",
    "errors",
    "idempotency_of",
    "last_event_of",
    "mark_replayed",
    "noticing_disconnect",
    "numbered_frames",
    "runtime_of",
    "sse_frames",
]


def __getattr__(name: str) -> Any:
    if name == "chat_reply":
        from agent_core.web.replies import chat_reply

        return chat_reply
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
