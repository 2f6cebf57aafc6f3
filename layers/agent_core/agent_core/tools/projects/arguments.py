"""The typed arguments of the project tools; their constraints reach the model as JSON schema."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field

# An id travels in a URL path: start with a letter or digit (no ``.``/``..``), never a ``/``.
_ID = r"^[A-Za-z0-9][A-Za-z0-9_.:-]{0,63}$"

ProjectStatus = Literal["active", "on_hold", "completed"]
ProjectId = Annotated[str, Field(pattern=_ID, description="A project id from list_projects, e.g. p-101.")]
TaskId = Annotated[
    str, Field(pattern=_ID, description="A task id from list_tasks or create_task, e.g. t-1003.")
]
Email = Annotated[
    str,
    Field(
        pattern=r"^[^@\s]+@[^@\s]+\.[^@\s]+$",
        max_length=254,
        description="A person's email, as list_projects shows it among a project's members.",
    ),
]
Title = Annotated[str, Field(min_length=1, max_length=200, description="A short, specific task title.")]
Description = Annotated[str, Field(max_length=4000, description="Details the assignee needs.")]
