"""The shapes the demo project API stores and returns."""

from __future__ import annotations

from datetime import date
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

ProjectStatus = Literal["active", "on_hold", "completed"]
TaskStatus = Literal["todo", "in_progress", "done"]


class User(BaseModel):
    model_config = ConfigDict(frozen=True)

    id: str
    name: str
    email: str


class Project(BaseModel):
    model_config = ConfigDict(frozen=True)

    id: str
    name: str
    status: ProjectStatus
    owner: User
    members: tuple[User, ...]


class Task(BaseModel):
    model_config = ConfigDict(frozen=True)

    id: str
    project_id: str
    title: str
    description: str | None = None
    status: TaskStatus = "todo"
    assignee: User | None = None
    due_date: date | None = None
    created_at: str


class NewTask(BaseModel):
    """The body of ``POST /api/projects/{id}/tasks``."""

    model_config = ConfigDict(extra="forbid")

    title: str = Field(min_length=1, max_length=200)
    description: str | None = Field(default=None, max_length=4000)
    due_date: date | None = None
    assignee_id: str | None = Field(default=None, max_length=64)


class Assignment(BaseModel):
    """The body of ``POST /api/tasks/{id}/assign``: a user by id or by email."""

    model_config = ConfigDict(extra="forbid")

    user_id: str | None = Field(default=None, max_length=64)
    email: str | None = Field(default=None, max_length=254)
