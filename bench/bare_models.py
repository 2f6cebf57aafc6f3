"""The models of the bare turn, each the one the real stack uses in the bench, so both turns pay
the same model cost: agent_core's local model (no pauses), and Claude through the anthropic SDK
(in the bench, against the loopback fake of the Messages API). Messages are the Messages API's
own dicts; a step yields its text as it comes, then the whole assistant message.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any, Protocol

import anthropic

from agent_core.agents.agent import Agent
from agent_core.llm.local import LocalModel
from agent_core.llm.types import Message, ModelRequest, TextChunk, ToolSpec, ToolUseRequested

Messages = list[dict[str, Any]]


@dataclass(frozen=True)
class Answered:
    """The assistant's whole message of one step, shaped as the Messages API shapes it."""

    message: dict[str, Any]


class BareModel(Protocol):
    def step(self, messages: Messages) -> AsyncIterator[str | Answered]: ...


@dataclass(frozen=True)
class Prompt:
    """What every request of the bare turn says besides the messages: the real agent's prompt,
    tools, token limit and effort, so both turns send the model requests of the same size."""

    system: str
    tools: tuple[ToolSpec, ...]
    max_tokens: int
    effort: str | None

    @classmethod
    def of(cls, agent: Agent) -> Prompt:
        return cls(
            agent.prompt, tuple(tool.spec for tool in agent.tools), agent.max_tokens, agent.thinking.effort
        )


class LocalBare:
    def __init__(self, model: LocalModel, prompt: Prompt) -> None:
        self.model = model
        self.prompt = prompt

    async def step(self, messages: Messages) -> AsyncIterator[str | Answered]:
        request = ModelRequest(
            system=self.prompt.system,
            messages=tuple(Message.model_validate(message) for message in messages),
            tools=self.prompt.tools,
            max_tokens=self.prompt.max_tokens,
        )
        text: list[str] = []
        uses: Messages = []
        async for event in self.model.stream(request):
            if isinstance(event, TextChunk):
                text.append(event.text)
                yield event.text
            elif isinstance(event, ToolUseRequested):
                uses.append({"type": "tool_use", "id": event.id, "name": event.name, "input": event.input})
        said = [{"type": "text", "text": "".join(text)}] if text else []
        yield Answered({"role": "assistant", "content": [*said, *uses]})


class AnthropicBare:
    def __init__(self, client: anthropic.AsyncAnthropic, model: str, prompt: Prompt) -> None:
        self.client = client
        self.prompt = prompt
        self.params: dict[str, Any] = {
            "model": model,
            "max_tokens": prompt.max_tokens,
            "system": prompt.system,
            "tools": [
                {"name": spec.name, "description": spec.description, "input_schema": spec.input_schema}
                for spec in prompt.tools
            ],
            # As the real agent asks: adaptive thinking whose text is not sent (the answer streams sooner).
            "thinking": {"type": "adaptive", "display": "omitted"},
            **({"output_config": {"effort": prompt.effort}} if prompt.effort else {}),
        }

    async def step(self, messages: Messages) -> AsyncIterator[str | Answered]:
        async with self.client.messages.stream(**(self.params | {"messages": messages})) as stream:
            async for text in stream.text_stream:
                yield text
            final = await stream.get_final_message()
        # Thinking blocks go back verbatim within the turn, as the API requires for a tool cycle.
        content = [block.model_dump(mode="json", exclude_none=True) for block in final.content]
        yield Answered({"role": "assistant", "content": content})
