"""The UI's pages, one module per area; each exposes ``router`` (an ``APIRouter``)."""

from __future__ import annotations

from fastapi import APIRouter


def page_routers() -> list[APIRouter]:
    """Every page router, in menu order."""
    from fortnox_bridge.web.pages import (
        conflicts,
        connection,
        flows,
        maintenance,
        problems,
        runs,
        settings,
        tenants,
    )

    return [
        tenants.router,
        connection.router,
        flows.router,
        runs.router,
        problems.router,
        conflicts.router,
        maintenance.router,
        settings.router,
    ]
