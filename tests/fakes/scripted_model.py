"""The scripted model held to the Messages API's rules, as every model test in this suite is.

Each request it gets is rendered exactly as the Anthropic adapter would send it
(:func:`agent_core.llm.anthropic_request.request_body`) and checked by the fake API's rules
(:mod:`tests.fakes.messages_rules`); a request the real API would refuse fails the step with the
``model_bad_request`` error the adapter raises for a 400. And its answers start with a signed
thinking block whenever the request's thinking is on, as the default model's do, so a loop that
drops, edits or misplaces one is refused on its next request.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterable

from agent_core.errors import ModelError
from agent_core.llm.anthropic_request import request_body
from agent_core.llm.scripted import ScriptedModel as PlainScriptedModel
from agent_core.llm.scripted import Step
from agent_core.llm.types import (
    ContentBlock,
    ModelEvent,
    ModelFinished,
    ModelRequest,
    RedactedThinkingBlock,
    TextBlock,
    TextChunk,
    ThinkingBlock,
    ToolUseBlock,
    ToolUseRequested,
)
from agent_core.settings import DEFAULT_ANTHROPIC_MODEL
from tests.fakes.messages_rules import ApiRefusal, review_request
from tests.fakes.thinking_signer import Signer


class ScriptedModel(PlainScriptedModel):
    """Plays back prepared steps as ``model`` would answer them; refuses what the API refuses."""

    def __init__(
        self,
        steps: Iterable[Step],
        *,
        model: str = DEFAULT_ANTHROPIC_MODEL,
        signer: Signer | None = None,
        pause_seconds: float = 0.0,
    ) -> None:
        super().__init__(steps, name=model, pause_seconds=pause_seconds)
        self.signer = signer or Signer()
        self.refusals: list[ApiRefusal] = []

    async def stream(self, request: ModelRequest) -> AsyncIterator[ModelEvent]:
        body = request_body(request, self.name)
        try:
            review = review_request(body, self.signer)
        except ApiRefusal as refusal:
            self.requests.append(request)
            self.refusals.append(refusal)
            raise ModelError(
                f"the model provider failed: {refusal.message}", code="model_bad_request"
            ) from None
        text: list[str] = []
        uses: list[ToolUseRequested] = []
        async for event in super().stream(request):
            if isinstance(event, TextChunk):
                text.append(event.text)
            elif isinstance(event, ToolUseRequested):
                uses.append(event)
            elif isinstance(event, ModelFinished) and review.thinking.on:
                event = event.model_copy(update={"content": self._thinking_first(body, event, text, uses)})
            yield event

    def _thinking_first(
        self, body: dict[str, object], finished: ModelFinished, text: list[str], uses: list[ToolUseRequested]
    ) -> tuple[ContentBlock, ...]:
        content: tuple[ContentBlock, ...] = finished.content or (
            *((TextBlock(text="".join(text)),) if "".join(text) else ()),
            *(ToolUseBlock(id=use.id, name=use.name, input=use.input) for use in uses),
        )
        if content and isinstance(content[0], ThinkingBlock | RedactedThinkingBlock):
            return content
        return (ThinkingBlock.model_validate(self.signer.thinking_block(body)), *content)
