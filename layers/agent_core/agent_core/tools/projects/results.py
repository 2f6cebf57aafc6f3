"""What the project tools return: compact shapes read from the project API's JSON.

People appear as ``"Name <email>"``: the model needs the email to assign someone, not the API's
internal user id.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from pydantic import BaseModel, ValidationError

from agent_core.errors import ToolError
from agent_core.tools.projects.client import MAYBE_WRITTEN


class ProjectInfo(BaseModel):
    id: str
    name: str
    status: str
    owner: str | None = None
    members: list[str]


class TaskInfo(BaseModel):
    id: str
    project_id: str
    title: str
    status: str
    assignee: str | None = None
    due_date: date | None = None
    created_at: str | None = None


class ApiUser(BaseModel):
    id: str
    name: str
    email: str

    @property
    def label(self) -> str:
        return f"{self.name} <{self.email}>"


class ApiProject(BaseModel):
    id: str
    name: str
    status: str
    owner: ApiUser | None = None
    members: list[ApiUser] = []

    def info(self) -> ProjectInfo:
        owner = self.owner.label if self.owner else None
        return ProjectInfo(
            id=self.id,
            name=self.name,
            status=self.status,
            owner=owner,
            members=[m.label for m in self.members],
        )


class _ApiTask(BaseModel):
    id: str
    project_id: str
    title: str
    status: str
    assignee: ApiUser | None = None
    due_date: date | None = None
    created_at: str | None = None

    def info(self) -> TaskInfo:
        return TaskInfo(
            **self.model_dump(exclude={"assignee"}), assignee=self.assignee.label if self.assignee else None
        )


class _Projects(BaseModel):
    projects: list[ApiProject]


class _Tasks(BaseModel):
    tasks: list[_ApiTask]


class _Users(BaseModel):
    users: list[ApiUser]


def projects_from(payload: Any) -> list[ProjectInfo]:
    return [project.info() for project in _read(_Projects, payload).projects]


def project_from(payload: Any) -> ApiProject:
    return _read(ApiProject, payload)


def tasks_from(payload: Any) -> list[TaskInfo]:
    return [task.info() for task in _read(_Tasks, payload).tasks]


def task_from(payload: Any, *, written: bool = False) -> TaskInfo:
    """The task in ``payload``; ``written``: the answer to a change the API has accepted."""
    return _read(_ApiTask, payload, written=written).info()


def users_from(payload: Any) -> list[ApiUser]:
    return _read(_Users, payload).users


def _read[M: BaseModel](model: type[M], payload: Any, *, written: bool = False) -> M:
    try:
        return model.model_validate(payload)
    except ValidationError as exc:
        message = "the project API sent a response in a shape this tool cannot read"
        raise ToolError(message + (MAYBE_WRITTEN if written else "")) from exc
