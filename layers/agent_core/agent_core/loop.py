"""The agent loop: one flat, bounded async generator that writes its turn's state.

Stream the model, forward its text, ask the guardrails about each tool call and carry out their
decision (each call within its timeout), hand the results back, and stop at the end of the turn,
at ``max_steps``, or at the deadline. Everything it does lands in the :class:`TurnState` it is
given (messages, usage, steps, why it stopped), complete even when it fails halfway, so the turn
can always store it. It never writes to storage itself: before a write runs for real it yields
:class:`WriteStarting`, and whoever drives it records that before asking for the next event.
"""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import AsyncIterator, Coroutine, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from agent_core import keys
from agent_core.clock import iso, utc_now
from agent_core.deadline import Deadline
from agent_core.errors import DeadlineExceeded, ModelError, Stopped, ToolError
from agent_core.events import TextDelta, ToolCall, ToolResult, WouldExecute
from agent_core.guardrails import Confirm, Guardrails, ProposedCall, Refuse, Shadow
from agent_core.ids import new_call_id
from agent_core.llm.model import Model
from agent_core.llm.types import (
    ContentBlock,
    Message,
    ModelFinished,
    ModelRequest,
    TextBlock,
    TextChunk,
    Thinking,
    ToolResultBlock,
    ToolUseBlock,
    ToolUseRequested,
)
from agent_core.observability.calls import observed_call
from agent_core.redaction import redact
from agent_core.store.records import CallMode, Rejected, ToolCallRecord
from agent_core.tools.base import Tool
from agent_core.tools.context import RunContext
from agent_core.turn_state import TurnState

SUMMARY_CHARS = 200
INTERRUPTED = "the run stopped before this call finished"


@dataclass(frozen=True)
class LoopPlan:
    """What one turn's loop runs with; fixed before the first model request."""

    model: Model
    system: str
    history: tuple[Message, ...]  # the conversation, valid for a request, the user's message last
    tools: Mapping[str, Tool]
    max_steps: int
    max_tokens: int
    thinking: Thinking
    tool_timeout_seconds: float


@dataclass(frozen=True)
class WriteStarting:
    """A write is about to run for real: record it (its outcome unknown) before resuming the loop."""

    call: ToolCallRecord


LoopEvent = TextDelta | ToolCall | WouldExecute | ToolResult | WriteStarting


def step_request(plan: LoopPlan, turn_messages: Sequence[Message] = ()) -> ModelRequest:
    """The model request of a step: the plan's conversation and what this turn has added."""
    return ModelRequest(
        system=plan.system,
        messages=plan.history + tuple(turn_messages),
        tools=tuple(tool.spec for tool in plan.tools.values()),
        max_tokens=plan.max_tokens,
        thinking=plan.thinking,
    )


async def run_loop(
    state: TurnState, plan: LoopPlan, ctx: RunContext, guardrails: Guardrails
) -> AsyncIterator[LoopEvent]:
    """Run the turn's model and tools, writing ``state``; yields what the client sees as it happens."""
    async for event in _Loop(state, plan, ctx, guardrails).run():
        yield event


class _Loop:
    def __init__(self, state: TurnState, plan: LoopPlan, ctx: RunContext, guardrails: Guardrails) -> None:
        self.state = state
        self.plan = plan
        self.ctx = ctx
        self.guardrails = guardrails
        self.results: list[ToolResultBlock] = []

    async def run(self) -> AsyncIterator[LoopEvent]:
        state = self.state
        try:
            for _ in range(self.plan.max_steps):
                if stop := await self.guardrails.before_model(self.ctx):
                    raise Stopped(stop.reason)
                text: list[str] = []
                uses: list[ToolUseRequested] = []
                finished: ModelFinished | None = None
                try:
                    async for event in before_deadline(
                        self.plan.model.stream(self._request()), state.deadline
                    ):
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
                state.usage += finished.usage
                answer = _answer(finished, text, uses)
                if finished.stop_reason == "pause_turn":
                    self._add(answer)  # the provider paused a long answer: the next step continues it
                    continue
                calls = answer.tool_uses if finished.stop_reason == "tool_use" else ()
                if not calls:
                    # An answer cut by max_tokens may end in a half-written call: it never runs.
                    self._add(_without_calls(answer))
                    state.stop_reason = finished.stop_reason
                    state.refusal = finished.refusal
                    return
                self._add(answer)
                self.results = []
                for use in calls:
                    async for outcome in self._call(use):
                        yield outcome
                self._add(Message(role="user", content=tuple(self.results)))
            state.stop_reason = "max_steps"
        except BaseException:
            self._answer_dangling_calls()
            raise

    def _request(self) -> ModelRequest:
        return step_request(self.plan, self.state.messages)

    def _add(self, message: Message) -> None:
        """Append to the turn; a continuation after ``pause_turn`` joins the answer it continues."""
        messages = self.state.messages
        last = messages[-1] if messages else None
        if last is not None and last.role == "assistant" and last.stop_reason == "pause_turn":
            if message.role == "assistant":
                message = message.model_copy(update={"content": last.content + message.content})
            messages.pop()
        messages.append(message)

    @observed_call
    async def _call(self, use: ToolUseBlock) -> AsyncIterator[LoopEvent]:
        call = _Call(
            call_id=use.id if keys.is_valid_id(use.id) else new_call_id(),
            tool=use.name,
            input=redact(use.input),
        )
        yield ToolCall(call_id=call.call_id, tool=call.tool, input=call.input)
        try:
            tool = self.plan.tools.get(use.name)
            if tool is None:
                names = ", ".join(self.plan.tools) or "none"
                raise ToolError(f"there is no tool {use.name!r} here; the tools are: {names}")
            decision = await self.guardrails.decide(ProposedCall(tool, use.input, self.ctx))
            if isinstance(decision, Confirm):
                decision = Refuse(
                    "this write needs a person's confirmation, which is not available here", "confirmation"
                )
            if isinstance(decision, Refuse):
                call.rejected = decision.kind
                raise ToolError(decision.reason)
            if isinstance(decision, Shadow):
                call.mode = "shadow"
                await self._within_timeout(tool, tool.rehearse(self.ctx, use.input))
                content = shadow_result(tool.name, call.input)
            else:
                if not tool.read_only:
                    yield WriteStarting(call.record(error=None, content=""))
                content = await self._within_timeout(tool, tool.invoke(self.ctx, use.input))
        except ToolError as exc:
            content = call.error = exc.message
        except BaseException:
            self.state.steps.append(call.record(error="the tool failed unexpectedly", content=""))
            raise
        if call.mode == "shadow" and call.error is None:
            yield WouldExecute(call_id=call.call_id, tool=call.tool, input=call.input)
        record = call.record(error=call.error, content=content)
        self.state.steps.append(record)
        self.results.append(ToolResultBlock(tool_use_id=use.id, content=content, is_error=not record.ok))
        yield ToolResult(
            call_id=record.call_id,
            tool=record.tool,
            ok=record.ok,
            latency_ms=record.latency_ms,
            result_size=record.result_size,
        )

    async def _within_timeout[T](self, tool: Tool, work: Coroutine[Any, Any, T]) -> T:
        """``work`` (the tool's run or rehearsal) within its timeout and the turn's deadline."""
        remaining = self.state.deadline.remaining()
        timeout = min(tool.timeout_seconds or self.plan.tool_timeout_seconds, remaining)
        if timeout <= 0:
            work.close()
            raise DeadlineExceeded("the turn ran out of time before a tool could run")
        try:
            async with asyncio.timeout(timeout):
                return await work
        except TimeoutError:
            if timeout >= remaining:
                raise DeadlineExceeded("the turn ran out of time while a tool was running") from None
            raise ToolError(f"{tool.name} did not answer within {timeout:.3g} s") from None

    def _answer_dangling_calls(self) -> None:
        """Give every call of the last answer a result, so what the turn stores stays valid."""
        messages = self.state.messages
        if not messages or messages[-1].role != "assistant" or not messages[-1].tool_uses:
            return
        answered = {result.tool_use_id: result for result in self.results}
        content = tuple(
            answered.get(use.id) or ToolResultBlock(tool_use_id=use.id, content=INTERRUPTED, is_error=True)
            for use in messages[-1].tool_uses
        )
        messages.append(Message(role="user", content=content))


@dataclass
class _Call:
    """One tool call while it runs."""

    call_id: str
    tool: str
    input: dict[str, Any]
    mode: CallMode = "live"
    error: str | None = None
    rejected: Rejected | None = None
    started: float = field(default_factory=time.monotonic)
    started_at: str = field(default_factory=lambda: iso(utc_now()))

    def record(self, *, error: str | None, content: str) -> ToolCallRecord:
        return ToolCallRecord(
            call_id=self.call_id,
            tool=self.tool,
            input=self.input,
            mode=self.mode,
            ok=error is None,
            error=error,
            result_size=len(content.encode()),
            latency_ms=int((time.monotonic() - self.started) * 1000),
            started_at=self.started_at,
            output_summary=content[:SUMMARY_CHARS],
            rejected=self.rejected,
        )


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


def shadow_result(tool: str, arguments: dict[str, Any]) -> str:
    """What the model reads instead of a write tool's result in shadow mode."""
    return (
        f"SHADOW MODE: {tool} did not run and nothing was changed. It would have run with "
        f"{json.dumps(arguments, ensure_ascii=False)}. Tell the user what would have happened, "
        "and that writes are in shadow mode here."
    )


async def before_deadline[T](events: AsyncIterator[T], deadline: Deadline) -> AsyncIterator[T]:
    """Re-yield ``events``; raise :class:`DeadlineExceeded` if the next one is not there in time."""
    try:
        while True:
            remaining = deadline.remaining()
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
