"""Neutral types between the loop and any model: messages, requests, and streamed model events."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field


class Usage(BaseModel):
    """Tokens a turn consumed, cache tokens included."""

    model_config = ConfigDict(frozen=True)

    input_tokens: int = 0
    output_tokens: int = 0
    cache_creation_input_tokens: int = 0
    cache_read_input_tokens: int = 0

    def __add__(self, other: Usage) -> Usage:
        return Usage(
            input_tokens=self.input_tokens + other.input_tokens,
            output_tokens=self.output_tokens + other.output_tokens,
            cache_creation_input_tokens=self.cache_creation_input_tokens + other.cache_creation_input_tokens,
            cache_read_input_tokens=self.cache_read_input_tokens + other.cache_read_input_tokens,
        )


class TextBlock(BaseModel):
    model_config = ConfigDict(frozen=True)

    type: Literal["text"] = "text"
    text: str


class ToolUseBlock(BaseModel):
    model_config = ConfigDict(frozen=True)

    type: Literal["tool_use"] = "tool_use"
    id: str
    name: str
    input: dict[str, Any]


class ToolResultBlock(BaseModel):
    model_config = ConfigDict(frozen=True)

    type: Literal["tool_result"] = "tool_result"
    tool_use_id: str
    content: str
    is_error: bool = False


ContentBlock = Annotated[TextBlock | ToolUseBlock | ToolResultBlock, Field(discriminator="type")]


class Message(BaseModel):
    """One message of a conversation, in the order the model sees them."""

    model_config = ConfigDict(frozen=True)

    role: Literal["user", "assistant"]
    content: tuple[ContentBlock, ...]

    @classmethod
    def user_text(cls, text: str) -> Message:
        return cls(role="user", content=(TextBlock(text=text),))

    @property
    def text(self) -> str:
        return "".join(block.text for block in self.content if isinstance(block, TextBlock))


class ToolSpec(BaseModel):
    """What the model is told about one tool."""

    model_config = ConfigDict(frozen=True)

    name: str
    description: str
    input_schema: dict[str, Any]
    read_only: bool = True


class ModelRequest(BaseModel):
    """One call to a model: everything it needs, nothing provider-specific."""

    model_config = ConfigDict(frozen=True)

    system: str
    messages: tuple[Message, ...]
    tools: tuple[ToolSpec, ...] = ()
    max_tokens: int = 4096


class TextChunk(BaseModel):
    """Some text of the answer, as soon as the model produced it."""

    model_config = ConfigDict(frozen=True)

    type: Literal["text"] = "text"
    text: str


class ToolUseRequested(BaseModel):
    """A complete tool call, its input parsed."""

    model_config = ConfigDict(frozen=True)

    type: Literal["tool_use"] = "tool_use"
    id: str
    name: str
    input: dict[str, Any]


StopReason = Literal["end_turn", "tool_use", "max_tokens", "stop_sequence", "refusal", "pause_turn"]


class ModelFinished(BaseModel):
    """The last event of one model call."""

    model_config = ConfigDict(frozen=True)

    type: Literal["finished"] = "finished"
    stop_reason: str
    usage: Usage


ModelEvent = TextChunk | ToolUseRequested | ModelFinished


def alternating(messages: tuple[Message, ...]) -> tuple[Message, ...]:
    """Merge neighbours of the same role (a failed turn leaves two user messages in a row).

    Tool results stay first in a merged user message, as the Messages API requires.
    """
    merged: list[Message] = []
    for message in messages:
        if merged and merged[-1].role == message.role:
            blocks = merged[-1].content + message.content
            if message.role == "user":
                blocks = tuple(b for b in blocks if isinstance(b, ToolResultBlock)) + tuple(
                    b for b in blocks if not isinstance(b, ToolResultBlock)
                )
            merged[-1] = Message(role=message.role, content=blocks)
        else:
            merged.append(message)
    return tuple(merged)
