"""``fortnox-bridge repair …``: clean up what went wrong in a tenant's Fortnox before.

The work is in :mod:`.work.repair`, imported when a command runs.
"""

from __future__ import annotations

from typing import Annotated

import typer

from fortnox_bridge.cli.options import DataDir, SandboxUrl, TenantOpt, new_app

repair_app = new_app("Repair what went wrong in a tenant's Fortnox before.")


@repair_app.command("duplicates")
def duplicates(
    tenant: TenantOpt = None,
    apply: Annotated[
        bool,
        typer.Option(
            "--apply",
            help="Delete the extra records where Fortnox allows it (without: only list them).",
        ),
    ] = False,
    as_json: Annotated[
        bool, typer.Option("--json", help="Print the findings as JSON instead of a table.")
    ] = False,
    data_dir: DataDir = None,
    sandbox_url: SandboxUrl = None,
) -> None:
    """List the records the bridge created more than once in Fortnox; --apply repairs them.

    The record the bridge links is kept. Extra attendance and absence transactions are deleted
    (not in a locked salary period: Fortnox refuses those, each is reported); extra employees
    cannot be deleted in Fortnox and are listed for you to make inactive or merge. Records made
    in Fortnox by someone else are listed and left alone. Exit code 0: nothing (left) to repair;
    1: duplicates are (still) in Fortnox; 2: the command could not run.
    """
    from fortnox_bridge.cli.work import repair as repair_work

    repair_work.duplicates(tenant, apply, as_json, data_dir, sandbox_url)
