"""The agent loop with the scripted model: text, tools, errors, limits and deadlines."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass
from typing import Any

import pytest

from agent_core import (
    DeadlineExceeded,
    Message,
    ModelError,
    RunContext,
    Tenant,
    TextDelta,
    Tool,
    ToolCall,
    ToolError,
    ToolResult,
    Usage,
    WouldExecute,
    WriteMode,
    tool,
)
from agent_core.clock import iso, utc_now
from agent_core.deadline import Deadline
from agent_core.guardrails import default_guardrails
from agent_core.llm.scripted import call, say
from agent_core.llm.types import (
    ContentBlock,
    ModelEvent,
    ModelFinished,
    ModelRequest,
    ProviderBlock,
    Refusal,
    TextBlock,
    TextChunk,
    Thinking,
    ThinkingBlock,
    ToolResultBlock,
    ToolUseBlock,
)
from agent_core.loop import LoopEvent, LoopPlan, WriteStarting, run_loop
from agent_core.store.records import RunRecord, ToolCallRecord
from agent_core.tools.tenant_info import tenant_info
from agent_core.turn_state import TurnState
from tests.fakes.scripted_model import ScriptedModel
from tests.support.context import run_context

pytestmark = pytest.mark.anyio


PLACED: list[dict[str, Any]] = []


@tool(read_only=False)
async def place_order(ctx: RunContext, product: str, quantity: int, card_number: str = "") -> dict[str, Any]:
    """Place an order (a write)."""
    PLACED.append({"product": product, "quantity": quantity})
    return {"order_id": f"O-{len(PLACED)}"}


async def _slow_stock_check(ctx: RunContext, product: str) -> None:
    await asyncio.sleep(5)


@tool(read_only=False, check=_slow_stock_check)
async def reserve_stock(ctx: RunContext, product: str) -> dict[str, Any]:
    """Reserve stock (a write whose shadow rehearsal reads a slow system)."""
    return {"reserved": product}


@tool
async def lookup_order(ctx: RunContext, order_id: str, api_key: str = "") -> dict[str, Any]:
    """Find an order by id."""
    if order_id == "missing":
        raise ToolError("no order missing; use list_orders")
    if order_id == "slow":
        await asyncio.sleep(5)
    if order_id == "bug":
        raise RuntimeError("a bug in the tool")
    return {"order_id": order_id, "total": 42}


@dataclass
class LoopRun:
    """One turn's loop over a fresh state, read back the way the turn reads it."""

    state: TurnState
    plan: LoopPlan
    ctx: RunContext

    def run(self) -> AsyncIterator[LoopEvent]:
        return run_loop(self.state, self.plan, self.ctx, default_guardrails())

    @property
    def stop_reason(self) -> str | None:
        return self.state.stop_reason

    @property
    def usage(self) -> Usage:
        return self.state.usage

    @property
    def new_messages(self) -> list[Message]:
        return self.state.messages

    @property
    def refusal(self) -> Refusal | None:
        return self.state.refusal


def make_loop(
    model: ScriptedModel,
    tools: Sequence[Tool] = (tenant_info, lookup_order),
    *,
    max_steps: int = 10,
    turn_seconds: float = 5.0,
    tool_seconds: float = 2.0,
    write_mode: WriteMode = "shadow",
) -> tuple[LoopRun, list[ToolCallRecord]]:
    """A loop of acme (writes ``write_mode``) and the tool calls it records, in order."""
    now = utc_now()
    deadline = Deadline.after(now, turn_seconds)
    run = RunRecord(
        run_id="run_1",
        tenant_id="acme",
        session_id="ses_1",
        agent_id="general",
        caller_id="alice",
        model=model.name,
        turn=1,
        started_at=iso(now),
        deadline_at=deadline.iso,
    )
    hello = Message.user_text("hello")
    state = TurnState(run=run, deadline=deadline, user_message=hello)
    plan = LoopPlan(
        model=model,
        system="You help.",
        history=(hello,),
        tools={tool.name: tool for tool in tools},
        max_steps=max_steps,
        max_tokens=1000,
        thinking=Thinking(),
        tool_timeout_seconds=tool_seconds,
    )
    tenant = Tenant(tenant_id="acme", name="Acme Corporation", writes=write_mode)
    return LoopRun(state, plan, run_context(tenant, caller_id="alice")), state.steps


async def drain(loop: LoopRun) -> list[LoopEvent]:
    """What the client would see (the loop's note before a live write is the turn's to act on)."""
    return [event async for event in loop.run() if not isinstance(event, WriteStarting)]


async def test_a_text_answer_streams_and_ends_the_turn() -> None:
    model = ScriptedModel([say("Hel", "lo!", usage=Usage(input_tokens=7, output_tokens=2))])
    loop, audited = make_loop(model)

    events = await drain(loop)

    assert events == [TextDelta(text="Hel"), TextDelta(text="lo!")]
    assert loop.stop_reason == "end_turn"
    assert loop.usage == Usage(input_tokens=7, output_tokens=2)
    assert [m.text for m in loop.new_messages] == ["Hello!"]
    assert audited == []
    assert [spec.name for spec in model.requests[0].tools] == ["tenant_info", "lookup_order"]


async def test_a_tool_call_runs_is_audited_and_its_result_goes_back_to_the_model() -> None:
    model = ScriptedModel(
        [
            call("lookup_order", {"order_id": "A-1", "api_key": "secret!"}, call_id="toolu_1"),
            say("Total is 42."),
        ]
    )
    loop, audited = make_loop(model)

    events = await drain(loop)

    assert events[0] == ToolCall(
        call_id="toolu_1", tool="lookup_order", input={"order_id": "A-1", "api_key": "[REDACTED]"}
    )
    result = events[1]
    assert isinstance(result, ToolResult)
    assert (result.ok, result.result_size) == (True, len('{"order_id":"A-1","total":42}'))
    assert events[2:] == [TextDelta(text="Total is 42.")]
    assert [(r.tool, r.ok, r.input["api_key"]) for r in audited] == [("lookup_order", True, "[REDACTED]")]
    second = model.requests[1].messages
    assert [use.id for use in second[-2].tool_uses] == ["toolu_1"]
    assert second[-1].content == (
        ToolResultBlock(tool_use_id="toolu_1", content='{"order_id":"A-1","total":42}'),
    )
    assert loop.usage.input_tokens == 20


async def test_a_tool_error_is_read_by_the_model_not_raised() -> None:
    model = ScriptedModel([call("lookup_order", {"order_id": "missing"}), say("Sorry.")])
    loop, audited = make_loop(model)

    events = await drain(loop)

    assert [type(e).__name__ for e in events] == ["ToolCall", "ToolResult", "TextDelta"]
    assert isinstance(events[1], ToolResult) and events[1].ok is False
    result = model.requests[1].messages[-1].content[0]
    assert isinstance(result, ToolResultBlock)
    assert (result.is_error, result.content) == (True, "no order missing; use list_orders")
    assert audited[0].error == "no order missing; use list_orders"


async def test_an_unknown_tool_is_a_tool_error_that_lists_the_tools() -> None:
    model = ScriptedModel([call("delete_everything"), say("ok")])
    loop, _ = make_loop(model)

    await drain(loop)

    result = model.requests[1].messages[-1].content[0]
    assert isinstance(result, ToolResultBlock) and result.is_error
    assert (
        result.content
        == "there is no tool 'delete_everything' here; the tools are: tenant_info, lookup_order"
    )


async def test_bad_arguments_from_the_model_are_a_tool_error() -> None:
    model = ScriptedModel([call("lookup_order", {"order": "A-1"}), say("ok")])
    loop, audited = make_loop(model)

    await drain(loop)

    assert audited[0].ok is False
    assert "order_id: Field required" in (audited[0].error or "")


async def test_a_slow_tool_times_out_and_the_model_is_told() -> None:
    model = ScriptedModel([call("lookup_order", {"order_id": "slow"}), say("It timed out.")])
    loop, audited = make_loop(model, tool_seconds=0.2)

    await drain(loop)

    told = model.requests[1].messages[-1].content[0]
    assert isinstance(told, ToolResultBlock) and told.is_error
    assert told.content.startswith("tool_timeout: lookup_order did not answer within 0.2 s and was stopped.")
    assert (audited[0].error, audited[0].rejected) == (told.content, "timeout")
    assert loop.stop_reason == "end_turn"


async def test_max_steps_stops_the_turn_with_every_call_answered() -> None:
    model = ScriptedModel([call("tenant_info"), call("tenant_info"), call("tenant_info")])
    loop, audited = make_loop(model, max_steps=2)

    await drain(loop)

    assert loop.stop_reason == "max_steps"
    assert len(model.requests) == 2
    assert len(audited) == 2
    assert loop.new_messages[-1].role == "user"
    assert isinstance(loop.new_messages[-1].content[0], ToolResultBlock)


async def test_an_empty_tool_list_offers_no_tools() -> None:
    model = ScriptedModel([say("Just text.")])
    loop, _ = make_loop(model, tools=())

    await drain(loop)

    assert model.requests[0].tools == ()


async def test_the_deadline_stops_a_stalled_model() -> None:
    stalled = ScriptedModel(
        [[TextChunk(text="Thinking"), ModelFinished(stop_reason="end_turn", usage=Usage())]], pause_seconds=1
    )
    loop, _ = make_loop(stalled, turn_seconds=0.3)

    with pytest.raises(DeadlineExceeded):
        await drain(loop)


async def test_a_model_failure_mid_answer_keeps_the_text_already_streamed() -> None:
    model = ScriptedModel([[TextChunk(text="Partial "), ModelError("overloaded", code="model_overloaded")]])
    loop, _ = make_loop(model)
    seen: list[LoopEvent] = []

    with pytest.raises(ModelError):
        async for event in loop.run():
            seen.append(event)

    assert seen == [TextDelta(text="Partial ")]
    assert [(m.role, m.text) for m in loop.new_messages] == [("assistant", "Partial ")]


async def test_a_tool_bug_is_audited_fails_the_run_and_leaves_a_valid_history() -> None:
    model = ScriptedModel([call("lookup_order", {"order_id": "bug"}, call_id="toolu_9")])
    loop, audited = make_loop(model)

    with pytest.raises(RuntimeError):
        await drain(loop)

    assert [(r.ok, r.error) for r in audited] == [(False, "the tool failed unexpectedly")]
    last = loop.new_messages[-1]
    assert last.role == "user"
    assert last.content == (
        ToolResultBlock(
            tool_use_id="toolu_9", content="the run stopped before this call finished", is_error=True
        ),
    )


async def test_a_model_id_that_cannot_enter_a_key_gets_a_safe_call_id() -> None:
    model = ScriptedModel([call("tenant_info", call_id="weird id#1"), say("ok")])
    loop, audited = make_loop(model)

    events = await drain(loop)

    assert isinstance(events[0], ToolCall) and events[0].call_id.startswith("call_")
    assert audited[0].call_id == events[0].call_id
    result = model.requests[1].messages[-1].content[0]
    assert isinstance(result, ToolResultBlock) and result.tool_use_id == "weird id#1"


async def test_shadow_mode_does_not_run_a_write_and_tells_the_model() -> None:
    PLACED.clear()
    arguments = {"product": "anvil", "quantity": 2, "card_number": "4111 1111 1111 1111"}
    model = ScriptedModel([call("place_order", arguments, call_id="w1"), say("It would have been ordered.")])
    loop, audited = make_loop(model, tools=(place_order,))

    events = await drain(loop)

    redacted = {"product": "anvil", "quantity": 2, "card_number": "[REDACTED]"}
    assert events[:2] == [
        ToolCall(call_id="w1", tool="place_order", input=redacted),
        WouldExecute(call_id="w1", tool="place_order", input=redacted),
    ]
    assert isinstance(events[2], ToolResult) and events[2].ok
    assert PLACED == []
    result = model.requests[1].messages[-1].content[0]
    assert isinstance(result, ToolResultBlock)
    assert result.content.startswith("SHADOW MODE: place_order did not run and nothing was changed.")
    assert "4111" not in result.content
    assert [(r.mode, r.ok) for r in audited] == [("shadow", True)]


async def test_shadow_mode_still_checks_the_arguments() -> None:
    model = ScriptedModel([call("place_order", {"product": "anvil"}), say("ok")])
    loop, audited = make_loop(model, tools=(place_order,))

    events = await drain(loop)

    assert not any(isinstance(e, WouldExecute) for e in events)
    assert audited[0].ok is False
    assert "quantity: Field required" in (audited[0].error or "")


async def test_live_mode_runs_the_write_and_reads_run_in_either_mode() -> None:
    PLACED.clear()
    model = ScriptedModel(
        [call("place_order", {"product": "anvil", "quantity": 1}), call("tenant_info"), say("Ordered.")]
    )
    loop, audited = make_loop(model, tools=(place_order, tenant_info), write_mode="live")

    events = await drain(loop)

    assert PLACED == [{"product": "anvil", "quantity": 1}]
    assert not any(isinstance(e, WouldExecute) for e in events)
    assert [(r.tool, r.mode) for r in audited] == [("place_order", "live"), ("tenant_info", "live")]


def answered(
    stop: str, *content: ContentBlock, refusal: Refusal | None = None
) -> list[ModelEvent | BaseException]:
    """One step whose provider returned ``content`` verbatim (as the Anthropic adapter does)."""
    text = [TextChunk(text=b.text) for b in content if isinstance(b, TextBlock)]
    usage = Usage(input_tokens=10, output_tokens=5, thinking_tokens=3)
    return [*text, ModelFinished(stop_reason=stop, usage=usage, content=content, refusal=refusal)]


async def test_thinking_goes_back_verbatim_within_the_tool_cycle() -> None:
    use = ToolUseBlock(id="toolu_1", name="lookup_order", input={"order_id": "A-1"})
    model = ScriptedModel([answered("tool_use", use), answered("end_turn", TextBlock(text="42."))])
    loop, _ = make_loop(model)

    await drain(loop)

    thought, call_sent = model.requests[1].messages[-2].content
    assert isinstance(thought, ThinkingBlock) and thought.signature and call_sent == use
    assert loop.new_messages[0].content == (thought, use)  # stored with the turn, as sent
    assert loop.usage.thinking_tokens == 6
    assert model.refusals == []


async def test_a_dropped_thinking_block_is_refused_as_the_api_would() -> None:
    class Forgetful(ScriptedModel):
        async def stream(self, request: ModelRequest) -> AsyncIterator[ModelEvent]:
            last = request.messages[-2] if len(request.messages) > 1 else None
            if last is not None and last.role == "assistant":
                kept = tuple(b for b in last.content if not isinstance(b, ThinkingBlock))
                messages = (
                    *request.messages[:-2],
                    last.model_copy(update={"content": kept}),
                    request.messages[-1],
                )
                request = request.model_copy(update={"messages": messages})
            async for event in super().stream(request):
                yield event

    model = Forgetful([call("lookup_order", {"order_id": "A-1"}), say("42.")])
    loop, _ = make_loop(model)

    with pytest.raises(ModelError) as refused:
        await drain(loop)

    assert refused.value.code == "model_bad_request"
    assert "Expected `thinking` or `redacted_thinking`, but found `tool_use`" in refused.value.message


async def test_a_call_cut_off_by_max_tokens_does_not_run() -> None:
    cut = ToolUseBlock(id="toolu_1", name="lookup_order", input={"order_id": "A-"})
    model = ScriptedModel([answered("max_tokens", TextBlock(text="Let me look"), cut)])
    loop, audited = make_loop(model)

    events = await drain(loop)

    assert loop.stop_reason == "max_tokens"
    assert audited == [] and not any(isinstance(e, ToolCall) for e in events)
    thought, text = loop.new_messages[-1].content
    assert isinstance(thought, ThinkingBlock) and text == TextBlock(text="Let me look")


async def test_pause_turn_continues_the_same_answer() -> None:
    # A provider pauses a long turn while its own (server) tool runs; the paused answer goes back as
    # it came, and the next step continues it (docs: build-with-claude/handling-stop-reasons).
    searching = ProviderBlock(
        type="server_tool_use", fields={"id": "srvtoolu_1", "name": "web_search", "input": {"query": "x"}}
    )
    model = ScriptedModel(
        [
            answered("pause_turn", TextBlock(text="Part one. "), searching),
            answered("end_turn", TextBlock(text="Part two.")),
        ]
    )
    loop, _ = make_loop(model)

    events = await drain(loop)

    assert [e.text for e in events if isinstance(e, TextDelta)] == ["Part one. ", "Part two."]
    paused = model.requests[1].messages[-1]
    assert paused.role == "assistant" and paused.content[-1] == searching
    assert [(m.role, m.text, m.stop_reason) for m in loop.new_messages] == [
        ("assistant", "Part one. Part two.", "end_turn")
    ]
    assert loop.stop_reason == "end_turn" and model.refusals == []


async def test_a_refusal_ends_the_turn_and_says_why() -> None:
    why = Refusal(category="cyber", explanation="This request was declined.")
    model = ScriptedModel([answered("refusal", TextBlock(text="I can"), refusal=why)])
    loop, _ = make_loop(model)

    await drain(loop)

    assert (loop.stop_reason, loop.refusal) == ("refusal", why)
    assert loop.new_messages[-1].stop_reason == "refusal"


async def test_every_other_stop_reason_ends_the_turn_with_it() -> None:
    for stop in ("stop_sequence", "model_context_window_exceeded", "end_turn", "some_future_reason"):
        model = ScriptedModel([answered(stop, TextBlock(text="Done"))])
        loop, _ = make_loop(model)
        await drain(loop)
        assert (loop.stop_reason, len(model.requests)) == (stop, 1)


async def test_a_blank_text_block_from_the_model_is_never_kept() -> None:
    use = ToolUseBlock(id="toolu_1", name="tenant_info", input={})
    model = ScriptedModel([answered("tool_use", TextBlock(text="\n\n"), use), say("ok")])
    loop, _ = make_loop(model)

    await drain(loop)

    assert [type(b).__name__ for b in loop.new_messages[0].content] == ["ThinkingBlock", "ToolUseBlock"]


async def test_a_shadow_rehearsal_is_held_to_the_tool_timeout() -> None:
    model = ScriptedModel([call("reserve_stock", {"product": "anvil"}), say("It timed out.")])
    loop, audited = make_loop(model, tools=(reserve_stock,), tool_seconds=0.2)

    events = await drain(loop)

    assert (audited[0].error or "").startswith("tool_timeout: reserve_stock did not answer within 0.2 s")
    assert audited[0].rejected == "timeout"
    assert audited[0].mode == "shadow" and not any(isinstance(e, WouldExecute) for e in events)


async def test_a_live_write_is_announced_before_it_runs_so_it_can_be_recorded_first() -> None:
    PLACED.clear()
    model = ScriptedModel(
        [call("place_order", {"product": "anvil", "quantity": 1}, call_id="w9"), say("Done.")]
    )
    loop, _ = make_loop(model, tools=(place_order,), write_mode="live")
    placed_when_announced: list[int] = []

    async for event in loop.run():
        if isinstance(event, WriteStarting):
            placed_when_announced.append(len(PLACED))
            assert (event.call.call_id, event.call.tool, event.call.mode) == ("w9", "place_order", "live")

    assert placed_when_announced == [0] and len(PLACED) == 1
