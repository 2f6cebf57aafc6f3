"""The project tools that change data: ``create_task`` and ``assign_user``.

Both are writes: in a workspace whose writes are in shadow mode the loop does not run them, and
the model reads what would have happened instead; their checks (``checks``) first make sure it
would have.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from agent_core.errors import ToolError
from agent_core.tools.base import tool
from agent_core.tools.context import RunContext
from agent_core.tools.projects.arguments import Description, Email, ProjectId, TaskId, Title
from agent_core.tools.projects.checks import assignment_fits, new_task_fits
from agent_core.tools.projects.client import ProjectsApi, projects_api, segment
from agent_core.tools.projects.results import TaskInfo, task_from, users_from


@tool(read_only=False, check=new_task_fits)
async def create_task(
    ctx: RunContext,
    project_id: ProjectId,
    title: Title,
    description: Description | None = None,
    due_date: date | None = None,
    assignee_email: Email | None = None,
) -> TaskInfo:
    """Create a task in one project, optionally with a due date (YYYY-MM-DD) and an assignee.

    Get the project's id from list_projects first; the assignee must be one of that project's
    members, given by email. Returns the new task with its id.
    """
    api = await projects_api(ctx)
    body: dict[str, Any] = {"title": title}
    if description:
        body["description"] = description
    if due_date is not None:
        body["due_date"] = due_date.isoformat()
    if assignee_email is not None:
        body["assignee_id"] = await _user_id(api, assignee_email)
    payload = await api.post(
        f"projects/{segment(project_id)}/tasks",
        body,
        idempotency_key=ctx.idempotency_key,
        missing=f"no project {project_id}; use list_projects",
    )
    return task_from(payload, written=True)


@tool(read_only=False, check=assignment_fits)
async def assign_user(ctx: RunContext, task_id: TaskId, user_email: Email) -> TaskInfo:
    """Assign an existing task to a person, by email; they must be a member of the task's project.

    Get the task's id from list_tasks (or create_task) and the email from list_projects.
    Returns the task with its new assignee.
    """
    api = await projects_api(ctx)
    payload = await api.post(
        f"tasks/{segment(task_id)}/assign",
        {"email": user_email},
        idempotency_key=ctx.idempotency_key,
        missing=f"no task {task_id}; use list_tasks",
    )
    return task_from(payload, written=True)


async def _user_id(api: ProjectsApi, email: str) -> str:
    users = users_from(await api.get("users"))
    found = next((user for user in users if user.email.casefold() == email.casefold()), None)
    if found is None:
        raise ToolError(
            f"no one with email {email} in this workspace; list_projects shows each project's members"
        )
    return found.id
