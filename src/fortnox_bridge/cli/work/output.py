"""What the service commands print: run summaries, dry-run plans, checklists, statuses.

Times are shown in the machine's time zone, to the second.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from rich.console import Console
from rich.markup import escape
from rich.table import Table

from fortnox_bridge.cli.errors import EXIT_FATAL, EXIT_ITEMS_FAILED, EXIT_OK
from fortnox_bridge.engine.flow.results import RunSummary
from fortnox_bridge.engine.sync.preflight import Checklist
from fortnox_bridge.services.tenant_status import Conflict, Problem, Run

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


def local_time(moment: datetime | None, *, seconds: bool = True) -> str:
    """``2026-12-06 14:03:12`` in the machine's time zone; ``""`` for no time."""
    if moment is None:
        return ""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone().strftime("%Y-%m-%d %H:%M:%S" if seconds else "%Y-%m-%d %H:%M")


def counts_text(counts: dict[str, Any]) -> str:
    """``created 3, failed 1``: the counts that are not zero, in their order."""
    shown = [f"{name} {value}" for name, value in counts.items() if value]
    return ", ".join(shown) or "nothing to do"


@dataclass
class TenantStatus:
    """What ``status`` shows of one tenant."""

    tenant: str
    connection: str
    disconnected_at: datetime | None
    proposals: list[dict[str, Any]]
    problems: list[Problem]
    conflicts: list[Conflict]
    runs: list[Run]


def _problem_lines(problems: list[Problem]) -> list[tuple[str, str, str, int, datetime]]:
    """One line per problem as the reader sees it: problems kept apart in the store (the same
    record failing the same way in two flows, or on create and then on update) are one line,
    their counts added up."""
    lines: dict[tuple[str, str, str], tuple[int, datetime]] = {}
    for problem in problems:
        key = (problem.reference, problem.message, problem.fix)
        count, last = lines.get(key, (0, problem.last_seen))
        lines[key] = (count + problem.count, max(last, problem.last_seen))
    return [(*key, count, last) for key, (count, last) in lines.items()]


def print_status(console: Console, status: TenantStatus) -> None:
    """A tenant's connection, proposed re-syncs, open problems (one line each), conflicts and
    last runs (tables)."""
    name = escape(status.tenant)
    broken = (
        f", broken since {local_time(status.disconnected_at)}" if status.disconnected_at else ""
    )
    colour = "green" if status.connection == "active" else "red"
    console.print(f"[bold]{name}[/]: connection [{colour}]{status.connection}[/]{broken}")
    for proposal in status.proposals:
        console.print(
            f"  proposed re-sync: {proposal['flow']} {proposal['from']} to {proposal['to']} "
            f"({escape(str(proposal.get('reason', '')))}) — accept with "
            f"'fortnox-bridge resync --tenant \"{name}\" --proposed'",
            soft_wrap=True,
        )
    lines = _problem_lines(status.problems)
    if lines:
        console.print(f"  open problems: {len(lines)}")
    for reference, message, fix, count, last in lines:
        fixed = f" Fix: {escape(fix)}" if fix else ""
        console.print(
            f"  [red]problem[/] {escape(reference)}: {escape(message)}{fixed} "
            f"(seen {count}×, last {local_time(last)})",
            soft_wrap=True,
        )
    if status.conflicts:
        table = Table(title=f"Open conflicts of {name}", title_justify="left")
        for column in ("conflict", "record", "Fortnox id", "fields", "since"):
            table.add_column(column)
        for conflict in status.conflicts:
            table.add_row(
                f"#{conflict.id}",
                f"{conflict.entity_type} {escape(conflict.external_id)}",
                escape(conflict.fortnox_id),
                ", ".join(sorted(conflict.fields)),
                local_time(conflict.created_at),
            )
        console.print(table)
    if status.runs:
        table = Table(title=f"Last runs of {name}", title_justify="left")
        for column in ("run", "kind", "status", "started", "finished", "requests", "counts"):
            table.add_column(column, justify="right" if column == "requests" else "left")
        for run in status.runs:
            table.add_row(
                f"#{run.id}",
                run.kind + (f" {run.flow}" if run.flow else ""),
                run.status,
                local_time(run.started_at),
                local_time(run.finished_at),
                str(run.requests),
                counts_text(run.counts),
            )
        console.print(table)
