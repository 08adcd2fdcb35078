"""``/3/projects``: projects (number ≤ 20 characters, description ≤ 50)."""

from __future__ import annotations

from fortnox_bridge.fortnox.models.project import Project, ProjectListItem
from fortnox_bridge.fortnox.resources.base import Resource, describe


class ProjectResource(Resource[Project, ProjectListItem]):
    """Project operations."""

    description = describe("project")
    model = Project
    list_model = ProjectListItem
