"""The agent loop: one flat, bounded async generator that writes its turn's state.

Stream the model, forward its text, ask the guardrails about each tool call and carry out their
decision (each call within its timeout), hand the results back, and stop at the end of the turn,
at ``max_steps``, at the deadline, or at a write that waits for a person's confirmation (the run,
resumed, starts again at that call: :class:`Resumption`). Everything it does lands in the
:class:`TurnState` it is given (messages, usage, steps, why it stopped), complete even when it
fails halfway, so the turn can always store it. It never writes to storage itself: before a
write runs for real it yields :class:`WriteStarting`, and whoever drives it records that before
asking for the next event.
"""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import AsyncIterator, Coroutine, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import timedelta
from typing import Any

from agent_core import keys
from agent_core.cancellation import CancelCheck
from agent_core.clock import iso, utc_now
from agent_core.deadline import Deadline
from agent_core.errors import (
    ClientGone,
    DeadlineExceeded,
    ModelError,
    RunCancelled,
    Stopped,
    ToolError,
    ToolTimedOut,
)
from agent_core.events import ModelFallback, TextDelta, ToolCall, ToolConfirmation, ToolResult, WouldExecute
from agent_core.guardrails import RUN, Confirm, Decision, Guardrails, ProposedCall, Refuse, Shadow
from agent_core.ids import new_call_id
from agent_core.llm.model import Model
from agent_core.llm.types import (
    ContentBlock,
    Message,
    ModelFinished,
    ModelRequest,
    ModelSwitched,
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
from agent_core.timeouts import call_deadline, timed_out
from agent_core.tools.base import Tool
from agent_core.tools.context import RunContext
from agent_core.turn_state import Awaiting, TurnState

SUMMARY_CHARS = 200
INTERRUPTED = "the run stopped before this call finished"
# What the conversation holds for a paused write until it is decided (a newer turn leaves it so).
UNCONFIRMED = "this call did not run: it was waiting for a person's confirmation, which was not given"
DECLINED = "a person declined this call: it did not run. Do not retry it unless the user asks again."


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
    confirm_within_seconds: int = 900


@dataclass(frozen=True)
class Resumption:
    """A paused run going on after a person decided the write it waited on: the loop starts at
    that call (the last answer in the state's messages) with its stored arguments."""

    call_id: str
    tool_use_id: str
    position: int
    started_at: str
    approved: bool
    results: tuple[ToolResultBlock, ...] = ()  # of the answer's calls before it


@dataclass(frozen=True)
class WriteStarting:
    """A write is about to run for real: record it (its outcome unknown) before resuming the loop."""

    call: ToolCallRecord


LoopEvent = (
    TextDelta | ToolCall | WouldExecute | ToolConfirmation | ToolResult | ModelFallback | WriteStarting
)


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
    state: TurnState,
    plan: LoopPlan,
    ctx: RunContext,
    guardrails: Guardrails,
    resume: Resumption | None = None,
    *,
    cancel_check: CancelCheck | None = None,
) -> AsyncIterator[LoopEvent]:
    """Run the turn's model and tools, writing ``state``; yields what the client sees as it happens.
    Before each model request and tool call, ``cancel_check`` may find the run cancelled."""
    async for event in _Loop(state, plan, ctx, guardrails, resume, cancel_check).run():
        yield event


class _Loop:
    def __init__(
        self,
        state: TurnState,
        plan: LoopPlan,
        ctx: RunContext,
        guardrails: Guardrails,
        resume: Resumption | None,
        cancel_check: CancelCheck | None = None,
    ) -> None:
        self.cancel_check = cancel_check
        self.state = state
        self.plan = plan
        self.ctx = ctx
        self.guardrails = guardrails
        self.resume = resume
        self.results: list[ToolResultBlock] = []

    async def run(self) -> AsyncIterator[LoopEvent]:
        state = self.state
        try:
            if self.resume is not None:
                async for outcome in self._resumed(self.resume):
                    yield outcome
                if state.awaiting is not None:
                    return
            for _ in range(self.plan.max_steps):
                await self._unless_stopped()
                if stop := await self.guardrails.before_model(self.ctx):
                    raise Stopped(stop.reason)
                state.model_calls += 1
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
                        elif isinstance(event, ModelSwitched):
                            state.model = event.model
                            yield ModelFallback(model=event.model, reason=event.reason)
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
                async for outcome in self._calls(calls, 0):
                    yield outcome
                if state.awaiting is not None:
                    return
                self._add(Message(role="user", content=tuple(self.results)))
            state.stop_reason = "max_steps"
        except BaseException:
            self._answer_dangling_calls()
            raise

    async def _resumed(self, resume: Resumption) -> AsyncIterator[LoopEvent]:
        """The rest of the paused answer's calls, from the decided one on, then their results."""
        self.results = list(resume.results)
        async for outcome in self._calls(self.state.messages[-1].tool_uses, resume.position):
            yield outcome
        if self.state.awaiting is None:
            self._add(Message(role="user", content=tuple(self.results)))

    async def _calls(self, calls: Sequence[ToolUseBlock], start: int) -> AsyncIterator[LoopEvent]:
        """The calls of one answer from ``start``, in order, until one waits for a confirmation."""
        for position in range(start, len(calls)):
            await self._unless_stopped()
            async for outcome in self._call(calls[position], position):
                yield outcome
            if self.state.awaiting is not None:
                # The answer's results so far, and a placeholder for the waiting call, keep the
                # stored conversation valid until the run resumes (or a newer turn passes it by).
                waiting = ToolResultBlock(tool_use_id=calls[position].id, content=UNCONFIRMED, is_error=True)
                self._add(Message(role="user", content=(*self.results, waiting)))
                self.state.stop_reason = "awaiting_confirmation"
                return

    async def _unless_stopped(self) -> None:
        if self.cancel_check is not None:
            await self.cancel_check.check(self.state)
        if self.state.cancelled:
            raise RunCancelled("the run was cancelled; it stopped before its next step")
        if self.state.stop_requested:
            raise ClientGone("the client disconnected; the run stopped before its next step")

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
    async def _call(self, use: ToolUseBlock, position: int) -> AsyncIterator[LoopEvent]:
        resume = self.resume if self.resume and self.resume.position == position else None
        self.resume = None if resume else self.resume
        call = _Call(
            call_id=resume.call_id if resume else use.id if keys.is_valid_id(use.id) else new_call_id(),
            tool=use.name,
            input=redact(use.input),
        )
        if resume:
            call.started_at = resume.started_at  # the same call: its audit entry is updated
        else:
            yield ToolCall(call_id=call.call_id, tool=call.tool, input=call.input)
        try:
            tool = self.plan.tools.get(use.name)
            if tool is None:
                names = ", ".join(self.plan.tools) or "none"
                raise ToolError(f"there is no tool {use.name!r} here; the tools are: {names}")
            decision = await self._decide(ProposedCall(tool, use.input, self.ctx), resume)
            if isinstance(decision, Confirm):
                # Only a call that would run is put to a person: its arguments and check first.
                await self._within_timeout(tool, tool.rehearse(self.ctx, use.input))
                self.state.awaiting = self._awaiting(call, use, position)
                yield ToolConfirmation(
                    call_id=call.call_id,
                    tool=call.tool,
                    input=call.input,
                    expires_at=self.state.awaiting.expires_at,
                )
                return
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
                ctx = replace(self.ctx, call_id=call.call_id)  # its idempotency key
                content = await self._within_timeout(tool, tool.invoke(ctx, use.input))
        except ToolError as exc:
            content = call.error = exc.message
            if isinstance(exc, ToolTimedOut):
                call.rejected = "timeout"
        except DeadlineExceeded as exc:  # the turn's deadline passed while the call waited or ran
            call.rejected = "timeout"
            self.state.steps.append(call.record(error=exc.message, content=""))
            raise
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

    async def _decide(self, proposed: ProposedCall, resume: Resumption | None) -> Decision:
        """The guardrails' decision; for the call a person has just decided, theirs goes first
        (approved, it still passes every other rule: a switch turned off since stops it)."""
        if resume is not None and not resume.approved:
            return Refuse(DECLINED, "confirmation")
        decision = await self.guardrails.decide(proposed)
        return RUN if resume is not None and isinstance(decision, Confirm) else decision

    def _awaiting(self, call: _Call, use: ToolUseBlock, position: int) -> Awaiting:
        expires = utc_now() + timedelta(seconds=self.plan.confirm_within_seconds)
        return Awaiting(
            call_id=call.call_id,
            tool_use_id=use.id,
            tool=call.tool,
            arguments=use.input,
            input=call.input,
            position=position,
            started_at=call.started_at,
            expires_at=iso(expires),
        )

    async def _within_timeout[T](self, tool: Tool, work: Coroutine[Any, Any, T]) -> T:
        """``work`` (the tool's run or rehearsal) within its timeout and the turn's deadline."""
        remaining = self.state.deadline.remaining()
        timeout = min(tool.timeout_seconds or self.plan.tool_timeout_seconds, remaining)
        if timeout <= 0:
            work.close()
            raise DeadlineExceeded("the turn ran out of time before a tool could run")
        try:
            with call_deadline(timeout):  # a tool that waits (a retry) knows how long it may
                async with asyncio.timeout(timeout):
                    return await work
        except TimeoutError:
            if timeout >= remaining:
                raise DeadlineExceeded("the turn ran out of time while a tool was running") from None
            raise ToolTimedOut(timed_out(tool, timeout)) from None

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
