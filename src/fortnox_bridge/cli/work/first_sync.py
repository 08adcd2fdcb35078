"""The work of ``fortnox-bridge hr first-sync`` (declared in :mod:`fortnox_bridge.cli.first_sync`):
the first synchronization of employees from the command line — make a plan, show it, decide, apply
(or discard).

Exit codes: 0 ok; 1 the plan still needs decisions (``show``) or items failed (``apply``); 2 the
command could not run (unknown tenant, a plan already open, undecided items at apply, ...).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from rich.console import Console
from rich.table import Table

from fortnox_bridge.cli.errors import EXIT_FATAL, EXIT_ITEMS_FAILED, EXIT_OK
from fortnox_bridge.cli.work.runtime import refuse, run, settings
from fortnox_bridge.config import Settings
from fortnox_bridge.runtime.stack import Stack, open_stack
from fortnox_bridge.services.first_sync import (
    FirstSyncService,
    ItemView,
    NotReadyError,
    PlanView,
)
from fortnox_bridge.services.hooks import EngineHooks

SIDES = ("host", "fortnox")


def _first_sync(stack: Stack) -> FirstSyncService:
    # The stack's sync service sends the e-mail (its notifier) and holds the tenant writers.
    return FirstSyncService(stack.sessions, stack.clock, EngineHooks(service=stack.service))


def plan(tenant: str, data_dir: Path | None, sandbox_url: str | None) -> None:
    """``hr first-sync plan``."""
    config, console = settings(data_dir=data_dir, sandbox_url=sandbox_url), Console()
    run(console, lambda: _plan(config, console, tenant))


async def _plan(config: Settings, console: Console, tenant: str) -> int:
    async with open_stack(config) as stack:
        tenant_id = stack.tenant_id(tenant)
        await stack.ensure_connected(tenant_id)
        source = stack.service.clients.source(tenant_id)
        try:
            view = await _first_sync(stack).make_plan(tenant_id, source)
        finally:
            await source.aclose()
        print_plan(console, view)
        return EXIT_OK


def show(tenant: str, everything: bool, data_dir: Path | None, sandbox_url: str | None) -> None:
    """``hr first-sync show``."""
    config, console = settings(data_dir=data_dir, sandbox_url=sandbox_url), Console()
    run(console, lambda: _show(config, console, tenant, everything))


async def _show(config: Settings, console: Console, tenant: str, everything: bool) -> int:
    async with open_stack(config) as stack:
        view = _first_sync(stack).view(stack.tenant_id(tenant))
        print_plan(console, view, everything=everything)
        return EXIT_ITEMS_FAILED if view.counts.get("undecided") else EXIT_OK


def decide(
    tenant: str,
    item: int | None,
    winner: str | None,
    field: list[str] | None,
    create: bool | None,
    skip: bool,
    bulk: dict[str, str | None],
    data_dir: Path | None,
    sandbox_url: str | None,
) -> None:
    """``hr first-sync decide``: one item, or every undecided one of a kind (``bulk``)."""
    config, console = settings(data_dir=data_dir, sandbox_url=sandbox_url), Console()
    one = _one_decision(winner, field, create, skip)
    problem = _decision_problem(item, one, bulk)
    if problem:
        raise refuse(console, problem)
    run(console, lambda: _decide(config, console, tenant, item, one, bulk))


def _one_decision(
    winner: str | None, fields: list[str] | None, create: bool | None, skip: bool
) -> dict[str, Any]:
    decision: dict[str, Any] = {}
    if winner is not None:
        decision["winner"] = winner
    if fields:
        pairs = [entry.partition("=") for entry in fields]
        decision["fields"] = {name.strip(): side.strip() for name, _, side in pairs}
    if create is not None:
        decision["create"] = create
    if skip:
        decision["skip"] = True
    return decision


def _decision_problem(
    item: int | None, one: dict[str, Any], bulk: dict[str, str | None]
) -> str | None:
    given = {name: value for name, value in bulk.items() if value is not None}
    if item is None:
        if one:
            return "--winner, --field, --create and --skip need --item"
        if not given:
            return (
                "say what to decide: --item ID with a decision, or --pairs, --host-only or "
                "--fortnox-only"
            )
    elif given:
        return "decide one item or every undecided item, not both at once"
    elif len(one) != 1:
        return "give the item exactly one of --winner, --field, --create/--no-create or --skip"
    bad = [f"--{n.replace('_', '-')} {v}" for n, v in given.items() if v not in _allowed(n)]
    if bad:
        return f"{', '.join(bad)}: pairs take host or fortnox; the others create or skip"
    return None


def _allowed(name: str) -> tuple[str, ...]:
    return SIDES if name == "pairs" else ("create", "skip")


async def _decide(
    config: Settings,
    console: Console,
    tenant: str,
    item: int | None,
    one: dict[str, Any],
    bulk: dict[str, str | None],
) -> int:
    async with open_stack(config) as stack:
        tenant_id = stack.tenant_id(tenant)
        first_sync = _first_sync(stack)
        if item is not None:
            decided = first_sync.decide(tenant_id, item, one)
            console.print(f"Item {decided.id} ({decided.label}): {decided.decision}")
            view = first_sync.view(tenant_id)
        else:
            view = first_sync.decide_all(
                tenant_id,
                pairs=bulk["pairs"],  # type: ignore[arg-type]
                host_only=None if bulk["host_only"] is None else bulk["host_only"] == "create",
                fortnox_only=None
                if bulk["fortnox_only"] is None
                else bulk["fortnox_only"] == "create",
            )
        console.print(f"Still undecided: {view.counts.get('undecided', 0)}")
        return EXIT_OK


def apply(tenant: str, data_dir: Path | None, sandbox_url: str | None) -> None:
    """``hr first-sync apply``."""
    config, console = settings(data_dir=data_dir, sandbox_url=sandbox_url), Console()
    run(console, lambda: _apply(config, console, tenant))


async def _apply(config: Settings, console: Console, tenant: str) -> int:
    async with open_stack(config) as stack:
        tenant_id = stack.tenant_id(tenant)
        await stack.ensure_connected(tenant_id)
        source = stack.service.clients.source(tenant_id)
        try:
            view = await _first_sync(stack).apply(tenant_id, source)
        except NotReadyError as exc:
            refuse(console, str(exc))
            for entry in exc.items:
                console.print(f"  item {entry['id']} ({entry['kind']}): {entry['label']}")
            return EXIT_FATAL
        finally:
            await source.aclose()
        print_result(console, view)
        return EXIT_ITEMS_FAILED if view.result.get("failed") else EXIT_OK


def discard(tenant: str, data_dir: Path | None, sandbox_url: str | None) -> None:
    """``hr first-sync discard``."""
    config, console = settings(data_dir=data_dir, sandbox_url=sandbox_url), Console()
    run(console, lambda: _discard(config, console, tenant))


async def _discard(config: Settings, console: Console, tenant: str) -> int:
    async with open_stack(config) as stack:
        view = _first_sync(stack).discard(stack.tenant_id(tenant))
        console.print(f"Plan {view.id} discarded.")
        return EXIT_OK


# -- output ------------------------------------------------------------------------------------


def print_plan(console: Console, view: PlanView, *, everything: bool = False) -> None:
    """The plan's counts and its items, one table per kind."""
    counts = view.counts
    console.print(
        f"First synchronization plan {view.id}: [bold]{view.status}[/] — "
        f"{counts.get('host', 0)} host employees, {counts.get('fortnox', 0)} in Fortnox"
    )
    summary = Table(title="Found")
    for column in ("pairs", "with differences", "host only", "Fortnox only", "duplicates",
                   "undecided"):  # fmt: skip
        summary.add_column(column, justify="right")
    summary.add_row(
        *(
            str(counts.get(name, 0))
            for name in (
                "pairs",
                "pairs_with_differences",
                "host_only",
                "fortnox_only",
                "duplicates",
                "undecided",
            )
        )
    )
    console.print(summary)
    _pairs(console, view.items, everything)
    _only(console, view.items, "host_only", "Only in the host (create in Fortnox?)")
    _only(console, view.items, "fortnox_only", "Only in Fortnox (create in the host?)")
    _duplicates(console, view.items)
    if view.result:
        print_result(console, view)


def _pairs(console: Console, items: list[ItemView], everything: bool) -> None:
    pairs = [i for i in items if i.kind == "pair" and (everything or i.differences or i.notes)]
    if not pairs:
        return
    table = Table(title="Pairs")
    for column in ("item", "host", "Fortnox", "matched by", "field", "host value",
                   "Fortnox value", "decision", "status"):  # fmt: skip
        table.add_column(column)
    for item in pairs:
        rows = sorted(item.differences.items()) or [("", {"host": "", "fortnox": ""})]
        for name, values in rows:
            table.add_row(
                str(item.id),
                f"{item.external_id}\n{item.label}",
                item.fortnox_id or "",
                item.matched_by or "",
                name,
                _text(values.get("host")),
                _text(values.get("fortnox")),
                _decision(item, name),
                item.status,
            )
        for note in item.notes:
            table.add_row("", "", "", "", "", f"[dim]{note}[/]", "", "", "")
    console.print(table)


def _only(console: Console, items: list[ItemView], kind: str, title: str) -> None:
    rows = [i for i in items if i.kind == kind]
    if not rows:
        return
    table = Table(title=title)
    for column in ("item", "id", "employee", "decision", "status", "notes"):
        table.add_column(column)
    for item in rows:
        ident = item.external_id if kind == "host_only" else item.fortnox_id
        table.add_row(
            str(item.id),
            ident or "",
            item.label,
            _decision(item, None),
            item.status,
            "; ".join(item.notes),
        )
    console.print(table)


def _duplicates(console: Console, items: list[ItemView]) -> None:
    rows = [i for i in items if i.kind == "duplicate"]
    if not rows:
        return
    table = Table(title="Duplicates (resolve them, or --skip to leave the employees out)")
    for column in ("item", "where", "field", "value", "employees", "decision"):
        table.add_column(column)
    for item in rows:
        members = "\n".join(f"{m['id']}: {m['label']}" for m in item.details["members"])
        table.add_row(
            str(item.id),
            item.details["side"],
            item.details["field"],
            str(item.details["value"]),
            members,
            _decision(item, None),
        )
    console.print(table)


def print_result(console: Console, view: PlanView) -> None:
    """What apply did, and what failed."""
    result = view.result
    names = (
        "linked",
        "updated_in_fortnox",
        "updated_in_host",
        "created_in_fortnox",
        "created_in_host",
        "employment_ids_assigned",
        "skipped",
        "failed",
        "requests",
    )
    table = Table(title=f"Plan {view.id}: {view.status}")
    for name in names:
        table.add_column(name.replace("_", " "), justify="right")
    table.add_row(*(str(result.get(name, 0)) for name in names))
    console.print(table)
    console.print(
        "Totals: " + " ".join(f"{name}={result.get(name, 0)}" for name in names), soft_wrap=True
    )
    for item in view.items:
        if item.status in ("failed", "working") and item.error:
            console.print(f"[red]failed item {item.id} ({item.label}): {item.error}[/]")


def _decision(item: ItemView, name: str | None) -> str:
    decision = item.decision
    if decision is None:
        return "[yellow]undecided[/]" if item.needs_decision else ""
    if "fields" in decision:
        return str(decision["fields"].get(name, "[yellow]undecided[/]")) if name else "per field"
    if "winner" in decision:
        return f"{decision['winner']} wins"
    if "create" in decision:
        return "create" if decision["create"] else "skip"
    return "skip"


def _text(value: Any) -> str:
    return "" if value is None else str(value)
