"""The FastAPI application every function starts from."""

from __future__ import annotations

from fastapi import FastAPI
from starlette.types import ASGIApp

from agent_core.observability.tracing import tracer
from agent_core.runtime import Runtime
from agent_core.web.cors import Cors
from agent_core.web.errors import install_error_handlers, install_rate_limit_handler
from agent_core.web.limits import RequestBody
from agent_core.web.request_context import RequestContext
from agent_core.web.sse import UnbufferedStreams


class Api(FastAPI):
    """A FastAPI app whose outermost layers are the request's context and CORS: outside Starlette's
    handler of unexpected errors (``ServerErrorMiddleware``, which ``add_middleware`` cannot get
    outside of), so that a 500 carries the request's id and is readable by an allowed origin too."""

    def __init__(self, runtime: Runtime, *, title: str) -> None:
        # No function serves its own part of the API's document: the health function serves the whole one.
        super().__init__(title=title, version="1", docs_url=None, redoc_url=None, openapi_url=None)
        self.state.runtime = runtime

    def build_middleware_stack(self) -> ASGIApp:
        return RequestContext(Cors(super().build_middleware_stack(), runtime=self.state.runtime))


def create_api(runtime: Runtime, *, title: str) -> FastAPI:
    """An app with the runtime attached, JSON errors everywhere, a body size limit, every
    request's id in its logs, its response headers and its error body, CORS on all its answers
    (500s included), and streams sent unbuffered."""
    app = Api(runtime, title=title)
    install_error_handlers(app)
    install_rate_limit_handler(app)
    app.add_middleware(RequestBody, max_bytes=runtime.settings.max_body_bytes)
    app.add_middleware(UnbufferedStreams)
    tracer()  # when tracing is on: botocore patched before the first AWS call
    return app
