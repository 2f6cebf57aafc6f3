"""A loopback fake of Anthropic's Messages API that speaks its real SSE wire format and refuses what the
real API refuses.

Every request is checked by :func:`tests.fakes.messages_rules.review_request` before a scripted reply is
used: a refused request gets the API's error JSON (with a ``request-id`` header) and is listed in
``refusals``, so a test can assert its runtime sent nothing the API would turn down. The SDK under test
parses these bytes itself, so its streaming, tool-use accumulation, usage and errors run for real.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from tests.fakes.loopback import FakeHandler, RecordedRequest, ServedFake
from tests.fakes.messages_rules import ApiRefusal, RequestReview, review_request
from tests.fakes.messages_stream import Reply
from tests.fakes.scripted_replies import ScriptedReplies
from tests.fakes.thinking_config import BINDING_BETA
from tests.fakes.thinking_signer import Signer

__all__ = ["FakeMessagesAPI", "RecordedRequest", "Refusal", "running_messages_api"]

# API versions the fake accepts in `anthropic-version` (the SDK 2.11 sends 2026-10-21).
API_VERSIONS = frozenset({"2023-06-01", "2026-10-21"})


@dataclass(frozen=True)
class Refusal:
    """A request the fake refused, and what it answered."""

    request: RecordedRequest
    status: int
    error_type: str
    message: str


class FakeMessagesAPI(ScriptedReplies, ServedFake):
    """``POST /v1/messages`` on 127.0.0.1: checks the request, then answers with the next scripted reply."""

    def __init__(self, *, api_key: str = "sk-ant-test-key", signer: Signer | None = None) -> None:
        ScriptedReplies.__init__(self)
        ServedFake.__init__(self)
        self.api_key = api_key
        self.signer = signer or Signer()
        self.requests: list[RecordedRequest] = []
        self.refusals: list[Refusal] = []

    def _answer(self, handler: FakeHandler) -> None:
        request_id = f"req_fake{uuid.uuid4().hex[:20]}"
        ids = {"request-id": request_id}
        raw = handler.read_body()
        try:
            body = json.loads(raw or b"{}")
        except ValueError:
            body = {}
        recorded = RecordedRequest(
            handler.path, handler.lower_headers(), body if isinstance(body, dict) else {}
        )
        self.requests.append(recorded)

        def refuse(refusal: ApiRefusal) -> None:
            self.refusals.append(Refusal(recorded, refusal.status, refusal.error_type, refusal.message))
            handler.send_json(refusal.status, refusal.body(request_id), ids)

        if handler.path.split("?")[0] != "/v1/messages":
            refuse(ApiRefusal("Not found", status=404, error_type="not_found_error"))
            return
        if recorded.api_key != self.api_key:
            refuse(ApiRefusal("invalid x-api-key", status=401, error_type="authentication_error"))
            return
        if recorded.headers.get("anthropic-version") not in API_VERSIONS:
            refuse(ApiRefusal("anthropic-version: header is required and must be a supported version"))
            return
        if not isinstance(body, dict) or not raw:
            refuse(ApiRefusal("There was an issue with the request body: it is not valid JSON."))
            return
        try:
            review = review_request(body, self.signer, betas=recorded.betas)
        except ApiRefusal as refusal:
            refuse(refusal)
            return
        reply = self.next_reply()
        if reply is None:
            refuse(ApiRefusal("the fake has no scripted reply left", status=500, error_type="api_error"))
            return
        self._send(handler, reply, body, review, recorded, request_id)

    def _send(
        self,
        handler: FakeHandler,
        reply: Reply,
        body: dict[str, Any],
        review: RequestReview,
        recorded: RecordedRequest,
        request_id: str,
    ) -> None:
        ids = {"request-id": request_id}
        if reply.http_error is not None:
            error = reply.http_error
            headers = {**ids, **({"retry-after": error.retry_after} if error.retry_after else {})}
            handler.send_json(
                error.status,
                ApiRefusal(error.message, status=error.status, error_type=error.error_type).body(request_id),
                headers,
            )
            return
        rendered = reply.render(body, review, self.signer, report=BINDING_BETA in recorded.betas)
        if not body.get("stream"):
            handler.send_json(200, rendered.message(), ids)
            return
        chunks = (f"event: {event}\ndata: {json.dumps(data)}\n\n".encode() for event, data in rendered.frames)
        handler.stream_chunks(
            chunks,
            content_type="text/event-stream; charset=utf-8",
            headers={**ids, "cache-control": "no-cache"},
            gates=rendered.gates,
            waiting=self.waiting,
            cut_after=rendered.cut_after,
        )


@contextmanager
def running_messages_api(**kwargs: Any) -> Iterator[FakeMessagesAPI]:
    fake = FakeMessagesAPI(**kwargs).start()
    try:
        yield fake
    finally:
        fake.stop()
