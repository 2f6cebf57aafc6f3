"""What the Lambda Web Adapter sends to the app for an API Gateway REST (v1) proxy event.

In ``response_stream`` mode the adapter turns the event into a plain HTTP request to the app on
``PORT``: the method, ``path`` (no stage), the query string rebuilt from the multi-value
parameters, the headers, the body (base64-decoded when ``isBase64Encoded``), and API Gateway's
``requestContext`` as JSON in the ``x-amzn-request-context`` header (and, when a test gives one, the
Lambda invocation's context as JSON in ``x-amzn-lambda-context``). The app's response goes back as
it is produced, so a test reads it as a stream.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

import httpx

REQUEST_CONTEXT_HEADER = "x-amzn-request-context"
LAMBDA_CONTEXT_HEADER = "x-amzn-lambda-context"
# Recomputed for the body actually sent, as any HTTP client does.
_DROPPED_HEADERS = frozenset({"content-length", "transfer-encoding", "connection"})


@dataclass(frozen=True)
class AdapterRequest:
    method: str
    path: str
    query: str
    headers: list[tuple[str, str]]
    body: bytes

    @property
    def target(self) -> str:
        return f"{self.path}?{self.query}" if self.query else self.path

    def header(self, name: str) -> str | None:
        return next((value for key, value in self.headers if key.lower() == name.lower()), None)


def to_request(event: Mapping[str, Any], lambda_context: Mapping[str, Any] | None = None) -> AdapterRequest:
    """The HTTP request the adapter makes of the app for ``event`` (invoked with ``lambda_context``)."""
    headers: list[tuple[str, str]] = []
    if event.get("multiValueHeaders"):
        for name, values in event["multiValueHeaders"].items():
            headers.extend((name, value) for value in values)
    else:
        headers.extend((event.get("headers") or {}).items())
    headers = [(name, value) for name, value in headers if name.lower() not in _DROPPED_HEADERS]
    headers.append((REQUEST_CONTEXT_HEADER, json.dumps(event["requestContext"], separators=(",", ":"))))
    if lambda_context is not None:
        headers.append((LAMBDA_CONTEXT_HEADER, json.dumps(lambda_context, separators=(",", ":"))))

    if event.get("multiValueQueryStringParameters"):
        query = urlencode(event["multiValueQueryStringParameters"], doseq=True)
    else:
        query = urlencode(event.get("queryStringParameters") or {})

    raw = event.get("body")
    if raw is None:
        body = b""
    elif event.get("isBase64Encoded"):
        body = base64.b64decode(raw)
    else:
        body = str(raw).encode()
    return AdapterRequest(
        method=event["httpMethod"], path=event["path"], query=query, headers=headers, body=body
    )


@contextmanager
def invoke(
    base_url: str,
    event: Mapping[str, Any],
    *,
    timeout: float = 30.0,
    lambda_context: Mapping[str, Any] | None = None,
) -> Iterator[httpx.Response]:
    """Send ``event`` to the app at ``base_url`` as the adapter would; yield the (streaming) response."""
    request = to_request(event, lambda_context)
    with (
        httpx.Client(base_url=base_url, timeout=timeout) as client,
        client.stream(
            request.method, request.target, headers=request.headers, content=request.body
        ) as response,
    ):
        yield response
