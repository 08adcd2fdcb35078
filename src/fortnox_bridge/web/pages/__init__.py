"""The UI's pages, one module per area; each exposes ``router`` (an ``APIRouter``)."""

from __future__ import annotations

from fastapi import APIRouter


def page_routers() -> list[APIRouter]:
    """Every page router, in menu order."""
    from fortnox_bridge.web.pages import (
        conflicts,
        connection,
        connection_account,
        flows,
        maintenance,
        mappings,
        problems,
        runs,
        settings,
        tenants,
    )

    return [
        tenants.router,
        connection.router,
        connection_account.router,
        flows.router,
        mappings.router,
        runs.router,
        problems.router,
        conflicts.router,
        maintenance.router,
        settings.router,
    ]
