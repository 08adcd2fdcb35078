"""``fortnox-bridge hr …``: actions of the ``hr`` flow family.

The work is in :mod:`.work.hr`, imported when a command runs.
"""

from __future__ import annotations

from typing import Annotated

import typer

from fortnox_bridge.cli.options import DataDir, SandboxUrl, Tenant, new_app

hr_app = new_app("The hr flow family: employees and absences.")


@hr_app.command("rewrite-absences")
def rewrite_absences(
    tenant: Tenant,
    type_code: Annotated[
        str | None,
        typer.Option(
            "--type", help="Only absences of the absence type with this code.", show_default=False
        ),
    ] = None,
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="Show what would be re-written; write nothing.")
    ] = False,
    data_dir: DataDir = None,
    sandbox_url: SandboxUrl = None,
) -> None:
    """Re-write absences under the current absence_cause mapping (delete old, create new)."""
    from fortnox_bridge.cli.work import hr as hr_work

    hr_work.rewrite_absences(tenant, type_code, dry_run, data_dir, sandbox_url)
