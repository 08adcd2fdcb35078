"""``fortnox-bridge connect``: connect a tenant to Fortnox (or the sandbox); pause, resume, revoke.
The work is in :mod:`.work.connect`, imported when the command runs.
"""

from __future__ import annotations

from typing import Annotated

import typer

from fortnox_bridge.cli.options import DataDir, SandboxUrl, Tenant


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
    from fortnox_bridge.cli.work import connect as connect_work

    connect_work.connect(
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
