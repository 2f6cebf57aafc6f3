"""A stored conversation made valid for a model request, whatever its turns stored."""

from __future__ import annotations

from agent_core.llm.history import INTERRUPTED, model_history
from agent_core.llm.types import (
    Message,
    RedactedThinkingBlock,
    TextBlock,
    ThinkingBlock,
    ToolResultBlock,
    ToolUseBlock,
)

THOUGHT = ThinkingBlock(thinking="", signature="sig-1")
LOOKUP = ToolUseBlock(id="toolu_1", name="lookup", input={"id": "A-1"})
RESULT = ToolResultBlock(tool_use_id="toolu_1", content='{"total": 42}')


def user(*texts: str) -> Message:
    return Message(role="user", content=tuple(TextBlock(text=t) for t in texts))


def assistant(
    *blocks: TextBlock | ToolUseBlock | ThinkingBlock | RedactedThinkingBlock, stop: str = "end_turn"
) -> Message:
    return Message(role="assistant", content=blocks, stop_reason=stop)


def results(*blocks: ToolResultBlock) -> Message:
    return Message(role="user", content=blocks)


TOOL_TURN = (
    user("find A-1"),
    assistant(THOUGHT, TextBlock(text="Looking."), LOOKUP, stop="tool_use"),
    results(RESULT),
    assistant(RedactedThinkingBlock(data="opaque"), TextBlock(text="It is 42.")),
)


def test_earlier_turns_go_back_without_their_thinking_and_the_new_message_comes_last() -> None:
    history = model_history([TOOL_TURN, (user("and B-2?"),)], thinking=True, tools=True)

    assert [m.role for m in history] == ["user", "assistant", "user", "assistant", "user"]
    assert history[1].content == (TextBlock(text="Looking."), LOOKUP)
    assert history[3].content == (TextBlock(text="It is 42."),)
    assert history[-1] == user("and B-2?")


def test_a_refused_turn_is_left_out_whole() -> None:
    refused = (user("something refused"), assistant(TextBlock(text="I can"), stop="refusal"))

    history = model_history([TOOL_TURN, refused, (user("next"),)], thinking=True, tools=True)

    assert "something refused" not in repr(history)
    assert history[-1] == user("next")


def test_a_turn_that_failed_before_the_model_answered_is_merged_with_the_next() -> None:
    history = model_history([(user("first"),), (user("second"),)], thinking=True, tools=True)

    assert history == (user("first", "second"),)


def test_a_tool_cycle_left_open_becomes_text_when_thinking_is_on() -> None:
    open_cycle = (user("find A-1"), assistant(THOUGHT, LOOKUP, stop="tool_use"), results(RESULT))

    history = model_history([open_cycle, (user("well?"),)], thinking=True, tools=True)

    assert history[1].content == (TextBlock(text='[called lookup with {"id": "A-1"}]'),)
    assert history[2].content == (
        TextBlock(text='[tool result: {"total": 42}]'),
        TextBlock(text="well?"),
    )


def test_a_tool_cycle_left_open_stays_a_tool_cycle_without_thinking() -> None:
    open_cycle = (user("find A-1"), assistant(THOUGHT, LOOKUP, stop="tool_use"), results(RESULT))

    history = model_history([open_cycle, (user("well?"),)], thinking=False, tools=True)

    assert history[1].content == (LOOKUP,)
    assert history[2].content == (RESULT, TextBlock(text="well?"))


def test_without_tools_every_tool_block_is_text() -> None:
    history = model_history([TOOL_TURN, (user("thanks"),)], thinking=True, tools=False)

    assert not any(isinstance(b, ToolUseBlock | ToolResultBlock) for m in history for b in m.content)
    assert history[2].content == (TextBlock(text='[tool result: {"total": 42}]'),)


def test_an_unanswered_call_gets_a_result_and_a_stray_result_is_dropped() -> None:
    stray = ToolResultBlock(tool_use_id="toolu_404", content="?")
    crashed = (user("find A-1"), assistant(LOOKUP, stop="tool_use"))
    later = (results(stray), user("hello again"))

    history = model_history([crashed, later], thinking=False, tools=True)

    assert history[2].content == (
        ToolResultBlock(tool_use_id="toolu_1", content=INTERRUPTED, is_error=True),
        TextBlock(text="hello again"),
    )


def test_blank_text_and_empty_messages_are_dropped() -> None:
    blank = (user("hi"), assistant(THOUGHT, TextBlock(text=" \n")), user("  "))

    history = model_history([blank, (user("again"),)], thinking=True, tools=True)

    assert history == (user("hi", "again"),)


def test_the_same_stored_turns_always_give_the_same_messages() -> None:
    turns = [TOOL_TURN, (user("find B"), assistant(THOUGHT, LOOKUP, stop="tool_use")), (user("?"),)]

    assert model_history(turns, thinking=True, tools=True) == model_history(turns, thinking=True, tools=True)
