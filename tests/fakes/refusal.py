"""The error a fake answers when it refuses a request, in the Messages API's error shape."""

from __future__ import annotations

from typing import Any


class ApiRefusal(Exception):
    """A request the real API would refuse: HTTP status, error type and a message close to the API's.

    The body shape is the one https://platform.claude.com/docs/en/api/errors#error-shapes shows.
    """

    def __init__(self, message: str, *, status: int = 400, error_type: str = "invalid_request_error") -> None:
        super().__init__(message)
        self.status = status
        self.error_type = error_type
        self.message = message

    def body(self, request_id: str | None = None) -> dict[str, Any]:
        payload: dict[str, Any] = {
            "type": "error",
            "error": {"type": self.error_type, "message": self.message},
        }
        if request_id is not None:
            payload["request_id"] = request_id
        return payload


def invalid(message: str) -> ApiRefusal:
    return ApiRefusal(message)
