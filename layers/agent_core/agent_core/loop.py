"""The agent loop: one flat, bounded async generator.

Stream the model, forward its text, run the tools it asks for (each with a timeout, each
audited), hand the results back, and stop at the end of the turn, at ``max_steps``, or at the
deadline. What the turn added to the conversation is kept in :attr:`AgentLoop.new_messages`,
complete even when the loop fails halfway, so the session can always store it.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import Any

from agent_core import keys
from agent_core.clock import iso, utc_now
from agent_core.errors import DeadlineExceeded, ModelError, ToolError
from agent_core.events import TextDelta, ToolCall, ToolResult
from agent_core.ids import new_call_id
from agent_core.llm.model import Model
from agent_core.llm.types import (
    Message,
    ModelFinished,
    ModelRequest,
    TextBlock,
    TextChunk,
    ToolResultBlock,
    ToolUseBlock,
    ToolUseRequested,
    Usage,
)
from agent_core.redaction import redact
from agent_core.tools.base import Tool
from agent_core.tools.context import RunContext

LoopEvent = TextDelta | ToolCall | ToolResult


@dataclass(frozen=True)
class ToolCallRecord:
    """One tool call as the audit trail and the run record keep it (arguments redacted)."""

    call_id: str
    tool: str
    input: dict[str, Any]
    ok: bool
    error: str | None
    result_size: int
    latency_ms: int
    started_at: str


class AgentLoop:
    def __init__(
        self,
        *,
        model: Model,
        ctx: RunContext,
        system: str,
        history: Sequence[Message],
        tools: Sequence[Tool],
        max_steps: int,
        max_tokens: int,
        deadline: float,
        tool_timeout_seconds: float,
        on_tool_call: Callable[[ToolCallRecord], Awaitable[None]],
    ) -> None:
        self.model = model
        self.ctx = ctx
        self.system = system
        self.history = tuple(history)
        self.tools = {tool.name: tool for tool in tools}
        self.max_steps = max_steps
        self.max_tokens = max_tokens
        self.deadline = deadline
        self.tool_timeout_seconds = tool_timeout_seconds
        self.on_tool_call = on_tool_call
        self.new_messages: list[Message] = []
        self.usage = Usage()
        self.tool_calls: list[ToolCallRecord] = []
        self.stop_reason: str | None = None
        self._step_results: list[ToolResultBlock] = []

    async def run(self) -> AsyncIterator[LoopEvent]:
        specs = tuple(tool.spec for tool in self.tools.values())
        try:
            for _ in range(self.max_steps):
                request = ModelRequest(
                    system=self.system,
                    messages=self.history + tuple(self.new_messages),
                    tools=specs,
                    max_tokens=self.max_tokens,
                )
                text: list[str] = []
                uses: list[ToolUseRequested] = []
                finished: ModelFinished | None = None
                try:
                    async for event in before_deadline(self.model.stream(request), self.deadline):
                        if isinstance(event, TextChunk):
                            text.append(event.text)
                            yield TextDelta(text=event.text)
                        elif isinstance(event, ToolUseRequested):
                            uses.append(event)
                        else:
                            finished = event
                finally:
                    if finished is None and text:
                        # Keep what the user has already seen, even if the model failed mid-answer.
                        self.new_messages.append(
                            Message(role="assistant", content=(TextBlock(text="".join(text)),))
                        )
                if finished is None:
                    raise ModelError("the model stream ended without finishing", code="model_error")
                self.usage += finished.usage
                blocks: list[TextBlock | ToolUseBlock] = [TextBlock(text="".join(text))] if text else []
                blocks += [ToolUseBlock(id=use.id, name=use.name, input=use.input) for use in uses]
                self.new_messages.append(Message(role="assistant", content=tuple(blocks)))
                if not uses:
                    self.stop_reason = finished.stop_reason
                    return
                results = self._step_results = []
                for use in uses:
                    async for outcome in self._call(use, results):
                        yield outcome
                self.new_messages.append(Message(role="user", content=tuple(results)))
            self.stop_reason = "max_steps"
        except BaseException:
            self._answer_dangling_tool_uses()
            raise

    async def _call(self, use: ToolUseRequested, results: list[ToolResultBlock]) -> AsyncIterator[LoopEvent]:
        call_id = use.id if keys.is_valid_id(use.id) else new_call_id()
        arguments = redact(use.input)
        yield ToolCall(call_id=call_id, tool=use.name, input=arguments)
        started_at = iso(utc_now())
        started = time.monotonic()
        error: str | None = None
        try:
            content = await self._invoke(use)
        except ToolError as exc:
            content = error = exc.message
        except BaseException:
            await self._record(
                call_id, use.name, arguments, "the tool failed unexpectedly", 0, started, started_at
            )
            raise
        size = len(content.encode())
        await self._record(call_id, use.name, arguments, error, size, started, started_at)
        results.append(ToolResultBlock(tool_use_id=use.id, content=content, is_error=error is not None))
        yield ToolResult(
            call_id=call_id,
            tool=use.name,
            ok=error is None,
            latency_ms=self.tool_calls[-1].latency_ms,
            result_size=size,
        )

    async def _invoke(self, use: ToolUseRequested) -> str:
        tool = self.tools.get(use.name)
        if tool is None:
            raise ToolError(
                f"there is no tool {use.name!r} here; the tools are: {', '.join(self.tools) or 'none'}"
            )
        remaining = self.deadline - asyncio.get_running_loop().time()
        timeout = min(tool.timeout_seconds or self.tool_timeout_seconds, remaining)
        if timeout <= 0:
            raise DeadlineExceeded("the turn ran out of time before a tool could run")
        try:
            async with asyncio.timeout(timeout):
                return await tool.invoke(self.ctx, use.input)
        except TimeoutError:
            if timeout >= remaining:
                raise DeadlineExceeded("the turn ran out of time while a tool was running") from None
            raise ToolError(f"{use.name} did not answer within {timeout:.3g} s") from None

    async def _record(
        self,
        call_id: str,
        tool: str,
        arguments: dict[str, Any],
        error: str | None,
        size: int,
        started: float,
        started_at: str,
    ) -> None:
        record = ToolCallRecord(
            call_id=call_id,
            tool=tool,
            input=arguments,
            ok=error is None,
            error=error,
            result_size=size,
            latency_ms=int((time.monotonic() - started) * 1000),
            started_at=started_at,
        )
        self.tool_calls.append(record)
        await self.on_tool_call(record)

    def _answer_dangling_tool_uses(self) -> None:
        """Give every stored tool call a result, so the next turn's history stays valid."""
        if not self.new_messages or self.new_messages[-1].role != "assistant":
            return
        pending = [block for block in self.new_messages[-1].content if isinstance(block, ToolUseBlock)]
        answered = {result.tool_use_id: result for result in self._step_results}
        if pending:
            content = tuple(
                answered.get(block.id)
                or ToolResultBlock(
                    tool_use_id=block.id, content="the run stopped before this call finished", is_error=True
                )
                for block in pending
            )
            self.new_messages.append(Message(role="user", content=content))


async def before_deadline[T](events: AsyncIterator[T], deadline: float) -> AsyncIterator[T]:
    """Re-yield ``events``; raise :class:`DeadlineExceeded` if the next one is not there in time."""
    loop = asyncio.get_running_loop()
    try:
        while True:
            remaining = deadline - loop.time()
            if remaining <= 0:
                raise DeadlineExceeded("the turn ran out of time")
            try:
                async with asyncio.timeout(remaining):
                    item = await anext(events)
            except StopAsyncIteration:
                return
            except TimeoutError:
                raise DeadlineExceeded("the turn ran out of time waiting for the model") from None
            yield item
    finally:
        aclose = getattr(events, "aclose", None)
        if aclose is not None:
            await aclose()
