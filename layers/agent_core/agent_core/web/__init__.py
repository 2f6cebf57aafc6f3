"""FastAPI glue shared by the functions: app factory, errors, caller, SSE."""

from agent_core.web.app import create_api
from agent_core.web.auth import CurrentCaller, CurrentRuntime, current_caller, runtime_of
from agent_core.web.sse import sse_frames

__all__ = ["CurrentCaller", "CurrentRuntime", "create_api", "current_caller", "runtime_of", "sse_frames"]
