"""The FastAPI application every function starts from."""

from __future__ import annotations

from fastapi import FastAPI

from agent_core.observability.tracing import tracer
from agent_core.runtime import Runtime
from agent_core.web.cors import Cors
from agent_core.web.errors import install_error_handlers, install_rate_limit_handler
from agent_core.web.limits import RequestBody
from agent_core.web.request_context import RequestContext
from agent_core.web.sse import UnbufferedStreams


def create_api(runtime: Runtime, *, title: str) -> FastAPI:
    """An app with the runtime attached, JSON errors everywhere, a body size limit, every
    request's id in its logs, its response headers and its error body, CORS on its answers, and
    streams sent unbuffered."""
    # No function serves its own part of the API's document: the health function serves the whole one.
    app = FastAPI(title=title, version="1", docs_url=None, redoc_url=None, openapi_url=None)
    app.state.runtime = runtime
    install_error_handlers(app)
    install_rate_limit_handler(app)
    app.add_middleware(RequestBody, max_bytes=runtime.settings.max_body_bytes)
    app.add_middleware(UnbufferedStreams)
    app.add_middleware(Cors, runtime=runtime)
    app.add_middleware(RequestContext)  # added last: outermost
    tracer()  # when tracing is on: botocore patched before the first AWS call
    return app
