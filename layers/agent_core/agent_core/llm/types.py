"""Neutral types between the loop and any model: messages, requests, and streamed model events."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Discriminator, Field, Tag


class Usage(BaseModel):
    """Tokens a turn consumed, cache tokens included."""

    model_config = ConfigDict(frozen=True)

    input_tokens: int = 0
    output_tokens: int = 0
    cache_creation_input_tokens: int = 0
    cache_read_input_tokens: int = 0
    thinking_tokens: int = Field(default=0, description="Of output_tokens, those spent thinking.")

    def __add__(self, other: Usage) -> Usage:
        return Usage(
            input_tokens=self.input_tokens + other.input_tokens,
            output_tokens=self.output_tokens + other.output_tokens,
            cache_creation_input_tokens=self.cache_creation_input_tokens + other.cache_creation_input_tokens,
            cache_read_input_tokens=self.cache_read_input_tokens + other.cache_read_input_tokens,
            thinking_tokens=self.thinking_tokens + other.thinking_tokens,
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


class ThinkingBlock(BaseModel):
    """The model's reasoning, kept verbatim: within a tool cycle it must go back exactly as received.

    Its text is empty when the provider omits it (we ask it to); the signature carries the reasoning.
    It never reaches the client, the audit trail or the logs.
    """

    model_config = ConfigDict(frozen=True)

    type: Literal["thinking"] = "thinking"
    thinking: str
    signature: str


class RedactedThinkingBlock(BaseModel):
    """Reasoning the provider returned encrypted; kept verbatim like :class:`ThinkingBlock`."""

    model_config = ConfigDict(frozen=True)

    type: Literal["redacted_thinking"] = "redacted_thinking"
    data: str


class ProviderBlock(BaseModel):
    """A block of a kind this runtime does not read (a server tool's call or result), kept verbatim
    so that it goes back exactly as the provider sent it: a paused answer continues from it."""

    model_config = ConfigDict(frozen=True)

    type: str
    fields: dict[str, Any] = Field(default_factory=dict)


_KNOWN_BLOCKS = frozenset({"text", "tool_use", "tool_result", "thinking", "redacted_thinking"})


def _block_kind(value: Any) -> str:
    kind = value.get("type") if isinstance(value, dict) else getattr(value, "type", None)
    return kind if kind in _KNOWN_BLOCKS else "provider"


ContentBlock = Annotated[
    Annotated[TextBlock, Tag("text")]
    | Annotated[ToolUseBlock, Tag("tool_use")]
    | Annotated[ToolResultBlock, Tag("tool_result")]
    | Annotated[ThinkingBlock, Tag("thinking")]
    | Annotated[RedactedThinkingBlock, Tag("redacted_thinking")]
    | Annotated[ProviderBlock, Tag("provider")],
    Discriminator(_block_kind),
]


class Message(BaseModel):
    """One message of a conversation, in the order the model sees them."""

    model_config = ConfigDict(frozen=True)

    role: Literal["user", "assistant"]
    content: tuple[ContentBlock, ...]
    stop_reason: str | None = Field(
        default=None, description="Why the model stopped writing this assistant message (as it said)."
    )

    @classmethod
    def user_text(cls, text: str) -> Message:
        return cls(role="user", content=(TextBlock(text=text),))

    @property
    def text(self) -> str:
        return "".join(block.text for block in self.content if isinstance(block, TextBlock))

    @property
    def tool_uses(self) -> tuple[ToolUseBlock, ...]:
        return tuple(block for block in self.content if isinstance(block, ToolUseBlock))


class ToolSpec(BaseModel):
    """What the model is told about one tool."""

    model_config = ConfigDict(frozen=True)

    name: str
    description: str
    input_schema: dict[str, Any]
    read_only: bool = True


ThinkingMode = Literal["adaptive", "disabled"]
Effort = Literal["low", "medium", "high", "xhigh", "max"]


class Thinking(BaseModel):
    """How much the model reasons before it answers: ``adaptive`` (it decides, at this effort) or
    ``disabled``. ``effort`` None leaves the provider's default (high)."""

    model_config = ConfigDict(frozen=True)

    mode: ThinkingMode = "adaptive"
    effort: Effort | None = None

    @property
    def enabled(self) -> bool:
        return self.mode != "disabled"


class ModelRequest(BaseModel):
    """One call to a model: everything it needs, nothing provider-specific.

    ``messages`` are sent as they are: :func:`agent_core.llm.history.model_history` makes a stored
    conversation valid for a request once, when the turn starts, so every step of a turn sends the
    same prefix (thinking blocks are bound to it).
    """

    model_config = ConfigDict(frozen=True)

    system: str
    messages: tuple[Message, ...]
    tools: tuple[ToolSpec, ...] = ()
    max_tokens: int = 16_000
    thinking: Thinking = Thinking()


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


class Refusal(BaseModel):
    """Why the provider's safety classifiers stopped the answer, when it says."""

    model_config = ConfigDict(frozen=True)

    category: str | None = None
    explanation: str | None = None


class ModelFinished(BaseModel):
    """The last event of one model call.

    ``content`` is the answer exactly as the provider returned it (thinking blocks and their
    signatures included); None when the model only streams text and tool uses (local, scripted),
    which then make up the answer.
    """

    model_config = ConfigDict(frozen=True)

    type: Literal["finished"] = "finished"
    # end_turn, tool_use, max_tokens, stop_sequence, pause_turn, refusal, model_context_window_exceeded;
    # a str, because a provider may add reasons: the loop treats an unknown one as the end of the turn.
    stop_reason: str
    usage: Usage
    content: tuple[ContentBlock, ...] | None = None
    refusal: Refusal | None = None


class ModelSwitched(BaseModel):
    """The provider kept failing before its first event: the turn goes on with ``model``."""

    model_config = ConfigDict(frozen=True)

    type: Literal["switched"] = "switched"
    model: str
    reason: str


ModelEvent = TextChunk | ToolUseRequested | ModelFinished | ModelSwitched
