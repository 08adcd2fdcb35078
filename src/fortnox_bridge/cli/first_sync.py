"""``fortnox-bridge hr first-sync``: the first synchronization of employees from the command line —
make a plan, show it, decide, apply (or discard).

The work is in :mod:`.work.first_sync`, imported when a command runs. Exit codes: 0 ok; 1 the
plan still needs decisions (``show``) or items failed (``apply``); 2 the command could not run
(unknown tenant, a plan already open, undecided items at apply, ...).
"""

from __future__ import annotations

from typing import Annotated

import typer

from fortnox_bridge.cli.options import DataDir, SandboxUrl, Tenant, new_app

first_sync_app = new_app("First synchronization of employees: plan, show, decide, apply.")


@first_sync_app.command("plan")
def plan(tenant: Tenant, data_dir: DataDir = None, sandbox_url: SandboxUrl = None) -> None:
    """Read the host's and Fortnox's employees and make a plan of how they meet."""
    from fortnox_bridge.cli.work import first_sync as first_sync_work

    first_sync_work.plan(tenant, data_dir, sandbox_url)


@first_sync_app.command("show")
def show(
    tenant: Tenant,
    everything: Annotated[
        bool, typer.Option("--all", help="Also list the pairs that agree on every field.")
    ] = False,
    data_dir: DataDir = None,
    sandbox_url: SandboxUrl = None,
) -> None:
    """Show the current plan: counts, differences, employees only one side has, duplicates."""
    from fortnox_bridge.cli.work import first_sync as first_sync_work

    first_sync_work.show(tenant, everything, data_dir, sandbox_url)


@first_sync_app.command("decide")
def decide(
    tenant: Tenant,
    item: Annotated[
        int | None, typer.Option(help="One item, by its id.", show_default=False)
    ] = None,
    winner: Annotated[
        str | None,
        typer.Option(help="The item's winning side: host or fortnox.", show_default=False),
    ] = None,
    field: Annotated[
        list[str] | None,
        typer.Option(
            "--field",
            help="FIELD=host|fortnox for one differing field (repeatable).",
            show_default=False,
        ),
    ] = None,
    create: Annotated[
        bool | None,
        typer.Option(
            "--create/--no-create", help="Create it on the other side.", show_default=False
        ),
    ] = None,
    skip: Annotated[bool, typer.Option("--skip", help="Leave the item out.")] = False,
    pairs: Annotated[
        str | None, typer.Option(help="Every undecided pair: host or fortnox.", show_default=False)
    ] = None,
    host_only: Annotated[
        str | None,
        typer.Option(
            help="Every undecided host-only employee: create or skip.", show_default=False
        ),
    ] = None,
    fortnox_only: Annotated[
        str | None,
        typer.Option(
            help="Every undecided Fortnox-only employee: create or skip.", show_default=False
        ),
    ] = None,
    data_dir: DataDir = None,
    sandbox_url: SandboxUrl = None,
) -> None:
    """Decide one item (--item with --winner, --field, --create/--no-create or --skip), or every
    undecided one (--pairs, --host-only, --fortnox-only)."""
    from fortnox_bridge.cli.work import first_sync as first_sync_work

    bulk = {"pairs": pairs, "host_only": host_only, "fortnox_only": fortnox_only}
    first_sync_work.decide(tenant, item, winner, field, create, skip, bulk, data_dir, sandbox_url)


@first_sync_app.command("apply")
def apply(tenant: Tenant, data_dir: DataDir = None, sandbox_url: SandboxUrl = None) -> None:
    """Apply the decided plan: link, write the winning values, create, e-mail the result."""
    from fortnox_bridge.cli.work import first_sync as first_sync_work

    first_sync_work.apply(tenant, data_dir, sandbox_url)


@first_sync_app.command("discard")
def discard(tenant: Tenant, data_dir: DataDir = None, sandbox_url: SandboxUrl = None) -> None:
    """Discard the open plan (what it applied already stays)."""
    from fortnox_bridge.cli.work import first_sync as first_sync_work

    first_sync_work.discard(tenant, data_dir, sandbox_url)
