"""Health function: liveness (no AWS call), readiness (table reachable, model configured), and the
API's OpenAPI document (``openapi.json`` beside this file, made by ``make openapi``)."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from functools import cache
from pathlib import Path
from typing import Literal

from fastapi import FastAPI
from fastapi.responses import JSONResponse, Response
from mangum import Mangum
from pydantic import BaseModel

from agent_core import AgentRuntimeError, Runtime
from agent_core.web import CurrentRuntime, create_api

CHECK_SECONDS = 4.0
OPENAPI_DOCUMENT = Path(__file__).resolve().parent / "openapi.json"


class Check(BaseModel):
    ok: bool
    detail: str


class Checks(BaseModel):
    table: Check
    model: Check


class Readiness(BaseModel):
    status: Literal["ready", "not_ready"]
    checks: Checks


class Liveness(BaseModel):
    status: Literal["ok"]


@cache
def openapi_document() -> bytes:
    return OPENAPI_DOCUMENT.read_bytes()


def create_app(runtime: Runtime) -> FastAPI:
    app = create_api(runtime, title="agent-runtime health")

    @app.get("/healthz", tags=["health"])
    @app.get("/health", tags=["health"])
    async def healthz() -> Liveness:
        """The process is up. Touches nothing else. (``/health`` is the task API's name for it.)"""
        return Liveness(status="ok")

    @app.get(
        "/readyz",
        tags=["health"],
        response_model=Readiness,
        responses={503: {"model": Readiness, "description": "Not ready: the failing checks say why."}},
    )
    async def readyz(runtime: CurrentRuntime) -> JSONResponse:
        """Ready when the table answers and a model is configured; 503 with the failing checks if not."""
        checks = {
            "table": await _within(CHECK_SECONDS, _table_check, runtime),
            "model": await _within(CHECK_SECONDS, _model_check, runtime),
        }
        ready = all(check["ok"] for check in checks.values())
        return JSONResponse(
            {"status": "ready" if ready else "not_ready", "checks": checks}, status_code=200 if ready else 503
        )

    @app.get(
        "/openapi.json",
        tags=["documentation"],
        responses={200: {"content": {"application/json": {"schema": {"type": "object"}}}}},
        response_class=Response,
    )
    async def openapi() -> Response:
        """This API's OpenAPI 3.1 document (the SSE routes' events under ``x-itemSchema``)."""
        return Response(openapi_document(), media_type="application/json")

    return app


async def _within(
    seconds: float, check: Callable[[Runtime], dict[str, object]], runtime: Runtime
) -> dict[str, object]:
    """A check that answers in time (the function itself has 10 s), or a failed one."""
    try:
        return await asyncio.wait_for(asyncio.to_thread(check, runtime), seconds)
    except TimeoutError:
        return {"ok": False, "detail": f"no answer within {seconds:g} s"}


def _table_check(runtime: Runtime) -> dict[str, object]:
    try:
        status = runtime.table.describe()
    except AgentRuntimeError as exc:
        return {"ok": False, "detail": exc.message}
    return {"ok": status == "ACTIVE", "detail": status}


def _model_check(runtime: Runtime) -> dict[str, object]:
    settings = runtime.settings
    if settings.provider == "bedrock":
        # The function's IAM role is the credential: nothing to look up.
        return {"ok": True, "detail": f"{settings.anthropic_model} on Amazon Bedrock ({settings.region})"}
    if not settings.wants_anthropic:
        return {"ok": True, "detail": "local model"}
    if settings.anthropic_api_key_in_env:
        return {"ok": True, "detail": f"{settings.anthropic_model} (key from the environment)"}
    name = settings.anthropic_api_key_secret
    try:
        found = name is not None and runtime.secrets.exists(name)
    except AgentRuntimeError as exc:
        return {"ok": False, "detail": exc.message}
    if found:
        return {"ok": True, "detail": f"{settings.anthropic_model} (key in {name})"}
    return {"ok": False, "detail": f"no Anthropic key: secret {name!r} is missing"}


app = create_app(Runtime())
handler = Mangum(app, lifespan="off")
