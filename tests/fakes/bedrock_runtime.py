"""A loopback fake of Bedrock Runtime's ``InvokeModelWithResponseStream`` (and ``InvokeModel``) for Claude,
as the SDK's ``AsyncAnthropicBedrock`` calls it (``anthropic/lib/bedrock/_client.py``).

What the SDK sends and Bedrock checks: ``POST /model/{modelId}/invoke-with-response-stream`` with the
model id URL-encoded in the path (not in the body), a SigV4 ``Authorization`` for service ``bedrock``, and
the Messages API body without ``model`` and ``stream``, plus ``anthropic_version`` and betas as
``anthropic_beta``. The body then meets the same rules as the Claude API (``review_request``). The answer
is the AWS event stream: each Messages API event in a ``chunk`` whose ``bytes`` is its base64 JSON;
a mid-stream failure is an ``exception`` message (``ResponseStream`` in botocore's bedrock-runtime model).
A refused request is an HTTP error with ``x-amzn-ErrorType`` and ``{"message": ...}``.
"""

from __future__ import annotations

import json
import re
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any
from urllib.parse import unquote

from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials

from tests.fakes.aws_eventstream import chunk_event, exception_event
from tests.fakes.loopback import FakeHandler, RecordedRequest, ServedFake
from tests.fakes.messages_rules import ApiRefusal, review_request
from tests.fakes.model_profiles import profile_for
from tests.fakes.scripted_replies import ScriptedReplies
from tests.fakes.thinking_config import BINDING_BETA
from tests.fakes.thinking_signer import Signer

_PATH = re.compile(r"^/model/(?P<model>[^/?]+)/(?P<op>invoke|invoke-with-response-stream)$")
_AUTH = re.compile(
    r"^AWS4-HMAC-SHA256 Credential=(?P<key>[^/]+)/(?P<date>\d{8})/(?P<region>[a-z0-9-]+)/(?P<service>[a-z-]+)"
    r"/aws4_request, SignedHeaders=(?P<signed>[a-z0-9;-]+), Signature=(?P<signature>[0-9a-f]{64})$"
)
# Legacy value every Claude model on Bedrock takes; the SDK 2.11 sends its own API version instead, which
# the ARN-versioned models refuse (https://platform.claude.com/docs/en/build-with-claude/claude-on-amazon-bedrock-legacy).
BEDROCK_VERSION = "bedrock-2023-05-31"
DATED_VERSIONS = frozenset({"2026-10-21"})
# HTTP errors of InvokeModelWithResponseStream (botocore's bedrock-runtime service model).
_HTTP_EXCEPTIONS = {
    400: "ValidationException",
    401: "AccessDeniedException",
    403: "AccessDeniedException",
    404: "ResourceNotFoundException",
    408: "ModelTimeoutException",
    429: "ThrottlingException",
    500: "InternalServerException",
    503: "ServiceUnavailableException",
    529: "ServiceUnavailableException",
}
_REFORMAT = ", please reformat your input and try again."
_STREAM_EXCEPTIONS = {
    "overloaded_error": "serviceUnavailableException",
    "rate_limit_error": "throttlingException",
    "api_error": "internalServerException",
    "timeout_error": "modelTimeoutException",
}


@dataclass(frozen=True)
class BedrockRefusal:
    request: RecordedRequest
    status: int
    exception: str
    message: str


class FakeBedrockRuntime(ScriptedReplies, ServedFake):
    """Bedrock Runtime for Claude on 127.0.0.1, with the same scripting helpers as the Messages fake."""

    def __init__(
        self,
        *,
        access_key: str = "AKIAFAKEBEDROCK",
        secret_key: str = "fake-bedrock-secret",  # noqa: S107 - a loopback fake's own test credential
        region: str = "us-east-1",
        signer: Signer | None = None,
    ) -> None:
        ScriptedReplies.__init__(self)
        ServedFake.__init__(self)
        self.credentials = Credentials(access_key, secret_key)
        self.region = region
        self.signer = signer or Signer()
        self.requests: list[RecordedRequest] = []
        self.refusals: list[BedrockRefusal] = []

    def _answer(self, handler: FakeHandler) -> None:
        raw = handler.read_body()
        try:
            body = json.loads(raw or b"{}")
        except ValueError:
            body = None
        recorded = RecordedRequest(
            handler.path, handler.lower_headers(), body if isinstance(body, dict) else {}
        )
        self.requests.append(recorded)
        request_id = str(uuid.uuid4())

        def refuse(status: int, exception: str, message: str) -> None:
            self.refusals.append(BedrockRefusal(recorded, status, exception, message))
            handler.send_json(status, {"message": message}, _aws_headers(exception, request_id))

        route = _PATH.match(handler.path)
        if route is None:
            refuse(404, "UnknownOperationException", "Unknown operation")
            return
        problem = self._sigv4_problem(recorded, raw)
        if problem is not None:
            refuse(403, "InvalidSignatureException", problem)
            return
        if not isinstance(body, dict):
            refuse(
                400,
                "ValidationException",
                "Malformed input request, please reformat your input and try again.",
            )
            return
        model = unquote(route.group("model"))
        problem = _body_problem(body, model)
        if problem is not None:
            refuse(400, "ValidationException", problem)
            return
        betas = [str(b) for b in body.get("anthropic_beta") or []]
        request = {k: v for k, v in body.items() if k not in ("anthropic_version", "anthropic_beta")}
        request["model"] = model
        try:
            review = review_request(request, self.signer, betas=betas)
        except ApiRefusal as refusal:
            if refusal.status == 404:
                refuse(400, "ValidationException", "The provided model identifier is invalid.")
            else:
                refuse(
                    refusal.status,
                    _HTTP_EXCEPTIONS.get(refusal.status, "ValidationException"),
                    refusal.message,
                )
            return
        reply = self.next_reply()
        if reply is None:
            refuse(500, "InternalServerException", "the fake has no scripted reply left")
            return
        if reply.http_error is not None:
            error = reply.http_error
            exception = error.error_type if error.error_type.endswith("Exception") else None
            status = 503 if error.status == 529 else error.status
            name = exception or _HTTP_EXCEPTIONS.get(error.status, "InternalServerException")
            handler.send_json(status, {"message": error.message}, _aws_headers(name, request_id))
            return
        rendered = reply.render(request, review, self.signer, report=BINDING_BETA in betas)
        if route.group("op") == "invoke":
            handler.send_json(200, rendered.message(), {"x-amzn-requestid": request_id})
            return
        chunks = [
            chunk_event(data) if event != "error" else _stream_exception(data)
            for event, data in rendered.frames
        ]
        handler.stream_chunks(
            chunks,
            content_type="application/vnd.amazon.eventstream",
            headers={"x-amzn-requestid": request_id, "x-amzn-bedrock-content-type": "application/json"},
            gates=rendered.gates,
            waiting=self.waiting,
            cut_after=rendered.cut_after,
        )

    def _sigv4_problem(self, recorded: RecordedRequest, raw: bytes) -> str | None:
        """None when ``Authorization`` is a valid SigV4 signature of this request for service ``bedrock``."""
        headers = recorded.headers
        parts = _AUTH.match(headers.get("authorization", ""))
        if parts is None:
            return "Authorization header requires a well-formed AWS4-HMAC-SHA256 signature."
        signed = parts.group("signed").split(";")
        if parts.group("service") != "bedrock" or parts.group("region") != self.region:
            return f"Credential should be scoped to region '{self.region}' and service 'bedrock'."
        if parts.group("key") != self.credentials.access_key:
            return "The security token included in the request is invalid."
        if not {"host", "x-amz-date"} <= set(signed) or any(h not in headers for h in signed):
            return "The request signature must cover the host and x-amz-date headers."
        request = AWSRequest(
            method="POST",
            url=f"http://{headers['host']}{recorded.path}",
            data=raw,
            headers={name: headers[name] for name in signed},
        )
        request.context["timestamp"] = headers["x-amz-date"]
        auth = SigV4Auth(self.credentials, "bedrock", self.region)
        expected = auth.signature(auth.string_to_sign(request, auth.canonical_request(request)), request)
        if expected != parts.group("signature"):
            return "The request signature we calculated does not match the signature you provided."
        return None


def _body_problem(body: dict[str, Any], model: str) -> str | None:
    for key in ("model", "stream"):
        if key in body:  # The model travels in the path; Bedrock's JSON schema refuses unknown keys.
            return f"Malformed input request: #: extraneous key [{key}] is not permitted{_REFORMAT}"
    version = body.get("anthropic_version")
    if version is None:
        return f"Malformed input request: #: required key [anthropic_version] not found{_REFORMAT}"
    profile = profile_for(model)
    accepted = {BEDROCK_VERSION} | (
        set() if profile is not None and profile.bedrock_legacy else set(DATED_VERSIONS)
    )
    if version not in accepted:
        return f"Invalid anthropic_version: {version} is not supported for {model}."
    betas = body.get("anthropic_beta", [])
    if not isinstance(betas, list) or not all(isinstance(b, str) for b in betas):
        return "Malformed input request: #/anthropic_beta: expected type: JSONArray of strings."
    return None


def _stream_exception(data: dict[str, Any]) -> bytes:
    error_type, message = str(data["error"]["type"]), str(data["error"]["message"])
    if error_type.endswith("Exception"):
        name = error_type[0].lower() + error_type[1:]
    else:
        name = _STREAM_EXCEPTIONS.get(error_type, "modelStreamErrorException")
    return exception_event(name, message)


def _aws_headers(exception: str, request_id: str) -> dict[str, str]:
    return {
        "x-amzn-errortype": f"{exception}:http://internal.amazon.com/coral/com.amazon.bedrock/",
        "x-amzn-requestid": request_id,
    }


@contextmanager
def running_bedrock_runtime(**kwargs: Any) -> Iterator[FakeBedrockRuntime]:
    fake = FakeBedrockRuntime(**kwargs).start()
    try:
        yield fake
    finally:
        fake.stop()
