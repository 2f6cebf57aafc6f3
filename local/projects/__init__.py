"""The demo project API: the SaaS's own REST API, with different data for each demo tenant.

:mod:`local.projects_api` serves it; :mod:`local.projects.state` holds its data in memory.
"""

from local.projects.app import create_app
from local.projects.state import ApiError, ProjectsState

__all__ = ["ApiError", "ProjectsState", "create_app"]
