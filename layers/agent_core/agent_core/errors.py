"""One root error. Errors the model can correct stand apart from errors for the operator."""

from __future__ import annotations


class AgentRuntimeError(Exception):
    """Root of every error this package raises on purpose."""

    code = "internal_error"
    status = 500

    def __init__(self, message: str, *, code: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        if code is not None:
            self.code = code


class ToolError(AgentRuntimeError):
    """A tool failed in a way the model can read and correct; it becomes a tool result."""

    code = "tool_error"


class InvalidId(AgentRuntimeError, ValueError):
    """An id that would enter a storage key does not match the allowed shape."""

    code = "invalid_id"
    status = 422


class InvalidRequest(AgentRuntimeError):
    """The caller sent something the API cannot accept."""

    code = "invalid_request"
    status = 422


class Unauthorized(AgentRuntimeError):
    """No API key, or one that is unknown or revoked."""

    code = "unauthorized"
    status = 401


class Forbidden(AgentRuntimeError):
    """The caller's key lacks a scope this needs. Only for the caller's own tenant, where a 403
    reveals nothing: another tenant's things stay a 404."""

    code = "forbidden"
    status = 403


class ToolTimedOut(ToolError):
    """A tool call overran its timeout and was cancelled; the model reads that it timed out."""

    code = "tool_timeout"


class NotFound(AgentRuntimeError):
    """The thing asked for does not exist for this tenant (never a 403: it may belong to another)."""

    code = "not_found"
    status = 404


class SessionBusy(AgentRuntimeError):
    """Another turn of the same session is still running."""

    code = "session_busy"
    status = 409


class IdempotencyKeyInUse(AgentRuntimeError):
    """The turn an ``Idempotency-Key`` started is still running: its result is not known yet."""

    code = "idempotency_key_in_use"
    status = 409


class ConfirmationClosed(AgentRuntimeError):
    """A confirmation that can no longer be given: used, expired, or overtaken by a newer turn."""

    code = "confirmation_closed"
    status = 409


class ClientGone(AgentRuntimeError):
    """The client went away and the run was set to stop at its next step."""

    code = "client_disconnected"
    status = 499


class RunCancelled(AgentRuntimeError):
    """Someone asked the run to stop (``POST /executions/{run_id}/cancel``): it stopped at its next step."""

    code = "run_cancelled"
    status = 409


class RunEnded(AgentRuntimeError):
    """The run has ended already: there is nothing to cancel."""

    code = "run_ended"
    status = 409


class StorageUnavailable(AgentRuntimeError):
    """The table could not be read or written."""

    code = "storage_unavailable"
    status = 503


class ModelError(AgentRuntimeError):
    """The model provider failed; translated once, at the adapter."""

    code = "model_error"
    status = 502


class DeadlineExceeded(AgentRuntimeError):
    """The turn ran past its deadline."""

    code = "deadline_exceeded"
    status = 504


class Stopped(AgentRuntimeError):
    """A guardrail stopped the turn before the model was asked (again): a switch turned off."""

    code = "agents_disabled"
    status = 503


class RateLimited(AgentRuntimeError):
    """The tenant is over one of its limits: retry after ``retry_after`` seconds (HTTP 429)."""

    code = "rate_limited"
    status = 429

    def __init__(self, message: str, *, retry_after: int, code: str | None = None) -> None:
        super().__init__(message, code=code)
        self.retry_after = retry_after


class BudgetExhausted(RateLimited):
    """The tenant has spent its daily or monthly budget: no new turn until the period ends."""

    code = "budget_exhausted"
