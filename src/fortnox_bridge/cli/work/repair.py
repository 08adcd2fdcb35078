"""The work of ``fortnox-bridge repair …`` (declared in :mod:`fortnox_bridge.cli.repair`): clean up
what went wrong in a tenant's Fortnox before.

``repair duplicates`` lists the records the bridge made more than once under one natural key
(see ``engine/maintenance/repair.py``) and, with ``--apply``, deletes the extra ones where
Fortnox allows it.

Exit codes: **0** nothing (left) to repair; **1** duplicates of the bridge's are in Fortnox (the
listing found some, or after ``--apply`` some remain: a delete Fortnox refused, employees left to
a person, a record being written meanwhile); **2** the command could not run.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from rich.console import Console
from rich.progress import BarColumn, Progress, TaskID, TextColumn
from rich.table import Table

from fortnox_bridge.cli.errors import EXIT_ITEMS_FAILED, EXIT_OK
from fortnox_bridge.cli.work.runtime import run, settings
from fortnox_bridge.config import Settings
from fortnox_bridge.engine.maintenance.duplicates import differs_text
from fortnox_bridge.engine.maintenance.repair_report import (
    BUSY,
    BY_HAND,
    DELETED,
    GONE,
    HANDLED,
    REFUSED,
    DuplicateGroup,
    Extra,
    RepairReport,
)
from fortnox_bridge.runtime.stack import Stack, open_stack

#: What the table says an extra became, by outcome.
OUTCOME_TEXT = {
    DELETED: "[green]deleted[/]",
    GONE: "[green]already gone[/]",
    REFUSED: "[red]refused[/]",
    BY_HAND: "[yellow]left to you[/]",
    HANDLED: "[green]inactive already[/]",
    BUSY: "[yellow]busy: try again later[/]",
}


def duplicates(
    tenant: str | None,
    apply: bool,
    as_json: bool,
    data_dir: Path | None,
    sandbox_url: str | None,
) -> None:
    """``repair duplicates``."""
    config, console = settings(data_dir=data_dir, sandbox_url=sandbox_url), Console()
    run(console, lambda: _duplicates(config, console, tenant, apply, as_json))


async def _duplicates(
    config: Settings, console: Console, tenant: str | None, apply: bool, as_json: bool
) -> int:
    async with open_stack(config) as stack:
        chosen = [stack.tenant_id(tenant)] if tenant else stack.tenant_ids()
        reports: list[RepairReport] = []
        for tenant_id in chosen:
            await stack.ensure_connected(tenant_id)
            if tenant is None and not _active(stack, tenant_id):
                if not as_json:
                    console.print(
                        f"[yellow]{stack.tenant_name(tenant_id)}: skipped, the Fortnox connection "
                        "is not active[/]"
                    )
                continue
            with _progress(console, enabled=not as_json) as report:
                reports.append(
                    await stack.service.repair_duplicates(tenant_id, apply=apply, progress=report)
                )
        pending = sum(r.pending for r in reports)
        if as_json:
            body = {"applied": apply, "pending": pending, "tenants": [r.to_dict() for r in reports]}
            console.print_json(json.dumps(body, ensure_ascii=False))
        else:
            print_reports(console, reports, applied=apply)
        return EXIT_ITEMS_FAILED if pending else EXIT_OK


def _active(stack: Stack, tenant_id: int) -> bool:
    return stack.services.tenants.view(tenant_id).connection == "active"


@contextmanager
def _progress(
    console: Console, *, enabled: bool
) -> Iterator[Callable[[str, int, int], None] | None]:
    """A progress bar on a terminal (reading, then deleting); nothing otherwise."""
    if not enabled or not console.is_terminal:
        yield None
        return
    progress = Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        TextColumn("{task.completed}{task.fields[of]}"),
        console=console,
        transient=True,
    )
    tasks: dict[str, TaskID] = {}

    def report(step: str, done: int, total: int) -> None:
        if step not in tasks:
            for task in progress.tasks:  # a step that came before is over: fill its bar
                if task.total is None:
                    progress.update(task.id, total=task.completed)
            tasks[step] = progress.add_task(step, total=total or None, of="")
        of = f"/{total}" if total else " records"
        progress.update(tasks[step], completed=done, total=total or None, of=of)

    with progress:
        yield report


def print_reports(console: Console, reports: list[RepairReport], *, applied: bool) -> None:
    """One table of every tenant's duplicate groups, then a totals line for scripts."""
    groups = [(r, g) for r in reports for g in r.groups]
    if not groups:
        console.print("No duplicates in Fortnox: every record the bridge made is there once.")
    else:
        title = "Duplicates in Fortnox" + (
            " — repaired" if applied else " — listed only; --apply repairs them"
        )
        table = Table(title=title, show_lines=True)
        for column in ("tenant", "flow", "natural key", "kept", "extra"):
            table.add_column(column, overflow="fold")
        table.add_column("done" if applied else "what --apply would do", overflow="fold")
        for report, group in groups:
            table.add_row(
                report.tenant,
                group.flow,
                _key(group),
                "\n".join(group.keepers) or "–",
                "\n".join(_extra(extra, applied) for extra in group.extras),
                _outcome(group) if applied else group.advice(),
            )
        console.print(table)
    totals = {
        "pending": sum(r.pending for r in reports),
        "deleted": sum(r.count(DELETED) + r.count(GONE) for r in reports),
        "refused": sum(r.count(REFUSED) for r in reports),
        "by_hand": sum(len(g.pending) for r in reports for g in r.duplicates if not g.deletable),
        "not_ours": sum(len(g.extras) for r in reports for g in r.groups if not g.ours),
    }
    console.print("Totals: " + " ".join(f"{k}={v}" for k, v in totals.items()), soft_wrap=True)
    for report in reports:
        if report.run_id is not None:
            console.print(f"{report.tenant}: kept as run {report.run_id} (the runs page)")


def _key(group: DuplicateGroup) -> str:
    hosts = ", ".join(group.host_ids)
    return f"{group.key}\n[dim]host record {hosts}[/]" if hosts else group.key


def _extra(extra: Extra, applied: bool) -> str:
    differs = differs_text(extra)
    text = extra.fortnox_id + (f" [dim]({differs})[/]" if differs else "")
    done = OUTCOME_TEXT.get(extra.outcome)
    if done and (applied or extra.outcome == HANDLED):
        text += f" {done}"
    if extra.outcome == REFUSED and extra.message:
        text += f": {extra.message}"
    return text


def _outcome(group: DuplicateGroup) -> str:
    if not group.ours:
        return "nothing: not made by the bridge, left alone"
    if not group.deletable:
        return f"left to you: {group.by_hand}" if group.pending else "nothing to do"
    counts: dict[str, int] = {}
    for extra in group.extras:
        counts[extra.outcome] = counts.get(extra.outcome, 0) + 1
    words = {DELETED: "deleted", GONE: "already gone", REFUSED: "refused", BUSY: "busy"}
    return ", ".join(f"{words.get(k, k)} {v}" for k, v in sorted(counts.items()))
