"""What a project write would meet, read without writing: the checks shadow mode runs instead.

Each reads through the tenant's own API with its own token, so a project or task of another
tenant is not there for it either, exactly as for the write itself.
"""

from __future__ import annotations

from agent_core.errors import ToolError
from agent_core.tools.context import RunContext
from agent_core.tools.projects.client import ProjectsApi, projects_api, segment
from agent_core.tools.projects.results import ApiProject, project_from, task_from


async def new_task_fits(ctx: RunContext, project_id: str, assignee_email: str | None) -> None:
    """``create_task``'s project is there, and its assignee (if any) is one of its members."""
    api = await projects_api(ctx)
    project = await _project(api, project_id)
    if assignee_email is not None:
        _member(project, assignee_email)


async def assignment_fits(ctx: RunContext, task_id: str, user_email: str) -> None:
    """``assign_user``'s task is there, and the person is a member of its project."""
    api = await projects_api(ctx)
    task = task_from(await api.get(f"tasks/{segment(task_id)}", missing=f"no task {task_id}; use list_tasks"))
    _member(await _project(api, task.project_id), user_email)


async def _project(api: ProjectsApi, project_id: str) -> ApiProject:
    missing = f"no project {project_id}; use list_projects"
    return project_from(await api.get(f"projects/{segment(project_id)}", missing=missing))


def _member(project: ApiProject, email: str) -> None:
    if not any(member.email.casefold() == email.casefold() for member in project.members):
        raise ToolError(
            f"{email} is not a member of project {project.id}, so cannot be given its tasks; "
            "list_projects shows its members"
        )
