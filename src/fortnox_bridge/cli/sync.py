"""``fortnox-bridge sync`` and ``resync``: run the flows now, or write an interval again. The work
is in :mod:`.work.sync`, imported when a command runs.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

import typer

from fortnox_bridge.cli.options import DataDir, SandboxUrl, Tenant, TenantOpt


def sync(
    tenant: TenantOpt = None,
    flow: Annotated[
        list[str] | None,
        typer.Option("--flow", help="Only this flow (repeatable).", show_default=False),
    ] = None,
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="Show the plan; write nothing to Fortnox.")
    ] = False,
    data_dir: DataDir = None,
    sandbox_url: SandboxUrl = None,
) -> None:
    """Sync now: run the enabled flows of one tenant (or all) once."""
    from fortnox_bridge.cli.work import sync as sync_work

    sync_work.sync(tenant, flow, dry_run, data_dir, sandbox_url)


def resync(
    tenant: Tenant,
    flow: Annotated[
        str | None,
        typer.Option(
            "--flow",
            help="What to re-sync: a family (payroll: attendance and absence together) or one "
            "dated flow.",
            show_default=False,
        ),
    ] = None,
    from_: Annotated[
        datetime | None,
        typer.Option("--from", formats=["%Y-%m-%d"], help="First day.", show_default=False),
    ] = None,
    to: Annotated[
        datetime | None,
        typer.Option("--to", formats=["%Y-%m-%d"], help="Last day.", show_default=False),
    ] = None,
    proposed: Annotated[
        bool,
        typer.Option(
            "--proposed",
            help="The re-sync proposed after a reconnect (from the disconnection date to "
            "today; --from/--to choose another interval).",
        ),
    ] = False,
    dismiss: Annotated[
        bool, typer.Option("--dismiss-proposal", help="Forget the proposed re-sync.")
    ] = False,
    yes: Annotated[bool, typer.Option("--yes", help="Do not ask before starting.")] = False,
    cancel: Annotated[
        bool, typer.Option("--cancel", help="Ask the unfinished re-sync to stop.")
    ] = False,
    data_dir: DataDir = None,
    sandbox_url: SandboxUrl = None,
) -> None:
    """Re-sync an interval: remove what the bridge wrote in it, write it again from current data.

    The interval is widened to whole periods of the flow. An interrupted or cancelled re-sync
    resumes when the same command runs again. After a reconnect, --proposed shows and runs the
    re-sync the bridge proposes; --dismiss-proposal forgets it.
    """
    from fortnox_bridge.cli.work import sync as sync_work

    sync_work.resync(
        tenant,
        flow,
        from_.date() if from_ else None,
        to.date() if to else None,
        proposed=proposed,
        dismiss=dismiss,
        yes=yes,
        cancel=cancel,
        data_dir=data_dir,
        sandbox_url=sandbox_url,
    )
