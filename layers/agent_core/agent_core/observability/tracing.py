"""X-Ray traces (Powertools' Tracer): a subsegment for each model call and each tool call, and
botocore patched so that every AWS call has its own.

Tracing follows Powertools' own rule: on in Lambda (the template sets ``Tracing: Active``), off
elsewhere (tests, ``make dev``, ``sam local``) and wherever ``POWERTOOLS_TRACE_DISABLED`` is true.
When it is off nothing here imports the X-Ray SDK, and every helper hands back what it was given.

Under the Lambda Web Adapter the app is a process of its own, so Lambda cannot set the invocation's
trace header in its environment as it does for a handler; the adapter sends it as the
``x-amzn-trace-id`` request header instead, and :func:`follow_invocation` puts it where the X-Ray
SDK reads it (https://github.com/aws/aws-lambda-web-adapter/issues/312). A Lambda environment serves
one invocation at a time, so the process-wide variable belongs to the request being served.
"""

from __future__ import annotations

import os
from collections.abc import AsyncIterator, Iterator
from contextlib import contextmanager
from functools import cache
from typing import TYPE_CHECKING, Any

from aws_lambda_powertools.shared.functions import strtobool

from agent_core.llm.model import Model
from agent_core.llm.types import ModelEvent, ModelRequest
from agent_core.observability.logs import SERVICE

if TYPE_CHECKING:
    from aws_lambda_powertools import Tracer

TRACE_HEADER_VARIABLE = "_X_AMZN_TRACE_ID"  # where the X-Ray SDK reads a Lambda invocation's trace


def tracing_on() -> bool:
    """In Lambda (not ``sam local``), and not turned off by ``POWERTOOLS_TRACE_DISABLED``."""
    in_lambda = bool(os.environ.get("LAMBDA_TASK_ROOT")) and not os.environ.get("AWS_SAM_LOCAL")
    return in_lambda and not strtobool(os.environ.get("POWERTOOLS_TRACE_DISABLED", "false"))


@cache
def tracer() -> Tracer | None:
    """The process's tracer (botocore patched), or None when tracing is off."""
    if not tracing_on():
        return None
    from aws_lambda_powertools import Tracer

    return Tracer(service=SERVICE, patch_modules=("botocore",))


def follow_invocation(trace_header: str | None) -> None:
    """Trace what follows under the invocation whose X-Ray header the Web Adapter passed on."""
    if trace_header and tracer() is not None:
        os.environ[TRACE_HEADER_VARIABLE] = trace_header


@contextmanager
def subsegment(name: str, **annotations: str | bool) -> Iterator[Any]:
    """A subsegment around the block (None inside when tracing is off), annotated for search."""
    active = tracer()
    if active is None:
        yield None
        return
    with active.provider.in_subsegment(name) as segment:
        if segment is not None:
            for key, value in annotations.items():
                segment.put_annotation(key, value)
        yield segment


def traced_model(model: Model) -> Model:
    """``model``, with each of its calls in a subsegment when tracing is on."""
    return model if tracer() is None else _TracedModel(model)


class _TracedModel:
    def __init__(self, model: Model) -> None:
        self._model = model

    @property
    def name(self) -> str:
        return self._model.name

    async def stream(self, request: ModelRequest) -> AsyncIterator[ModelEvent]:
        events = self._model.stream(request)
        try:
            with subsegment("## model", model=self._model.name):
                async for event in events:
                    yield event
        finally:
            # Closed now, not when collected: a model's stream may hold a request to cancel.
            aclose = getattr(events, "aclose", None)
            if aclose is not None:
                await aclose()
