"""The demo project API's data, in memory, with the rules a real project API would enforce.

Every method takes the tenant that the bearer token identified; nothing crosses tenants. Tests
read the same object to prove what a turn did (or, in shadow mode, did not do).
"""

from __future__ import annotations

import hmac
import itertools
import threading
from collections.abc import Mapping
from datetime import UTC, date, datetime

from local.projects.records import Assignment, NewTask, Project, ProjectStatus, Task, User
from local.projects.seed import Workspace, demo_workspaces

# Demo credentials for loopback only; a tenant's real token lives in its Secrets Manager secret.
DEMO_TOKENS: Mapping[str, str] = {
    "acme": "pat_acme_demo_5b0c7e19a4d24f6e",
    "globex": "pat_globex_demo_91d3a8f06c2e4b7a",
}


class ApiError(Exception):
    """An answer other than success: an HTTP status, a code and a message for the client."""

    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message


class ProjectsState:
    def __init__(
        self,
        workspaces: Mapping[str, Workspace] | None = None,
        tokens: Mapping[str, str] | None = None,
        today: date | None = None,
    ) -> None:
        self.workspaces = dict(workspaces or demo_workspaces())
        self.tokens = dict(tokens or DEMO_TOKENS)
        self._today = today
        self._lock = threading.RLock()  # uvicorn's thread writes while tests read
        start = 1 + max(
            (int(t.removeprefix("t-")) for w in self.workspaces.values() for t in w.tasks), default=0
        )
        self._task_numbers = itertools.count(start)

    def tenant_for(self, token: str) -> str | None:
        """The tenant a bearer token belongs to (compared in constant time), or ``None``."""
        found = None
        for tenant, known in self.tokens.items():
            if hmac.compare_digest(known.encode(), token.encode()):
                found = tenant
        return found

    def users(self, tenant: str) -> list[User]:
        return list(self._space(tenant).users.values())

    def projects(self, tenant: str, status: ProjectStatus | None = None) -> list[Project]:
        with self._lock:
            return [p for p in self._space(tenant).projects.values() if status in (None, p.status)]

    def project(self, tenant: str, project_id: str) -> Project:
        project = self._space(tenant).projects.get(project_id)
        if project is None:
            raise ApiError(404, "not_found", f"project {project_id} not found")
        return project

    def tasks(self, tenant: str, project_id: str | None = None) -> list[Task]:
        """A project's tasks (it must exist), or every task of the tenant."""
        if project_id is not None:
            self.project(tenant, project_id)
        with self._lock:
            return [t for t in self._space(tenant).tasks.values() if project_id in (None, t.project_id)]

    def create_task(self, tenant: str, project_id: str, new: NewTask) -> Task:
        project = self.project(tenant, project_id)
        if new.due_date is not None and new.due_date < self.today():
            raise ApiError(422, "invalid_request", f"due_date {new.due_date} is in the past")
        assignee = None
        if new.assignee_id is not None:
            user = self._user(self._space(tenant), Assignment(user_id=new.assignee_id))
            assignee = self._member(project, user)
        with self._lock:
            task = Task(
                id=f"t-{next(self._task_numbers)}",
                project_id=project.id,
                title=new.title.strip(),
                description=new.description,
                assignee=assignee,
                due_date=new.due_date,
                created_at=datetime.now(UTC).isoformat(timespec="seconds").replace("+00:00", "Z"),
            )
            self._space(tenant).tasks[task.id] = task
        return task

    def task(self, tenant: str, task_id: str) -> Task:
        task = self._space(tenant).tasks.get(task_id)
        if task is None:
            raise ApiError(404, "not_found", f"task {task_id} not found")
        return task

    def assign(self, tenant: str, task_id: str, assignment: Assignment) -> Task:
        space = self._space(tenant)
        task = self.task(tenant, task_id)
        if (assignment.user_id is None) == (assignment.email is None):
            raise ApiError(422, "invalid_request", "give exactly one of user_id or email")
        member = self._member(space.projects[task.project_id], self._user(space, assignment))
        with self._lock:
            updated = space.tasks[task_id] = task.model_copy(update={"assignee": member})
        return updated

    def today(self) -> date:
        return self._today or datetime.now(UTC).date()

    def _space(self, tenant: str) -> Workspace:
        return self.workspaces[tenant]

    @staticmethod
    def _user(space: Workspace, assignment: Assignment) -> User:
        if assignment.user_id is not None:
            user = space.users.get(assignment.user_id)
            wanted = assignment.user_id
        else:
            email = (assignment.email or "").casefold()
            user = next((u for u in space.users.values() if u.email.casefold() == email), None)
            wanted = assignment.email or ""
        if user is None:
            raise ApiError(422, "invalid_request", f"no user {wanted} in this workspace")
        return user

    @staticmethod
    def _member(project: Project, user: User) -> User:
        if user not in project.members:
            raise ApiError(
                422, "invalid_request", f"{user.name} ({user.email}) is not a member of project {project.id}"
            )
        return user
