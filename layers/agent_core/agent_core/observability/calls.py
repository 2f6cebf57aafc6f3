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
    """Wrap the generator that runs one tool call and yields, first, its :class:`ToolCall`.

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
                    if isinstance(event, ToolCall) and not entered:
                        entered = True
                        scope.enter_context(log_keys(call_id=event.call_id))
                        segment = scope.enter_context(subsegment(f"## tool {event.tool}", tool=event.tool))
                    elif isinstance(event, ToolResult) and segment is not None:
                        segment.put_annotation("ok", event.ok)
                    yield event
            finally:
                aclose = getattr(events, "aclose", None)
                if aclose is not None:
                    await aclose()

    return observed
