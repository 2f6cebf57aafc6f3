"""A model provider with a bug (not an error the runtime knows): what makes the API answer 500."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from agent_core import Tenant
from agent_core.llm.model import Model


class BrokenModels:
    """A model provider with a bug: not an error the runtime knows."""

    def model_for(self, tenant: Tenant, tenant_secret: Callable[[], dict[str, Any]]) -> Model:
        raise RuntimeError("a bug")
