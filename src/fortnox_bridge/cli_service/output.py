"""What the service commands print: run summaries, dry-run plans, checklists, statuses."""

from __future__ import annotations

from typing import Any

from rich.console import Console
from rich.table import Table

from fortnox_bridge.demo import EXIT_FATAL, EXIT_ITEMS_FAILED, EXIT_OK
from fortnox_bridge.engine.preflight import Checklist
from fortnox_bridge.engine.results import RunSummary

COLUMNS = (
    "created",
    "updated",
    "deleted",
    "unchanged",
    "skipped",
    "failed",
    "adopted",
    "conflicts",
)


def exit_code(summary: RunSummary) -> int:
    """0 ok, 1 some records failed, 2 the run could not run."""
    if summary.error is not None:
        return EXIT_FATAL
    return EXIT_ITEMS_FAILED if summary.total("failed") else EXIT_OK


def print_summary(console: Console, name: str, summary: RunSummary) -> None:
    """The counts per flow, the totals line and the failures with their references."""
    title = f"{'Plan (dry run)' if summary.dry_run else 'Sync'} of {name}"
    if summary.error is not None:
        console.print(f"[red]{title}: could not run: {summary.error}[/]")
        return
    table = Table(title=title)
    table.add_column("flow")
    for column in (*COLUMNS, "requests"):
        table.add_column(column, justify="right")
    for result in summary.flows:
        counts = [str(getattr(result, c)) for c in COLUMNS]
        table.add_row(result.flow, *counts, str(result.requests))
    console.print(table)
    totals = " ".join(f"{c}={summary.total(c)}" for c in COLUMNS)
    label = "Plan" if summary.dry_run else "Totals"
    # one line whatever the terminal width: scripts read it
    console.print(f"{label}: {totals} requests={summary.requests}", soft_wrap=True)
    if summary.dry_run:
        print_plan(console, summary)
    for result in summary.flows:
        if result.error:
            console.print(f"[red]{result.flow}: {result.error}[/]")
        for item in result.failures:
            code = f" {item.code}" if item.code is not None else ""
            console.print(
                f"[red]failed {item.reference or item.external_id}{code}: "
                f"{item.message or item.reason} {item.fix}[/]"
            )


def print_plan(console: Console, summary: RunSummary) -> None:
    """Every record a real run would touch, with what and why."""
    table = Table(title="What a real run would do")
    for column in ("flow", "record", "action", "why"):
        table.add_column(column)
    rows = [(r.flow, item) for r in summary.flows for item in r.items]
    for flow, item in rows:
        table.add_row(flow, item.reference or item.external_id, item.action, item.reason)
    if rows:
        console.print(table)
    else:
        console.print("Nothing to do: every record is as Fortnox has it.")


def print_checklist(console: Console, checklist: Checklist) -> None:
    """The pre-flight checklist with its fixes."""
    marks = {"ok": "[green]✓[/]", "warn": "[yellow]![/]", "fail": "[red]✗[/]"}
    table = Table(title="Pre-flight check")
    for column in ("", "check", "detail", "fix"):
        table.add_column(column)
    for check in checklist.checks:
        table.add_row(marks[check.status], check.name, check.detail, check.fix)
    console.print(table)


def print_status(console: Console, status: dict[str, Any]) -> None:
    """A tenant's connection, problems, conflicts and last runs."""
    console.print(
        f"[bold]{status['tenant']}[/]: connection {status['connection']}"
        + (f", broken since {status['disconnected_at']}" if status["disconnected_at"] else "")
    )
    for proposal in status["proposals"]:
        console.print(
            f"  proposed re-sync: {proposal['flow']} {proposal['from']} to "
            f"{proposal['to']} ({proposal['reason']}) — accept with "
            f"'fortnox-bridge resync --tenant \"{status['tenant']}\" --proposed'"
        )
    for problem in status["problems"]:
        console.print(
            f"  [red]problem[/] {problem['reference']}: {problem['message']} — "
            f"{problem['fix']} (seen {problem['count']}×)"
        )
    for conflict in status["conflicts"]:
        console.print(
            f"  [yellow]conflict[/] #{conflict['id']} {conflict['external_id']}: "
            f"{', '.join(conflict['fields'])}"
        )
    for run in status["runs"]:
        console.print(
            f"  run #{run['id']} {run['kind']} {run['status']} "
            f"{run['started_at']} requests={run['requests']} {run['counts']}"
        )
