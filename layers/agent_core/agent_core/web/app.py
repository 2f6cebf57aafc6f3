"""The FastAPI application every function starts from."""

from __future__ import annotations

from fastapi import FastAPI

from agent_core.runtime import Runtime
from agent_core.web.errors import install_error_handlers, install_rate_limit_handler
from agent_core.web.limits import RequestBody


def create_api(runtime: Runtime, *, title: str) -> FastAPI:
    """An app with the runtime attached, JSON errors everywhere, and a body size limit."""
    app = FastAPI(title=title, version="1", docs_url=None, redoc_url=None)
    app.state.runtime = runtime
    install_error_handlers(app)
    install_rate_limit_handler(app)
    app.add_middleware(RequestBody, max_bytes=runtime.settings.max_body_bytes)
    return app
