"""What goes wrong on purpose in ``agentctl``, and its exit code."""

from __future__ import annotations

from botocore.exceptions import ClientError, EndpointConnectionError, NoCredentialsError

from agent_core.errors import AgentRuntimeError, StorageUnavailable


class CommandError(Exception):
    """The command could not be done; its message is the one line the operator reads (exit 1)."""

    exit_code = 1


class UsageError(CommandError):
    """The command line asks for something invalid (exit 2, as argparse's own usage errors)."""

    exit_code = 2


def aws_failure(exc: BaseException, *, where: str, local: bool, check: str) -> str:
    """One line for an AWS call that failed: what failed, on which target, and what to try.

    ``check`` is the command line that shows the target (``agentctl target`` and its options).
    """
    cause = exc.__cause__ if isinstance(exc, AgentRuntimeError) and exc.__cause__ else exc
    if isinstance(cause, NoCredentialsError):
        return f"no AWS credentials for {where}: set AWS_PROFILE (or pass --local for `make dev`)"
    if isinstance(cause, EndpointConnectionError):
        hint = ": is `make dev` running?" if local else ""
        return f"cannot reach {where}{hint}"
    if isinstance(cause, ClientError):
        error = cause.response.get("Error", {})
        detail = error.get("Message") or error.get("Code") or "error"
        if error.get("Code") == "ResourceNotFoundException" and isinstance(exc, StorageUnavailable):
            return f"{where} does not exist (check the target: `{check}`)"
        return f"{exc if isinstance(exc, AgentRuntimeError) else 'AWS refused'}: {detail} ({where})"
    return f"{exc} ({where})"
