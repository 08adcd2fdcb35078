"""The root of the ``fortnox-bridge`` command: registers the command modules and runs them.

Exit codes (:mod:`.errors`): 0 success; 1 the run finished but some records failed; 2 the command
could not run (bad option, unreachable sandbox, port in use...).

Starting is cheap: this module and the command modules it registers import only the standard
library and typer; each command imports its work when it runs (see :mod:`.options`).
"""

from __future__ import annotations

import contextlib

import typer

from fortnox_bridge import __version__
from fortnox_bridge.cli import connect, keys, serve, status, sync, users, worker
from fortnox_bridge.cli.demo import demo
from fortnox_bridge.cli.first_sync import first_sync_app
from fortnox_bridge.cli.hr import hr_app
from fortnox_bridge.cli.options import new_app
from fortnox_bridge.cli.paxml import paxml_app
from fortnox_bridge.cli.repair import repair_app
from fortnox_bridge.cli.sandbox import sandbox
from fortnox_bridge.cli.sie import sie_app
from fortnox_bridge.cli.tenants import tenants_app

app = new_app("fortnox-bridge: keeps business applications in sync with Fortnox.")
app.add_typer(sie_app, name="sie")
app.add_typer(paxml_app, name="paxml")
app.command()(serve.serve)
app.command()(worker.worker)
app.command()(sync.sync)
app.command()(sync.resync)
app.command()(connect.connect)
app.command()(status.status)
app.add_typer(tenants_app, name="tenants")
hr_app.add_typer(first_sync_app, name="first-sync")
app.add_typer(hr_app, name="hr")
app.add_typer(repair_app, name="repair")
keys.register(app)
users.register(app)
app.command()(demo)
app.command()(sandbox)


@app.command()
def version() -> None:
    """Print the version."""
    typer.echo(__version__)


def main() -> None:
    """Entry point of the ``fortnox-bridge`` console script."""
    with contextlib.suppress(KeyboardInterrupt):
        app()
