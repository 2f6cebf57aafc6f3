"""Health function: liveness (no AWS call) and readiness (table reachable, model configured)."""

from __future__ import annotations

import asyncio
from collections.abc import Callable

from fastapi import FastAPI
from fastapi.responses import JSONResponse
from mangum import Mangum

from agent_core import AgentRuntimeError, Runtime
from agent_core.web import CurrentRuntime, create_api

CHECK_SECONDS = 4.0


def create_app(runtime: Runtime) -> FastAPI:
    app = create_api(runtime, title="agent-runtime health")

    @app.get("/healthz")
    @app.get("/health")
    async def healthz() -> dict[str, str]:
        """The process is up. Touches nothing else. (``/health`` is the task API's name for it.)"""
        return {"status": "ok"}

    @app.get("/readyz")
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
