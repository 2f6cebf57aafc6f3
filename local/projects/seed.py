"""Demo data: acme runs manufacturing projects, globex runs distribution projects.

Ids are unique across tenants, as in a real multi-tenant SaaS, so a test can ask one tenant's
token for another tenant's project and see a plain 404.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from local.projects.records import Project, ProjectStatus, Task, TaskStatus, User


@dataclass
class Workspace:
    """One tenant's data in the project API."""

    users: dict[str, User]
    projects: dict[str, Project]
    tasks: dict[str, Task] = field(default_factory=dict)


def _users(domain: str, people: list[tuple[str, str]]) -> dict[str, User]:
    return {
        user_id: User(id=user_id, name=name, email=f"{name.lower().replace(' ', '.')}@{domain}")
        for user_id, name in people
    }


def _workspace(
    users: dict[str, User],
    projects: list[tuple[str, str, ProjectStatus, str, list[str]]],
    tasks: list[tuple[str, str, str, TaskStatus, str | None, str | None]],
) -> Workspace:
    space = Workspace(
        users=users,
        projects={
            pid: Project(
                id=pid,
                name=name,
                status=status,
                owner=users[owner],
                members=tuple(users[member] for member in members),
            )
            for pid, name, status, owner, members in projects
        },
    )
    for tid, pid, title, status, assignee, due in tasks:
        space.tasks[tid] = Task(
            id=tid,
            project_id=pid,
            title=title,
            status=status,
            assignee=users[assignee] if assignee else None,
            due_date=date.fromisoformat(due) if due else None,
            created_at="2026-10-05T09:00:00Z",
        )
    return space


def acme() -> Workspace:
    users = _users(
        "acme.example",
        [
            ("u-101", "Dana Whitfield"),
            ("u-102", "Marco Reyes"),
            ("u-103", "Priya Natarajan"),
            ("u-104", "Tom Becker"),
            ("u-105", "Lena Kowalski"),
        ],
    )
    return _workspace(
        users,
        [
            ("p-101", "Line 3 retrofit: servo presses", "active", "u-101", ["u-101", "u-102", "u-104"]),
            ("p-102", "ISO 9001 recertification", "active", "u-103", ["u-103", "u-105", "u-101"]),
            ("p-103", "Scrap reduction, CNC cell B", "on_hold", "u-102", ["u-102", "u-104"]),
            ("p-104", "PPAP for bracket 7741-B", "completed", "u-105", ["u-105", "u-103"]),
        ],
        [
            ("t-1001", "p-101", "Order servo press controllers", "done", "u-102", "2026-10-20"),
            ("t-1002", "p-101", "Plan line 3 shutdown window", "in_progress", "u-101", "2026-12-01"),
            ("t-1003", "p-101", "Update lockout/tagout procedures", "todo", "u-104", "2026-12-15"),
            ("t-1004", "p-102", "Internal audit of receiving inspection", "todo", "u-105", "2027-01-20"),
            ("t-1005", "p-102", "Refresh calibration records", "in_progress", None, None),
            ("t-1006", "p-103", "Collect tool-wear data for cell B", "todo", "u-104", None),
            ("t-1007", "p-104", "Submit PPAP package to customer", "done", "u-105", "2026-09-30"),
        ],
    )


def globex() -> Workspace:
    users = _users(
        "globex.example",
        [
            ("u-201", "Aisha Bello"),
            ("u-202", "Jonas Lindqvist"),
            ("u-203", "Mei Tanaka"),
            ("u-204", "Carlos Mendes"),
            ("u-205", "Ruth Okafor"),
        ],
    )
    return _workspace(
        users,
        [
            ("p-201", "Reno DC: wave picking rollout", "active", "u-201", ["u-201", "u-203", "u-204"]),
            ("p-202", "Carrier rate renegotiation", "active", "u-202", ["u-202", "u-205"]),
            ("p-203", "Cold-chain lane audit, Midwest", "on_hold", "u-205", ["u-205", "u-203"]),
            ("p-204", "WMS cutover: Dallas cross-dock", "completed", "u-204", ["u-204", "u-201"]),
        ],
        [
            ("t-2001", "p-201", "Slot fast movers near pack-out", "in_progress", "u-203", "2026-12-05"),
            ("t-2002", "p-201", "Train second shift on wave release", "todo", "u-204", "2026-12-12"),
            ("t-2003", "p-202", "Pull 12-month lane volumes", "done", "u-205", "2026-10-31"),
            ("t-2004", "p-202", "Shortlist regional LTL carriers", "todo", None, "2027-01-10"),
            ("t-2005", "p-203", "Log reefer temperatures on lane MW-4", "todo", "u-203", None),
            ("t-2006", "p-204", "Decommission legacy RF scanners", "done", "u-201", "2026-09-15"),
        ],
    )


def demo_workspaces() -> dict[str, Workspace]:
    """A fresh copy of every demo tenant's data, by tenant id."""
    return {"acme": acme(), "globex": globex()}
