"""The work of ``fortnox-bridge hr …`` (declared in :mod:`fortnox_bridge.cli.hr`).

``rewrite-absences`` re-writes the absences whose Fortnox transactions no longer follow the
tenant's ``absence_cause`` mapping (after the mapping changed): their old
transactions are deleted and new ones written under the current mapping.
"""

from __future__ import annotations

from pathlib import Path

from rich.console import Console

from fortnox_bridge.cli.errors import EXIT_OK
from fortnox_bridge.cli.work.output import exit_code, print_summary
from fortnox_bridge.cli.work.runtime import run, settings
from fortnox_bridge.config import Settings
from fortnox_bridge.engine.maintenance.rewriting import rewrite_records
from fortnox_bridge.flows.hr.absence_push import AbsencePush
from fortnox_bridge.runtime.stack import open_stack
from fortnox_bridge.services.absence_rewrites import absences_to_rewrite


def rewrite_absences(
    tenant: str,
    type_code: str | None,
    dry_run: bool,
    data_dir: Path | None,
    sandbox_url: str | None,
) -> None:
    """``hr rewrite-absences``."""
    config, console = settings(data_dir=data_dir, sandbox_url=sandbox_url), Console()
    run(console, lambda: _rewrite(config, console, tenant, type_code, dry_run))


async def _rewrite(
    config: Settings, console: Console, tenant: str, type_code: str | None, dry_run: bool
) -> int:
    async with open_stack(config) as stack:
        tenant_id = stack.tenant_id(tenant)
        await stack.ensure_connected(tenant_id)
        with stack.sessions.begin() as session:
            chosen = absences_to_rewrite(session, tenant_id, type_code)
        which = f" of type {type_code}" if type_code else ""
        if not chosen:
            console.print(f"No absences{which} to re-write: every one follows the mapping.")
            return EXIT_OK
        console.print(f"Re-writing {len(chosen)} absence(s){which}: {', '.join(chosen)}")
        source = stack.service.clients.source(tenant_id)
        try:
            async with stack.service.writers.hold(tenant_id, "re-write"):
                summary = await rewrite_records(
                    stack.sessions,
                    stack.clock,
                    stack.flows,
                    tenant_id=tenant_id,
                    flow_name=AbsencePush.name,
                    source=source,
                    external_ids=chosen,
                    dry_run=dry_run,
                )
        finally:
            await source.aclose()
        print_summary(console, tenant, summary)
        return exit_code(summary)
