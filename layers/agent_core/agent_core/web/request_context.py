"""Every request's id: in its log lines, in its ``X-Request-Id`` response header, in its error body.

The id is API Gateway's own ``requestId`` (the one in its access log and its ``x-amzn-RequestId``
header) wherever the request came through it: the Lambda Web Adapter passes API Gateway's request
context as JSON in the ``x-amzn-request-context`` header, Mangum hands the app the event itself.
Anywhere else (``make dev``, tests) the id is made here. Lambda's own request id, when there is
one, is logged beside it as ``function_request_id`` (the adapter passes Lambda's context in
``x-amzn-lambda-context``).
"""

from __future__ import annotations

import json
import re
import uuid
from contextvars import ContextVar
from typing import Any

from starlette.datastructures import Headers, MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from agent_core.observability.logs import start_request_keys
from agent_core.observability.tracing import follow_invocation

REQUEST_ID_HEADER = "X-Request-Id"
REQUEST_CONTEXT_HEADER = "x-amzn-request-context"  # API Gateway's requestContext, from the Web Adapter
LAMBDA_CONTEXT_HEADER = "x-amzn-lambda-context"  # Lambda's invocation context, from the Web Adapter
TRACE_HEADER = "x-amzn-trace-id"
# What an id taken from a header may look like (API Gateway's and Lambda's are UUIDs): anything else
# is not echoed into a header or a log line.
_ID = re.compile(r"[A-Za-z0-9-]{1,64}")

_request_id: ContextVar[str | None] = ContextVar("request_id", default=None)


def current_request_id() -> str | None:
    """The id of the request being served, if any."""
    return _request_id.get()


class RequestContext:
    """ASGI middleware, outermost: the request's id and log keys before anything else runs, and the
    id in the response's headers, whichever part of the app answers."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = Headers(scope=scope)
        event = scope.get("aws.event")
        if event is None:  # under the Web Adapter (or uvicorn alone)
            request_id = _id_in(headers.get(REQUEST_CONTEXT_HEADER), "requestId")
            function_request_id = _id_in(headers.get(LAMBDA_CONTEXT_HEADER), "request_id")
            follow_invocation(headers.get(TRACE_HEADER))
        else:  # under Mangum, where Lambda itself gives the X-Ray SDK the invocation's trace
            request_id = _valid((event.get("requestContext") or {}).get("requestId"))
            function_request_id = _valid(getattr(scope.get("aws.context"), "aws_request_id", None))
        request_id = request_id or str(uuid.uuid4())
        # Left set when this returns: the handler of unexpected errors answers after the app has
        # raised (from inside this middleware, outside the others), and its body names the request too.
        _request_id.set(request_id)
        start_request_keys(request_id=request_id, function_request_id=function_request_id)

        async def send_with_id(message: Message) -> None:
            if message["type"] == "http.response.start":
                response_headers = MutableHeaders(scope=message)
                if REQUEST_ID_HEADER not in response_headers:
                    response_headers.append(REQUEST_ID_HEADER, request_id)
            await send(message)

        await self.app(scope, receive, send_with_id)


def _id_in(header: str | None, field: str) -> str | None:
    """``field`` of a JSON header, if it is a well-formed id."""
    if not header:
        return None
    try:
        document = json.loads(header)
    except ValueError:
        return None
    return _valid(document.get(field)) if isinstance(document, dict) else None


def _valid(value: Any) -> str | None:
    return value if isinstance(value, str) and _ID.fullmatch(value) else None
