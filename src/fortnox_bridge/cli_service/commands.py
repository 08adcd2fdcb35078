"""``serve``, ``worker``, ``sync``, ``resync``, ``connect`` and ``status``: the commands as the
user types them. The work is in :mod:`.commands_work` (``serve``'s in :mod:`.serve`,
``worker``'s in :mod:`.worker`), imported when a command runs, so that listing the commands stays
fast.

Exit codes scripts can rely on: 0 ok; 1 the run finished but records failed (or, for ``status``,
something needs attention); 2 the command could not run (unknown tenant, not connected, bad
option, unreachable sandbox, ...).
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

import typer

from fortnox_bridge.cli_common.options import DataDir, LogFormat, SandboxUrl, Tenant, TenantOpt


def serve(
    host: Annotated[
        str | None, typer.Option(help="API address [127.0.0.1].", show_default=False)
    ] = None,
    port: Annotated[int | None, typer.Option(help="API port [8000].", show_default=False)] = None,
    data_dir: DataDir = None,
    sandbox_url: SandboxUrl = None,
    no_worker: Annotated[
        bool,
        typer.Option(
            "--no-worker",
            help="Distributed mode: serve only the API and the admin UI; `fortnox-bridge "
            "worker` processes run the jobs.",
        ),
    ] = False,
    sandbox_control: Annotated[
        bool,
        typer.Option(
            "--sandbox-control",
            help="Also open the in-process sandbox's control API at /sandbox/_sandbox, without "
            "authentication (anyone reaching the port can issue tokens and wipe the sandbox); "
            "only with --host on loopback, for local testing.",
        ),
    ] = False,
    log_format: LogFormat = None,
    log_level: Annotated[
        str | None,
        typer.Option(
            help="DEBUG, INFO, WARNING or ERROR. Default: $FORTNOX_BRIDGE_LOG_LEVEL, else INFO "
            "(a line per request and per run).",
            show_default=False,
        ),
    ] = None,
) -> None:
    """Serve the API with the scheduler and the sync workers until Ctrl-C."""
    from fortnox_bridge.cli_service.serve import serve_command

    serve_command(
        host,
        port,
        data_dir,
        sandbox_url,
        no_worker=no_worker,
        sandbox_control=sandbox_control,
        log_format=log_format,
        log_level=log_level,
    )


def worker(
    concurrency: Annotated[
        int | None,
        typer.Option(
            min=1,
            max=256,
            help="Jobs this worker runs at once (default: the workers setting, 4).",
            show_default=False,
        ),
    ] = None,
    data_dir: DataDir = None,
    sandbox_url: SandboxUrl = None,
) -> None:
    """Run sweeps and pushes from the distributed mode's job queue until Ctrl-C."""
    from fortnox_bridge.cli_service.worker import worker_command

    worker_command(concurrency, data_dir, sandbox_url)


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
    from fortnox_bridge.cli_service import commands_work

    commands_work.sync(tenant, flow, dry_run, data_dir, sandbox_url)


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
    from fortnox_bridge.cli_service import commands_work

    commands_work.resync(
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


def connect(
    tenant: Tenant,
    code: Annotated[
        str | None,
        typer.Option(help="The authorization code from Fortnox's redirect.", show_default=False),
    ] = None,
    pause: Annotated[bool, typer.Option("--pause", help="Stop syncing for now.")] = False,
    resume: Annotated[bool, typer.Option("--resume", help="Sync again after --pause.")] = False,
    disconnect: Annotated[
        bool,
        typer.Option(
            "--disconnect", help="Revoke the connection, and its refresh token at Fortnox."
        ),
    ] = False,
    confirm_shared_company: Annotated[
        bool,
        typer.Option(
            "--confirm-shared-company",
            help="With --code: connect even if another tenant is connected to that Fortnox "
            "company (both then write to it).",
        ),
    ] = False,
    client_credentials: Annotated[
        bool,
        typer.Option(
            "--client-credentials",
            help="Connect as a Fortnox service account (no browser): the bridge's app, approved "
            "by the company's administrator as a service account, and --fortnox-tenant-id.",
        ),
    ] = False,
    fortnox_tenant_id: Annotated[
        int | None,
        typer.Option(
            "--fortnox-tenant-id",
            min=1,
            help="The company's Fortnox TenantId (with --client-credentials; in sandbox mode "
            "the sandbox company, default the tenant's own).",
            show_default=False,
        ),
    ] = None,
    data_dir: DataDir = None,
    sandbox_url: SandboxUrl = None,
) -> None:
    """Connect a tenant to Fortnox (or the sandbox), or pause, resume or revoke it."""
    from fortnox_bridge.cli_service import commands_work

    commands_work.connect(
        tenant,
        code,
        pause=pause,
        resume=resume,
        disconnect=disconnect,
        confirm_shared_company=confirm_shared_company,
        service_account=(client_credentials, fortnox_tenant_id),
        data_dir=data_dir,
        sandbox_url=sandbox_url,
    )


def status(
    tenant: TenantOpt = None,
    check: Annotated[
        bool, typer.Option("--check", help="Also run the pre-flight check (reads Fortnox).")
    ] = False,
    data_dir: DataDir = None,
    sandbox_url: SandboxUrl = None,
) -> None:
    """Connections, open problems and conflicts, proposed re-syncs, last runs."""
    from fortnox_bridge.cli_service import commands_work

    commands_work.status(tenant, check, data_dir, sandbox_url)
