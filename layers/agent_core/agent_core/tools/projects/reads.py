"""The project tools that only read: ``list_projects`` and ``list_tasks``."""

from __future__ import annotations

from agent_core.tools.base import tool
from agent_core.tools.context import RunContext
from agent_core.tools.projects.arguments import ProjectId, ProjectStatus
from agent_core.tools.projects.client import projects_api, segment
from agent_core.tools.projects.results import ProjectInfo, TaskInfo, projects_from, tasks_from


@tool(read_only=True)
async def list_projects(ctx: RunContext, status: ProjectStatus | None = None) -> list[ProjectInfo]:
    """The workspace's projects: id, name, status, owner and members (as "Name <email>").

    Pass `status` (active, on_hold or completed) only when the user asks for projects in that
    state. Use it to find a project's id before listing or creating tasks, and a person's email
    before assigning them; only a project's members can be assigned its tasks.
    """
    api = await projects_api(ctx)
    payload = await api.get("projects", params={"status": status} if status else None)
    return projects_from(payload)


@tool(read_only=True)
async def list_tasks(ctx: RunContext, project_id: ProjectId) -> list[TaskInfo]:
    """The tasks of one project: id, title, status (todo, in_progress, done), assignee and due date.

    Use it to find a task's id before assigning it, or to answer what is open or late.
    """
    api = await projects_api(ctx)
    payload = await api.get(
        f"projects/{segment(project_id)}/tasks", missing=f"no project {project_id}; use list_projects"
    )
    return tasks_from(payload)
