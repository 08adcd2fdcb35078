"""``fortnox-bridge status``: connections, problems, conflicts, proposed re-syncs, last runs. The
work is in :mod:`.work.status`, imported when the command runs.
"""

from __future__ import annotations

from typing import Annotated

import typer

from fortnox_bridge.cli.options import DataDir, SandboxUrl, TenantOpt


def status(
    tenant: TenantOpt = None,
    check: Annotated[
        bool, typer.Option("--check", help="Also run the pre-flight check (reads Fortnox).")
    ] = False,
    data_dir: DataDir = None,
    sandbox_url: SandboxUrl = None,
) -> None:
    """Connections, open problems and conflicts, proposed re-syncs, last runs."""
    from fortnox_bridge.cli.work import status as status_work

    status_work.status(tenant, check, data_dir, sandbox_url)
