"""The project tools: the SaaS's own project API, bound per tenant (``projects_url``) with the
tenant's token (``projects_token`` in its secret)."""

from agent_core.tools.projects.reads import list_projects, list_tasks
from agent_core.tools.projects.writes import assign_user, create_task

PROJECT_TOOLS = (list_projects, list_tasks, create_task, assign_user)

__all__ = ["PROJECT_TOOLS", "assign_user", "create_task", "list_projects", "list_tasks"]
