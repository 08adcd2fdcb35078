"""The service commands of ``fortnox-bridge``: serve, worker, sync, resync, connect, status,
tenants, hr, repair, keys, admin-keys, users.

Every module imported here only declares commands (see ``cli_common/options.py``); a command
loads its work when it runs.
"""

from __future__ import annotations

import typer

from fortnox_bridge.cli_service import keys, users
from fortnox_bridge.cli_service.commands import connect, resync, serve, status, sync, worker
from fortnox_bridge.cli_service.first_sync import first_sync_app
from fortnox_bridge.cli_service.hr import hr_app
from fortnox_bridge.cli_service.repair import repair_app
from fortnox_bridge.cli_service.tenants import tenants_app


def register(app: typer.Typer) -> None:
    """Add the service commands to the ``fortnox-bridge`` command."""
    app.command()(serve)
    app.command()(worker)
    app.command()(sync)
    app.command()(resync)
    app.command()(connect)
    app.command()(status)
    app.add_typer(tenants_app, name="tenants")
    hr_app.add_typer(first_sync_app, name="first-sync")
    app.add_typer(hr_app, name="hr")
    app.add_typer(repair_app, name="repair")
    keys.register(app)
    users.register(app)
