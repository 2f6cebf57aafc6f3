"""Request and reply bodies of the chat API, and the agent catalogue as ``GET /agents`` lists it."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated, Any, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, field_serializer
from pydantic_core import PydanticCustomError

from agent_core.keys import ID_PATTERN
from agent_core.llm.types import Refusal, Usage
from agent_core.store.records import PendingCall, RunError, ToolCallRecord
from agent_core.turn_request import TurnRequest

if TYPE_CHECKING:  # the agent catalogue imports every tool: not for functions that only list runs
    from agent_core.agents.agent import Agent

MAX_MESSAGE_CHARS = 32_000


def _not_blank(text: str) -> str:
    # The Messages API refuses a text block without non-whitespace text ("text content blocks must
    # contain non-whitespace text"), so such a message could never reach the model: refuse it here.
    if not text.strip():
        raise PydanticCustomError("blank_string", "String should contain some text other than whitespace")
    return text


UserText = Annotated[str, Field(min_length=1, max_length=MAX_MESSAGE_CHARS), AfterValidator(_not_blank)]
"""What a person says in one turn: 1 to 32,000 characters, not all of them whitespace."""


class ChatRequest(BaseModel):
    """One user turn."""

    model_config = ConfigDict(extra="forbid")

    message: UserText = Field(description="What the user says.")
    session_id: str | None = Field(
        default=None,
        pattern=f"^{ID_PATTERN.pattern}$",
        description="Continue this session; a new one is created and returned when absent.",
    )
    tools: list[str] | None = Field(
        default=None,
        max_length=64,
        description="Offer only these of the agent's tools; absent offers all, [] offers none.",
    )
    max_steps: int | None = Field(
        default=None, ge=1, le=25, description="Model calls this turn may make; default: the agent's (10)."
    )

    def turn(self) -> TurnRequest:
        return TurnRequest.of(
            self.message, session_id=self.session_id, tools=self.tools, max_steps=self.max_steps
        )


class ConfirmationRequest(BaseModel):
    """A person's decision on a write that waits for one."""

    model_config = ConfigDict(extra="forbid")

    approve: bool = Field(
        description="true runs the write as proposed; false tells the model it was declined."
    )


class ChatReply(BaseModel):
    """A whole turn, for callers that do not read streams."""

    run_id: str
    session_id: str
    status: Literal["completed", "failed", "awaiting_confirmation", "cancelled"]
    stop_reason: str
    reply: str
    tool_calls: list[ToolCallRecord] = Field(
        description="Each tool call, as the stream told it (what a tool returned stays on the server)."
    )
    usage: Usage
    error: RunError | None = None
    refusal: Refusal | None = Field(default=None, description="Why, when stop_reason is refusal.")
    confirmation: PendingCall | None = Field(
        default=None, description="The write waiting for a person, when status is awaiting_confirmation."
    )

    @field_serializer("tool_calls")
    def _calls(self, calls: list[ToolCallRecord]) -> list[dict[str, Any]]:
        return [call.model_dump(exclude={"output_summary"}) for call in calls]


class AgentTool(BaseModel):
    name: str
    description: str
    access: Literal["read", "write"]


class UnavailableTool(BaseModel):
    name: str
    reason: str = Field(description="Why it cannot work for this tenant: the Odoo app or right it needs.")


class AgentInfo(BaseModel):
    """An agent as ``GET /agents`` lists it."""

    id: str
    title: str
    description: str
    default_max_steps: int
    tools: list[AgentTool]
    unavailable_tools: list[UnavailableTool] = Field(
        default_factory=list,
        description="Tools of the agent that cannot work for the caller's tenant (not offered to the model).",
    )
    tools_note: str | None = Field(
        default=None, description="Why the tools could not be checked (the tenant's Odoo did not answer)."
    )

    @classmethod
    def of(
        cls, agent: Agent, unavailable: dict[str, str] | None = None, note: str | None = None
    ) -> AgentInfo:
        return cls(
            id=agent.id,
            title=agent.title,
            description=agent.description,
            default_max_steps=agent.default_max_steps,
            tools=[
                AgentTool(name=t.name, description=t.description, access="read" if t.read_only else "write")
                for t in agent.tools
            ],
            unavailable_tools=[
                UnavailableTool(name=t.name, reason=unavailable[t.name])
                for t in agent.tools
                if unavailable and t.name in unavailable
            ],
            tools_note=note,
        )


class AgentList(BaseModel):
    agents: list[AgentInfo]


class CancelReply(BaseModel):
    """A cancel the run will act on: it stops before its next model or tool call and ends ``cancelled``."""

    run_id: str
    status: Literal["cancelling"] = "cancelling"
