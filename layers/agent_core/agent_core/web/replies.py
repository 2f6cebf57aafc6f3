"""A turn gathered into the one JSON document ``POST /agents/{agent_id}/chat`` answers."""

from __future__ import annotations

from agent_core.events import Done, Error, TextDelta
from agent_core.replay import Replay
from agent_core.store.records import RunError
from agent_core.turn import Turn
from agent_core.web.schemas import ChatReply


async def chat_reply(turn: Turn | Replay) -> ChatReply:
    """Run ``turn`` to its end: what the user would have read, the tool calls, and how it ended."""
    text: list[str] = []
    error: Error | None = None
    done: Done | None = None
    async for event in turn.events():
        if isinstance(event, TextDelta):
            text.append(event.text)
        elif isinstance(event, Error):
            error = event
        elif isinstance(event, Done):
            done = event
    assert done is not None and turn.final is not None, "a turn always ends with done"
    return ChatReply(
        run_id=turn.run_id,
        session_id=turn.session_id,
        status=done.status,
        stop_reason=done.stop_reason,
        reply="".join(text),
        tool_calls=list(turn.final.steps),
        usage=done.usage,
        error=RunError(code=error.code, message=error.message) if error else None,
        refusal=done.refusal,
        confirmation=turn.final.awaiting,
    )
