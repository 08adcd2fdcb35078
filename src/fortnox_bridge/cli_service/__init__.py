"""The service commands of ``fortnox-bridge``: serve, sync, resync, tenants, connect, status."""

from __future__ import annotations

import typer


def register(app: typer.Typer) -> None:
    """Add the service commands to the ``fortnox-bridge`` command."""
