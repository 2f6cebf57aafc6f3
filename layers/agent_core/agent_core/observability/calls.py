"""A tool call's scope in the logs and the traces: from its ``tool_call`` event to its end, every
line carries its ``call_id``, and (when tracing is on) its work is one subsegment."""

from __future__ import annotations

import functools
from collections.abc import AsyncIterator, Callable
from contextlib import ExitStack

from agent_core.events import ToolCall, ToolResult
from agent_core.observability.logs import log_keys
from agent_core.observability.tracing import subsegment


def observed_call[**P, E](run_call: Callable[P, AsyncIterator[E]]) -> Callable[P, AsyncIterator[E]]:
    """Wrap the generator that runs one tool call and yields, first, its :class:`ToolCall` (or, for
    a call resumed after a person's decision, its ``WriteStarting`` or its :class:`ToolResult`).

    Its guardrail checks, the tool itself and anything they log run inside the call's scope, which
    ends when the generator does, however it ends.
    """

    @functools.wraps(run_call)
    async def observed(*args: P.args, **kwargs: P.kwargs) -> AsyncIterator[E]:
        events = run_call(*args, **kwargs)
        with ExitStack() as scope:
            entered, segment = False, None
            try:
                async for event in events:
                    if not entered and (call := _call_of(event)) is not None:
                        entered = True
                        call_id, tool = call
                        scope.enter_context(log_keys(call_id=call_id))
                        segment = scope.enter_context(subsegment(f"## tool {tool}", tool=tool))
                    elif isinstance(event, ToolResult) and segment is not None:
                        segment.put_annotation("ok", event.ok)
                    yield event
            finally:
                aclose = getattr(events, "aclose", None)
                if aclose is not None:
                    await aclose()

    return observed


def _call_of(event: object) -> tuple[str, str] | None:
    """The call id and tool an event of a call names: its own, or its record's (``WriteStarting``)."""
    named = event if isinstance(event, ToolCall | ToolResult) else getattr(event, "call", None)
    call_id, tool = getattr(named, "call_id", None), getattr(named, "tool", None)
    return (call_id, tool) if isinstance(call_id, str) and isinstance(tool, str) else None
