"""The work of ``sync`` and ``resync`` (declared in :mod:`fortnox_bridge.cli.sync`, which imports
this module only when one of them runs). Exit codes: see :mod:`fortnox_bridge.cli.errors`.
"""

from __future__ import annotations

import asyncio
import sys
from collections.abc import Callable
from datetime import date
from pathlib import Path

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TaskID, TextColumn

from fortnox_bridge.cli.errors import EXIT_FATAL, EXIT_ITEMS_FAILED, EXIT_OK, CommandError
from fortnox_bridge.cli.work.output import counts_text, exit_code, print_summary
from fortnox_bridge.cli.work.runtime import refuse, run, settings
from fortnox_bridge.config import Settings
from fortnox_bridge.engine.maintenance.resync_targets import ResyncPlan
from fortnox_bridge.engine.tenancy import reconnect
from fortnox_bridge.runtime.stack import Stack, open_stack


def _progress(console: Console) -> tuple[Progress, Callable[[str, int, int], None]]:
    columns = (TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn())
    progress = Progress(*columns, console=console, transient=False)
    tasks: dict[str, TaskID] = {}

    def report(name: str, done: int, total: int) -> None:
        if name not in tasks:
            tasks[name] = progress.add_task(name, total=total)
        progress.update(tasks[name], completed=done, total=total)

    return progress, report


def sync(
    tenant: str | None,
    flows: list[str] | None,
    dry_run: bool,
    data_dir: Path | None,
    sandbox_url: str | None,
) -> None:
    """``fortnox-bridge sync``."""
    config, console = settings(data_dir=data_dir, sandbox_url=sandbox_url), Console()
    run(console, lambda: _sync(config, console, tenant, flows or None, dry_run))


async def _sync(
    config: Settings, console: Console, tenant: str | None, flows: list[str] | None, dry: bool
) -> int:
    async with open_stack(config) as stack:
        known = {f.name for f in stack.flows}
        unknown = sorted(set(flows or []) - known)
        if unknown:
            raise CommandError(f"unknown flow(s) {unknown}; known: {sorted(known)}")
        ids = [stack.tenant_id(tenant)] if tenant else stack.tenant_ids()
        if not ids:
            raise CommandError("no tenants yet; add one with 'fortnox-bridge tenants add'")
        codes = []
        for tenant_id in ids:
            await stack.ensure_connected(tenant_id)
            progress, report = _progress(console)
            with progress:
                summary = await stack.service.sweep(
                    tenant_id, dry_run=dry, only=flows, progress=report
                )
            print_summary(console, stack.tenant_name(tenant_id), summary)
            codes.append(exit_code(summary))
        return max(codes)


def resync(
    tenant: str,
    flow: str | None,
    first: date | None,
    last: date | None,
    *,
    proposed: bool,
    dismiss: bool,
    yes: bool,
    cancel: bool,
    data_dir: Path | None,
    sandbox_url: str | None,
) -> None:
    """``fortnox-bridge resync``."""
    config, console = settings(data_dir=data_dir, sandbox_url=sandbox_url), Console()
    if proposed or dismiss:
        run(console, lambda: _proposed(config, console, tenant, first, last, yes, dismiss))
        return
    if flow is None or first is None or last is None:
        raise refuse(
            console,
            "give --flow, --from and --to (or --proposed for the re-sync proposed after a "
            "reconnect)",
        )
    run(console, lambda: _resync(config, console, tenant, flow, first, last, yes, cancel))


async def _resync(
    config: Settings,
    console: Console,
    tenant: str,
    flow: str,
    first: date,
    last: date,
    yes: bool,
    cancel: bool,
) -> int:
    async with open_stack(config) as stack:
        tenant_id = stack.tenant_id(tenant)
        if cancel:
            run_id = stack.service.cancel_resync(tenant_id, flow)
            console.print(
                f"Asked re-sync run {run_id} to stop." if run_id else "No unfinished re-sync."
            )
            return EXIT_OK if run_id else EXIT_FATAL
        await stack.ensure_connected(tenant_id)
        plan = await stack.service.resync_plan(tenant_id, flow, first, last)
        _print_plan(stack, console, tenant_id, plan)
        if not yes and not _confirmed(console):
            return EXIT_FATAL
        return await _run_resyncs(stack, console, tenant_id, [(flow, first, last)])


def _print_plan(stack: Stack, console: Console, tenant_id: int, plan: ResyncPlan) -> None:
    first, last = plan.requested
    start, end = plan.widened
    covers = f" ({', '.join(plan.flows)})" if plan.flows != [plan.flow] else ""
    console.print(
        f"Re-sync of {plan.flow}{covers} for {stack.tenant_name(tenant_id)}: {first}..{last} "
        f"widened to whole periods: [bold]{start}..{end}[/]"
    )
    console.print(
        f"  delete and write again: {len(plan.to_delete)} record(s) the bridge "
        f"created; write: {len(plan.to_write)} host record(s)"
    )
    for other in plan.not_ours:
        console.print(f"  [yellow]in Fortnox, not created by the bridge (left alone):[/] {other}")


async def _run_resyncs(
    stack: Stack, console: Console, tenant_id: int, jobs: list[tuple[str, date, date]]
) -> int:
    codes = [EXIT_OK]
    for target, first, last in jobs:
        progress, report = _progress(console)
        try:
            with progress:
                job = await stack.service.resync(tenant_id, target, first, last, progress=report)
        except (KeyboardInterrupt, asyncio.CancelledError):
            console.print("[yellow]Interrupted; run the same command again to resume.[/]")
            return EXIT_FATAL
        console.print(f"Re-sync run {job.id}: {job.status} ({counts_text(job.counts)})")
        if job.status == "cancelled":
            return EXIT_FATAL
        codes.append(EXIT_ITEMS_FAILED if job.counts.get("failed") else EXIT_OK)
    return max(codes)


async def _proposed(
    config: Settings,
    console: Console,
    tenant: str,
    first: date | None,
    last: date | None,
    yes: bool,
    dismiss: bool,
) -> int:
    async with open_stack(config) as stack:
        tenant_id = stack.tenant_id(tenant)
        with stack.sessions.begin() as session:
            found = reconnect.proposal(
                session, tenant_id, stack.service.clock, flows=stack.service.runner.flows
            )
        if found is None:
            console.print("No re-sync is proposed for this tenant.")
            return EXIT_FATAL
        since = found.disconnected_at.strftime("%Y-%m-%d %H:%M") if found.disconnected_at else "?"
        console.print(
            f"Proposed after the reconnect (disconnected since {since} UTC): "
            f"{found.first}..{found.last}, widened to whole periods: "
            f"[bold]{found.widened[0]}..{found.widened[1]}[/] ({', '.join(found.flows)})"
        )
        if dismiss:
            with stack.sessions.begin() as session:
                reconnect.dismiss(session, tenant_id)
            console.print("Proposal dismissed; nothing was re-synced.")
            return EXIT_OK
        await stack.ensure_connected(tenant_id)
        start, end = first or found.first, last or found.last
        for proposed in found.resyncs:
            plan = await stack.service.resync_plan(tenant_id, proposed.target, start, end)
            _print_plan(stack, console, tenant_id, plan)
        if not yes and not _confirmed(console):
            return EXIT_FATAL
        accepted = await reconnect.accept(stack.service, tenant_id, first=start, last=end)
        jobs = [(job.target, *job.plan.requested) for job in accepted]
        return await _run_resyncs(stack, console, tenant_id, jobs)


def _confirmed(console: Console) -> bool:
    if not sys.stdin.isatty():
        refuse(console, "not a terminal; add --yes to start the re-sync")
        return False
    return typer.confirm("Start the re-sync?", default=False)
