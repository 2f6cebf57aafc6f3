"""Every error as JSON ``{"error": {"code", "message", "request_id"}}`` with the right status,
declared once."""

from __future__ import annotations

from http import HTTPStatus
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field
from starlette.exceptions import HTTPException

from agent_core.errors import AgentRuntimeError, RateLimited
from agent_core.observability import logger
from agent_core.web.request_context import REQUEST_ID_HEADER, current_request_id

_CODES = {
    400: "bad_request",
    401: "unauthorized",
    404: "not_found",
    405: "method_not_allowed",
    413: "payload_too_large",
    415: "unsupported_media_type",
}


class ErrorDetail(BaseModel):
    code: str = Field(
        description="What went wrong, for programs: invalid_request, run_not_found, THROTTLED..."
    )
    message: str = Field(description="What went wrong, for people.")
    request_id: str | None = Field(
        default=None, description="The request's id, as in its X-Request-Id header and its log lines."
    )


class ErrorBody(BaseModel):
    """Every error the API answers, whichever part of it answers (a function or API Gateway)."""

    error: ErrorDetail


def error_response(
    status: int, code: str, message: str, headers: dict[str, str] | None = None
) -> JSONResponse:
    """The error body, naming the request (the id its log lines carry) in the body and a header."""
    request_id = current_request_id()
    error = {"code": code, "message": message, "request_id": request_id}
    if request_id is not None:
        headers = {**(headers or {}), REQUEST_ID_HEADER: request_id}
    return JSONResponse({"error": error}, status_code=status, headers=headers)


def describe_validation_errors(errors: list[Any]) -> str:
    """``body.message: String should have at most 32000 characters; …``: the fields, named."""
    parts = []
    for error in errors[:5]:
        location = ".".join(str(part) for part in error.get("loc", ()))
        parts.append(f"{location}: {error.get('msg', 'invalid')}" if location else str(error.get("msg")))
    return "; ".join(parts)


def install_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(AgentRuntimeError)
    async def runtime_error(_: Request, exc: AgentRuntimeError) -> JSONResponse:
        if exc.status >= 500:
            logger.warning("request failed", extra={"code": exc.code, "error": exc.message})
        return error_response(exc.status, exc.code, exc.message)

    @app.exception_handler(RequestValidationError)
    async def validation_error(_: Request, exc: RequestValidationError) -> JSONResponse:
        errors = list(exc.errors())
        if any(error.get("type") == "json_invalid" for error in errors):
            return error_response(400, "invalid_json", "the request body is not valid JSON")
        return error_response(422, "invalid_request", describe_validation_errors(errors))

    @app.exception_handler(HTTPException)
    async def http_error(_: Request, exc: HTTPException) -> JSONResponse:
        code = _CODES.get(exc.status_code, "error")
        message = exc.detail if isinstance(exc.detail, str) else HTTPStatus(exc.status_code).phrase
        return error_response(exc.status_code, code, message, getattr(exc, "headers", None))

    @app.exception_handler(Exception)
    async def unexpected(_: Request, exc: Exception) -> JSONResponse:
        logger.exception("unhandled error")
        return error_response(500, "internal_error", "something went wrong on our side")


def install_rate_limit_handler(app: FastAPI) -> None:
    """429s carry ``Retry-After`` (whole seconds, RFC 9110 §10.2.3), as well as the JSON error."""

    @app.exception_handler(RateLimited)
    async def rate_limited(_: Request, exc: RateLimited) -> JSONResponse:
        return error_response(exc.status, exc.code, exc.message, {"Retry-After": str(exc.retry_after)})
