"""A model that rides out a provider's bad moment while nothing of the turn has reached the client."""

from __future__ import annotations

import pytest

from agent_core import ModelError, ModelRequest
from agent_core.llm.resilient import Resilient
from agent_core.llm.scripted import ScriptedModel, say
from agent_core.llm.types import Message, ModelEvent, ModelSwitched, TextChunk

pytestmark = pytest.mark.anyio
REQUEST = ModelRequest(system="s", messages=(Message.user_text("hi"),))


def overloaded() -> list[ModelEvent | BaseException]:
    return [ModelError("the model provider failed: Overloaded", code="model_overloaded")]


class Sleeps(list[float]):
    async def __call__(self, seconds: float) -> None:
        self.append(seconds)


async def collect(model: Resilient) -> list[ModelEvent]:
    return [event async for event in model.stream(REQUEST)]


async def test_a_provider_that_refuses_to_start_is_asked_again_with_backoff() -> None:
    sleeps = Sleeps()
    primary = ScriptedModel([overloaded(), overloaded(), say("Hello.")], name="primary")

    events = await collect(Resilient(primary, retries=2, sleep=sleeps))

    assert events[0] == TextChunk(text="Hello.") and sleeps == [0.5, 1.0]
    assert len(primary.requests) == 3


async def test_when_it_keeps_refusing_the_fallback_answers_and_the_turn_is_told() -> None:
    primary = ScriptedModel([overloaded()] * 3, name="primary")
    fallback = ScriptedModel([say("From the fallback.")], name="fallback")
    model = Resilient(primary, fallback, retries=2, sleep=Sleeps())

    events = await collect(model)

    assert events[0] == ModelSwitched(model="fallback", reason="model_overloaded")
    assert events[1] == TextChunk(text="From the fallback.") and model.name == "fallback"


async def test_after_the_first_event_a_failure_is_final() -> None:
    primary = ScriptedModel([[TextChunk(text="Half"), *overloaded()], say("never")], name="primary")
    fallback = ScriptedModel([say("never either")], name="fallback")
    seen: list[ModelEvent] = []

    with pytest.raises(ModelError):
        async for event in Resilient(primary, fallback, sleep=Sleeps()).stream(REQUEST):
            seen.append(event)

    assert seen == [TextChunk(text="Half")] and len(primary.requests) == 1 and fallback.requests == []


async def test_a_failure_that_asking_again_cannot_fix_is_not_retried() -> None:
    primary = ScriptedModel([[ModelError("invalid x-api-key", code="model_auth_failed")]], name="primary")
    fallback = ScriptedModel([say("never")], name="fallback")

    with pytest.raises(ModelError) as failure:
        await collect(Resilient(primary, fallback, sleep=Sleeps()))

    assert failure.value.code == "model_auth_failed" and fallback.requests == []


async def test_once_the_turn_has_passed_something_on_later_steps_never_switch() -> None:
    primary = ScriptedModel([say("Step one."), overloaded()], name="primary")
    fallback = ScriptedModel([say("never")], name="fallback")
    model = Resilient(primary, fallback, sleep=Sleeps())
    await collect(model)

    with pytest.raises(ModelError):
        await collect(model)
    assert fallback.requests == []
