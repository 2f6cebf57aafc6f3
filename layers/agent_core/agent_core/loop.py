"""The agent loop: one flat, bounded async generator.

Stream the model, forward its text, run the tools it asks for (each with a timeout, each
audited), hand the results back, and stop at the end of the turn, at ``max_steps``, or at the
deadline. What the turn added to the conversation is kept in :attr:`AgentLoop.new_messages`,
complete even when the loop fails halfway, so the session can always store it.
"""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import Any

from agent_core import keys
from agent_core.clock import iso, utc_now
from agent_core.errors import DeadlineExceeded, ModelError, ToolError
from agent_core.events import TextDelta, ToolCall, ToolResult, WouldExecute
from agent_core.ids import new_call_id
from agent_core.llm.model import Model
from agent_core.llm.types import (
    ContentBlock,
    Message,
    ModelFinished,
    ModelRequest,
    Refusal,
    TextBlock,
    TextChunk,
    Thinking,
    ToolResultBlock,
    ToolUseBlock,
    ToolUseRequested,
    Usage,
)
from agent_core.redaction import redact
from agent_core.tenancy import WriteMode
from agent_core.tools.base import Tool
from agent_core.tools.context import RunContext

LoopEvent = TextDelta | ToolCall | ToolResult | WouldExecute
SUMMARY_CHARS = 200


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
    mode: WriteMode = "live"
    output_summary: str = ""


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
        write_mode: WriteMode = "shadow",
        thinking: Thinking | None = None,
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
        self.write_mode = write_mode
        self.thinking = thinking or Thinking()
        self.new_messages: list[Message] = []
        self.usage = Usage()
        self.tool_calls: list[ToolCallRecord] = []
        self.stop_reason: str | None = None
        self.refusal: Refusal | None = None
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
                    thinking=self.thinking,
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
                    if finished is None and "".join(text).strip():
                        # Keep what the user has already seen, even if the model failed mid-answer.
                        self._add(Message(role="assistant", content=(TextBlock(text="".join(text)),)))
                if finished is None:
                    raise ModelError("the model stream ended without finishing", code="model_error")
                self.usage += finished.usage
                answer = _answer(finished, text, uses)
                if finished.stop_reason == "pause_turn":
                    self._add(answer)  # the provider paused a long answer: the next step continues it
                    continue
                calls = answer.tool_uses if finished.stop_reason == "tool_use" else ()
                if not calls:
                    # An answer cut by max_tokens may end in a half-written call: it never runs.
                    self._add(_without_calls(answer))
                    self.stop_reason = finished.stop_reason
                    self.refusal = finished.refusal
                    return
                self._add(answer)
                results = self._step_results = []
                for use in calls:
                    async for outcome in self._call(use, results):
                        yield outcome
                self._add(Message(role="user", content=tuple(results)))
            self.stop_reason = "max_steps"
        except BaseException:
            self._answer_dangling_tool_uses()
            raise

    def _add(self, message: Message) -> None:
        """Append to the turn; a continuation after ``pause_turn`` joins the answer it continues."""
        last = self.new_messages[-1] if self.new_messages else None
        if last is not None and last.role == "assistant" and last.stop_reason == "pause_turn":
            if message.role == "assistant":
                message = message.model_copy(update={"content": last.content + message.content})
            self.new_messages.pop()
        self.new_messages.append(message)

    async def _call(self, use: ToolUseBlock, results: list[ToolResultBlock]) -> AsyncIterator[LoopEvent]:
        call_id = use.id if keys.is_valid_id(use.id) else new_call_id()
        arguments = redact(use.input)
        yield ToolCall(call_id=call_id, tool=use.name, input=arguments)
        tool = self.tools.get(use.name)
        shadow = tool is not None and not tool.read_only and self.write_mode == "shadow"
        call = _Call(call_id, use.name, arguments, "shadow" if shadow else "live")
        try:
            content = await self._invoke(tool, use, shadow=shadow)
        except ToolError as exc:
            content = call.error = exc.message
        except BaseException:
            call.error = "the tool failed unexpectedly"
            await self._record(call, call.error)
            raise
        if shadow and call.error is None:
            yield WouldExecute(call_id=call_id, tool=use.name, input=arguments)
        record = await self._record(call, content)
        results.append(ToolResultBlock(tool_use_id=use.id, content=content, is_error=call.error is not None))
        yield ToolResult(
            call_id=call_id,
            tool=use.name,
            ok=record.ok,
            latency_ms=record.latency_ms,
            result_size=record.result_size,
        )

    async def _invoke(self, tool: Tool | None, use: ToolUseBlock, *, shadow: bool) -> str:
        """Run the tool (or, in shadow mode, rehearse it: a shadow call must be one that could run)
        within its timeout and the turn's deadline."""
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
                if not shadow:
                    return await tool.invoke(self.ctx, use.input)
                await tool.rehearse(self.ctx, use.input)
                return shadow_result(tool.name, redact(use.input))
        except TimeoutError:
            if timeout >= remaining:
                raise DeadlineExceeded("the turn ran out of time while a tool was running") from None
            raise ToolError(f"{use.name} did not answer within {timeout:.3g} s") from None

    async def _record(self, call: _Call, content: str) -> ToolCallRecord:
        record = ToolCallRecord(
            call_id=call.call_id,
            tool=call.tool,
            input=call.arguments,
            ok=call.error is None,
            error=call.error,
            result_size=len(content.encode()),
            latency_ms=int((time.monotonic() - call.started) * 1000),
            started_at=call.started_at,
            mode=call.mode,
            output_summary=content[:SUMMARY_CHARS],
        )
        self.tool_calls.append(record)
        await self.on_tool_call(record)
        return record

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


def _answer(finished: ModelFinished, text: list[str], uses: list[ToolUseRequested]) -> Message:
    """One model answer as the conversation keeps it: the provider's content verbatim (thinking
    included) or, for a model that only streams, its text and tool uses; never a blank text block."""
    content: tuple[ContentBlock, ...]
    if finished.content is not None:
        content = finished.content
    else:
        content = (TextBlock(text="".join(text)),)
        content += tuple(ToolUseBlock(id=use.id, name=use.name, input=use.input) for use in uses)
    kept = tuple(block for block in content if not (isinstance(block, TextBlock) and not block.text.strip()))
    return Message(role="assistant", content=kept, stop_reason=finished.stop_reason)


def _without_calls(answer: Message) -> Message:
    if not answer.tool_uses:
        return answer
    content = tuple(block for block in answer.content if not isinstance(block, ToolUseBlock))
    return answer.model_copy(update={"content": content})


class _Call:
    """One tool call while it runs."""

    def __init__(self, call_id: str, tool: str, arguments: dict[str, Any], mode: WriteMode) -> None:
        self.call_id = call_id
        self.tool = tool
        self.arguments = arguments
        self.mode: WriteMode = mode
        self.error: str | None = None
        self.started = time.monotonic()
        self.started_at = iso(utc_now())


def shadow_result(tool: str, arguments: dict[str, Any]) -> str:
    """What the model reads instead of a write tool's result in shadow mode."""
    return (
        f"SHADOW MODE: {tool} did not run and nothing was changed. It would have run with "
        f"{json.dumps(arguments, ensure_ascii=False)}. Tell the user what would have happened, "
        "and that writes are in shadow mode here."
    )


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
