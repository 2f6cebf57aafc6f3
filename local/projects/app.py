"""The demo project API as a Starlette app: bearer-token auth, JSON in and out, JSON errors.

Routes (every one needs ``Authorization: Bearer <token>``; the token decides the tenant)::

    GET  /api/users
    GET  /api/projects?status=active|on_hold|completed
    GET  /api/projects/{project_id}
    GET  /api/projects/{project_id}/tasks
    POST /api/projects/{project_id}/tasks   {title, description?, due_date?, assignee_id?} -> 201
    GET  /api/tasks/{task_id}
    POST /api/tasks/{task_id}/assign        {user_id} or {email}

Errors are ``{"error": {"code", "message"}}`` with 401, 404 or 422 (another tenant's project is a
plain 404).

A POST with an ``Idempotency-Key`` header makes its change once: a repeat of the same request with
the same key gets the first answer again (marked ``Idempotent-Replayed: true``), and the key sent
with a different request is a 422, as the IETF draft on the header (draft-ietf-httpapi-
idempotency-key-header, "Error Scenarios") describes. Keys are remembered per tenant.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Awaitable, Callable
from typing import Any, get_args

from pydantic import BaseModel, TypeAdapter, ValidationError
from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from local.projects.records import Assignment, NewTask, ProjectStatus
from local.projects.state import ApiError, ProjectsState

_STATUS: TypeAdapter[ProjectStatus | None] = TypeAdapter(ProjectStatus | None)


def create_app(state: ProjectsState) -> Starlette:
    """The API over ``state``; ``app.state.projects`` is the same object."""

    async def users(request: Request) -> Response:
        return _json({"users": state.users(_tenant(request))})

    async def projects(request: Request) -> Response:
        tenant = _tenant(request)
        status = request.query_params.get("status") or None
        try:
            wanted = _STATUS.validate_python(status)
        except ValidationError as exc:
            allowed = ", ".join(get_args(ProjectStatus))
            raise ApiError(
                422, "invalid_request", f"status must be one of {allowed}, not {status!r}"
            ) from exc
        return _json({"projects": state.projects(tenant, wanted)})

    async def project(request: Request) -> Response:
        return _json(state.project(_tenant(request), request.path_params["project_id"]))

    async def tasks(request: Request) -> Response:
        return _json({"tasks": state.tasks(_tenant(request), request.path_params["project_id"])})

    async def create_task(request: Request) -> Response:
        tenant = _tenant(request)
        new = await _body(request, NewTask)
        return _json(state.create_task(tenant, request.path_params["project_id"], new), status=201)

    answered: dict[tuple[str, str], tuple[str, Response]] = {}  # (tenant, key) -> (request, answer)

    def once(handler: Callable[[Request], Awaitable[Response]]) -> Callable[[Request], Awaitable[Response]]:
        async def run(request: Request) -> Response:
            key = request.headers.get("idempotency-key")
            if not key:
                return await handler(request)
            tenant = _tenant(request)
            fingerprint = hashlib.sha256(request.url.path.encode() + b"\n" + await request.body()).hexdigest()
            if (tenant, key) in answered:
                first, response = answered[tenant, key]
                if first != fingerprint:
                    raise ApiError(
                        422, "idempotency_key_reused", "this Idempotency-Key was sent with another request"
                    )
                replay = Response(response.body, response.status_code, media_type=response.media_type)
                replay.headers["Idempotent-Replayed"] = "true"
                return replay
            response = await handler(request)
            answered[tenant, key] = (fingerprint, response)
            return response

        return run

    async def task(request: Request) -> Response:
        return _json(state.task(_tenant(request), request.path_params["task_id"]))

    async def assign(request: Request) -> Response:
        tenant = _tenant(request)
        assignment = await _body(request, Assignment)
        return _json(state.assign(tenant, request.path_params["task_id"], assignment))

    def _tenant(request: Request) -> str:
        scheme, _, token = request.headers.get("authorization", "").partition(" ")
        tenant = state.tenant_for(token.strip()) if scheme.lower() == "bearer" and token.strip() else None
        if tenant is None:
            raise ApiError(401, "unauthorized", "missing or invalid bearer token")
        return tenant

    app = Starlette(
        routes=[
            Route("/api/users", users),
            Route("/api/projects", projects),
            Route("/api/projects/{project_id}", project),
            Route("/api/projects/{project_id}/tasks", tasks, methods=["GET"]),
            Route("/api/projects/{project_id}/tasks", once(create_task), methods=["POST"]),
            Route("/api/tasks/{task_id}", task),
            Route("/api/tasks/{task_id}/assign", once(assign), methods=["POST"]),
        ],
        exception_handlers={ApiError: _api_error, HTTPException: _http_error},
    )
    app.state.projects = state
    return app


async def _body[M: BaseModel](request: Request, model: type[M]) -> M:
    try:
        return model.model_validate(json.loads(await request.body()))
    except ValueError as exc:  # invalid JSON, or a ValidationError
        raise ApiError(422, "invalid_request", _problems(exc)) from exc


def _problems(exc: ValueError) -> str:
    if not isinstance(exc, ValidationError):
        return "the body must be a JSON object"
    return "; ".join(
        f"{'.'.join(str(part) for part in error['loc']) or 'body'}: {error['msg']}" for error in exc.errors()
    )


def _json(content: Any, status: int = 200) -> JSONResponse:
    return JSONResponse(_plain(content), status_code=status)


def _plain(value: Any) -> Any:
    if isinstance(value, BaseModel):
        return value.model_dump(mode="json")
    if isinstance(value, dict):
        return {key: _plain(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(item) for item in value]
    return value


async def _api_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, ApiError)
    headers = {"WWW-Authenticate": "Bearer"} if exc.status == 401 else None
    return JSONResponse(
        {"error": {"code": exc.code, "message": exc.message}}, status_code=exc.status, headers=headers
    )


async def _http_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, HTTPException)
    code = {404: "not_found", 405: "method_not_allowed"}.get(exc.status_code, "error")
    return JSONResponse({"error": {"code": code, "message": exc.detail}}, status_code=exc.status_code)
