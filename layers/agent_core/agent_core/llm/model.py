"""The one interface every model implements, and how a turn gets its model."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from typing import Any, Protocol

from agent_core.errors import ModelError
from agent_core.llm.types import ModelEvent, ModelRequest
from agent_core.tenancy import Tenant


class Model(Protocol):
    """Streams one model call as neutral events, ending with ``ModelFinished``.

    Failures of the provider surface as :class:`agent_core.errors.ModelError`.
    """

    @property
    def name(self) -> str: ...

    def stream(self, request: ModelRequest) -> AsyncIterator[ModelEvent]: ...


class ModelProvider(Protocol):
    """Chooses the model for a tenant's turn (a tenant may bring its own key)."""

    def model_for(self, tenant: Tenant, tenant_secret: Callable[[], dict[str, Any]]) -> Model: ...


class SingleModelProvider:
    """Every tenant gets the same model (the local model, or a scripted one in tests)."""

    def __init__(self, model: Model) -> None:
        self.model = model

    def model_for(self, tenant: Tenant, tenant_secret: Callable[[], dict[str, Any]]) -> Model:
        return self.model


class UnavailableModel:
    """A model that could not be built (no key, a wrong id): every call fails with the reason.

    The turn still starts, so the user's message is kept and the stream says why.
    """

    def __init__(self, name: str, error: ModelError) -> None:
        self._name = name
        self.error = error

    @property
    def name(self) -> str:
        return self._name

    async def stream(self, request: ModelRequest) -> AsyncIterator[ModelEvent]:
        raise self.error
        yield  # pragma: no cover - makes this an async generator
