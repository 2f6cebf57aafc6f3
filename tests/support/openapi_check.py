"""Every response an HTTP test receives from one of the API's routes, checked against the OpenAPI
document the API serves (``functions/health/openapi.json``): its status, its documented headers and
its JSON body by openapi-core, and each Server-Sent Event of a stream (its ``event``, its ``id``,
its ``data`` against the event's schema) by the same JSON Schema validator openapi-core uses.

The check sits in httpx's transports, under every client a test makes (``httpx.get``,
``httpx.Client``, ``httpx.AsyncClient``...): a response is checked when it has been read and closed,
so a stream is checked as far as the test read it. Requests to anything that is not a documented
route (the fake ERP, moto, a 405 for a method no route has) are left alone. What does not match is
gathered, and the test fails at its end with each mismatch named (``OpenApiCheck.failures``).
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass, field
from functools import cache
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
from openapi_core import OpenAPI
from openapi_core.datatypes import RequestParameters
from openapi_core.templating.paths.exceptions import PathError
from openapi_core.validation.response.exceptions import ResponseValidationError
from openapi_schema_validator import OAS31Validator
from playwright.sync_api import Error as PlaywrightError
from werkzeug.datastructures import Headers, ImmutableMultiDict

from local.openapi import DOCUMENT
from tests.support.sse import frames

EVENT_STREAM = "text/event-stream"


@cache
def document() -> dict[str, Any]:
    loaded: dict[str, Any] = json.loads(DOCUMENT.read_text())
    return loaded


@cache
def openapi() -> OpenAPI:
    return OpenAPI.from_dict(document())


def schema_validator(ref: str) -> OAS31Validator:
    """A validator of the document's schema at ``ref`` (its references resolved in the document)."""
    return OAS31Validator({"$ref": ref, "components": document()["components"]})


@dataclass
class CheckedRequest:
    """An httpx request as openapi-core reads one (``openapi_core.protocols.Request``)."""

    request: httpx.Request
    parameters: RequestParameters = field(init=False)

    def __post_init__(self) -> None:
        url = urlsplit(str(self.request.url))
        self.parameters = RequestParameters(
            query=ImmutableMultiDict(parse_qs(url.query)),
            header=Headers(list(self.request.headers.multi_items())),
            cookie=ImmutableMultiDict(),
        )

    @property
    def host_url(self) -> str:
        return f"{self.request.url.scheme}://{self.request.url.netloc.decode()}"

    @property
    def path(self) -> str:
        return self.request.url.path

    @property
    def method(self) -> str:
        return self.request.method.lower()

    @property
    def body(self) -> bytes | None:
        return None  # the request is not what is checked

    @property
    def content_type(self) -> str:
        return str(self.request.headers.get("content-type", "")).lower()


@dataclass(frozen=True)
class CheckedResponse:
    """A response as openapi-core reads one (``openapi_core.protocols.Response``)."""

    status_code: int
    headers: Headers
    data: bytes | str | None

    @property
    def content_type(self) -> str:
        return str(self.headers.get("content-type", "")).lower()


class OpenApiCheck:
    """The mismatches found so far (a test's fixture empties it and reads it at the end)."""

    failures: list[str] = []  # noqa: RUF012 (one list for every client of the process)

    @classmethod
    def check(cls, request: httpx.Request, response: httpx.Response, body: bytes) -> None:
        for problem in problems(CheckedRequest(request), response, body):
            cls.failures.append(f"{request.method} {request.url.path} → {response.status_code}: {problem}")


def check_proxy_response(event: dict[str, Any], response: dict[str, Any]) -> None:
    """A Lambda handler's answer to an API Gateway proxy event, checked as the HTTP response API
    Gateway makes of it (Mangum's functions are invoked so in tests, without HTTP)."""
    query = event.get("multiValueQueryStringParameters") or {}
    request = httpx.Request(
        event["httpMethod"],
        httpx.URL("https://api.example", path=event["path"], params=query),
        headers=event.get("headers") or {},
    )
    headers = [(k, v) for k, values in (response.get("multiValueHeaders") or {}).items() for v in values]
    headers += list((response.get("headers") or {}).items())
    body = (response.get("body") or "").encode()
    answer = httpx.Response(response["statusCode"], headers=headers, content=body, request=request)
    OpenApiCheck.check(request, answer, body)


def check_browser_response(request: Any) -> None:
    """What a browser page received for a Playwright ``Request`` that finished, checked as any
    other response (a body the browser no longer holds is left alone)."""
    response = request.response()
    if response is None:
        return
    try:
        body = response.body()
    except PlaywrightError:
        return
    sent = httpx.Request(request.method, request.url, headers=request.headers)
    headers = [(header["name"], header["value"]) for header in response.headers_array()]
    answer = httpx.Response(response.status, headers=headers, content=body, request=sent)
    OpenApiCheck.check(sent, answer, body)


def problems(request: CheckedRequest, response: httpx.Response, body: bytes) -> Iterator[str]:
    """What in ``response`` the document does not describe (nothing for an undocumented route)."""
    headers = Headers(list(response.headers.multi_items()))
    stream = headers.get("content-type", "").startswith(EVENT_STREAM)
    # A stream's body is text (openapi-core hands a media type it does not parse on as it is).
    checked = CheckedResponse(response.status_code, headers, body.decode() if stream else body)
    try:
        openapi().validate_response(request, checked)  # type: ignore[arg-type]  # a stream's data: str
    except PathError:
        return
    except ResponseValidationError as error:
        yield describe(error)
    if stream:
        yield from event_problems(body)


def describe(error: BaseException) -> str:
    """The error and its causes, each cut short (a body may be long)."""
    causes = []
    seen: BaseException | None = error
    while seen is not None:
        details = getattr(seen, "schema_errors", None)
        text = f"{type(seen).__name__}: {seen}"
        if details:
            text += " (" + "; ".join(f"{_path(e)}{e.message}"[:200] for e in details) + ")"
        causes.append(text[:400])
        seen = seen.__cause__
    return " ← ".join(causes)


def event_problems(body: bytes) -> Iterator[str]:
    """Each complete event of the stream against the document's ``ServerSentEvent`` and its data
    against the event's own schema (JSON Schema's ``contentSchema`` is only an annotation)."""
    text = body.decode("utf-8", errors="replace").replace("\r\n", "\n")
    complete = text[: text.rfind("\n\n") + 2] if "\n\n" in text else ""
    envelope = schema_validator("#/components/schemas/ServerSentEvent")
    branches = {
        branch["properties"]["event"]["const"]: branch["properties"]["data"]["contentSchema"]["$ref"]
        for branch in document()["components"]["schemas"]["ServerSentEvent"]["oneOf"]
    }
    try:
        received = list(frames(complete.split("\n")))
    except ValueError as bad:
        yield f"an event's data is not JSON: {bad}"
        return
    for frame in received:
        item = {"event": frame.event, "id": frame.id, "data": json.dumps(frame.data)}
        item = {key: value for key, value in item.items() if value is not None}
        for mismatch in envelope.iter_errors(item):
            yield f"event {frame.event!r} ({frame.id}): {mismatch.message}"
        if frame.event in branches:
            for mismatch in schema_validator(branches[frame.event]).iter_errors(frame.data):
                yield f"event {frame.event!r} ({frame.id}) data: {_path(mismatch)}{mismatch.message}"


def _path(error: Any) -> str:
    """Where in the document a jsonschema ``ValidationError`` is, as ``a.b: ``."""
    return "".join(f"{part}: " for part in [".".join(map(str, error.absolute_path))] if part)


class _CheckedStream(httpx.SyncByteStream):
    def __init__(self, inner: httpx.SyncByteStream, request: httpx.Request, response: httpx.Response) -> None:
        self.inner, self.request, self.response, self.read = inner, request, response, bytearray()
        self.checked = False

    def __iter__(self) -> Iterator[bytes]:
        for chunk in self.inner:
            self.read += chunk
            yield chunk

    def close(self) -> None:
        try:
            self.inner.close()
        finally:
            if not self.checked:
                self.checked = True
                OpenApiCheck.check(self.request, self.response, bytes(self.read))


class _CheckedAsyncStream(httpx.AsyncByteStream):
    def __init__(
        self, inner: httpx.AsyncByteStream, request: httpx.Request, response: httpx.Response
    ) -> None:
        self.inner, self.request, self.response, self.read = inner, request, response, bytearray()
        self.checked = False

    async def __aiter__(self) -> AsyncIterator[bytes]:
        async for chunk in self.inner:
            self.read += chunk
            yield chunk

    async def aclose(self) -> None:
        try:
            await self.inner.aclose()
        finally:
            if not self.checked:
                self.checked = True
                OpenApiCheck.check(self.request, self.response, bytes(self.read))


_sync_transport = httpx.HTTPTransport.handle_request
_async_transport = httpx.AsyncHTTPTransport.handle_async_request


def checked_handle_request(self: httpx.HTTPTransport, request: httpx.Request) -> httpx.Response:
    """``HTTPTransport.handle_request``, its response's body checked once read and closed."""
    response = _sync_transport(self, request)
    assert isinstance(response.stream, httpx.SyncByteStream)
    response.stream = _CheckedStream(response.stream, request, response)
    return response


async def checked_handle_async_request(
    self: httpx.AsyncHTTPTransport, request: httpx.Request
) -> httpx.Response:
    """``AsyncHTTPTransport.handle_async_request``, checked the same way."""
    response = await _async_transport(self, request)
    assert isinstance(response.stream, httpx.AsyncByteStream)
    response.stream = _CheckedAsyncStream(response.stream, request, response)
    return response
