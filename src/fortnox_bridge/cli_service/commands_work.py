"""The work of ``sync``, ``resync``, ``connect``, ``status`` and ``serve`` (declared in
:mod:`.commands`, which imports this module only when one of them runs).

Exit codes scripts can rely on: 0 ok; 1 the run finished but records failed (or, for ``status``,
something needs attention); 2 the command could not run (unknown tenant, not connected, bad
option, unreachable sandbox, ...).
"""

from __future__ import annotations

import asyncio
import sys
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TaskID, TextColumn

from fortnox_bridge.cli_common.runtime import Need, run, settings
from fortnox_bridge.cli_service.output import (
    TenantStatus,
    counts_text,
    exit_code,
    print_checklist,
    print_status,
    print_summary,
)
from fortnox_bridge.cli_service.stack import SANDBOX_SCOPES, Stack, Store, open_stack, open_store
from fortnox_bridge.config import Settings
from fortnox_bridge.demo import EXIT_FATAL, EXIT_ITEMS_FAILED, EXIT_OK
from fortnox_bridge.engine.errors import EngineError, SharedCompanyError
from fortnox_bridge.engine.maintenance.resync_targets import ResyncPlan
from fortnox_bridge.engine.tenancy import reconnect
from fortnox_bridge.engine.tenancy.connections import Disconnection
from fortnox_bridge.engine.tenancy.crypto import KEY_FILE, encrypted_in_store, load_secret_key
from fortnox_bridge.store.conflicts import ConflictRepository
from fortnox_bridge.store.connections import ConnectionRepository
from fortnox_bridge.store.problems import ProblemRepository
from fortnox_bridge.store.runs import RunRepository


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
            console.print(f"[red]error:[/] unknown flow(s) {unknown}; known: {sorted(known)}")
            return EXIT_FATAL
        ids = [stack.tenant_id(tenant)] if tenant else stack.tenant_ids()
        if not ids:
            console.print(
                "[red]error:[/] no tenants yet; add one with 'fortnox-bridge tenants add'"
            )
            return EXIT_FATAL
        codes = []
        for tenant_id in ids:
            await stack.ensure_connected(tenant_id)
            progress, report = _progress(console)
            with progress:
                summary = await stack.service.sweep(
                    tenant_id, dry_run=dry, only=flows, progress=report
                )
            print_summary(console, _name(stack, tenant_id), summary)
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
        console.print(
            "[red]error:[/] give --flow, --from and --to (or --proposed for the re-sync "
            "proposed after a reconnect)"
        )
        raise typer.Exit(EXIT_FATAL)
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
        f"Re-sync of {plan.flow}{covers} for {_name(stack, tenant_id)}: {first}..{last} "
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
        console.print("[red]error:[/] not a terminal; add --yes to start the re-sync")
        return False
    return typer.confirm("Start the re-sync?", default=False)


def connect(
    tenant: str,
    code: str | None,
    *,
    pause: bool,
    resume: bool,
    disconnect: bool,
    confirm_shared_company: bool,
    service_account: tuple[bool, int | None] = (False, None),
    data_dir: Path | None,
    sandbox_url: str | None,
) -> None:
    """``fortnox-bridge connect``."""
    config, console = settings(data_dir=data_dir, sandbox_url=sandbox_url), Console()
    if service_account[1] is not None and not service_account[0]:
        console.print("[red]error:[/] --fortnox-tenant-id goes with --client-credentials")
        raise typer.Exit(EXIT_FATAL)
    run(
        console,
        lambda: _connect(
            config,
            console,
            tenant,
            code,
            pause,
            resume,
            disconnect,
            confirm_shared_company,
            service_account,
        ),
    )


async def _connect(
    config: Settings,
    console: Console,
    tenant: str,
    code: str | None,
    pause: bool,
    resume: bool,
    disconnect: bool,
    confirm_shared_company: bool = False,
    service: tuple[bool, int | None] = (False, None),
) -> int:
    async with open_stack(config) as stack:
        tenant_id = stack.tenant_id(tenant)
        if disconnect:
            return _disconnected(
                console, await stack.connections.disconnect(tenant_id, "by the CLI (disconnect)")
            )
        moves = {"paused": pause, "active": resume}
        for state, wanted in moves.items():
            if wanted:
                moved = await stack.connections.transition(
                    tenant_id, state, f"by the CLI ({state})"
                )
                console.print(f"Connection {moved.to_state if moved else state}.")
                return EXIT_OK
        if service[0]:
            done, moved = await _connect_service_account(
                stack, console, tenant_id, service[1], confirm_shared_company
            )
            if not done:
                return EXIT_FATAL
        elif stack.sandbox is not None:
            moved = await stack.connect_sandbox(tenant_id)
        else:
            moved = await _connect_fortnox(stack, console, tenant_id, code, confirm_shared_company)
            if moved is None and code is None:
                return EXIT_OK  # the consent URL was printed
        console.print(f"Connection active{' (was ' + moved.from_state + ')' if moved else ''}.")
        for proposal in moved.proposals if moved else []:
            console.print(
                f"  proposed re-sync: {proposal['flow']} {proposal['from']} to "
                f"{proposal['to']} — fortnox-bridge resync --tenant {tenant} --proposed"
            )
        checklist = await stack.service.check(tenant_id)
        print_checklist(console, checklist)
        return EXIT_OK if checklist.ok else EXIT_ITEMS_FAILED


def _disconnected(console: Console, done: Disconnection) -> int:
    """Say what disconnecting did; exit 1 when Fortnox did not confirm the revocation."""
    console.print("Connection revoked: nothing is synchronised until it is connected again.")
    if done.at_fortnox == "revoked":
        console.print("Fortnox revoked the bridge's refresh token.")
        return EXIT_OK
    if done.at_fortnox == "none":
        console.print("There was no refresh token to revoke at Fortnox.")
        return EXIT_OK
    console.print(
        f"[yellow]warning:[/] Fortnox did not confirm the revocation: {done.problem}. The bridge "
        "keeps the token unused; run this again to retry, or remove the integration in Fortnox."
    )
    return EXIT_ITEMS_FAILED


async def _connect_service_account(
    stack: Stack,
    console: Console,
    tenant_id: int,
    fortnox_tenant_id: int | None,
    shared: bool = False,
) -> tuple[bool, Any]:
    """Client credentials and the TenantId: the bridge's app, or in sandbox mode the sandbox's
    (for the sandbox company given, default the tenant's own)."""
    from fortnox_bridge.fortnox.errors import OAuthError

    app: dict[str, str | None] = {"client_id": None, "client_secret": None}
    if stack.sandbox is not None:
        company = fortnox_tenant_id or await stack.sandbox_company(tenant_id)
        # The sandbox's app, and its consent for the company (any consent of the app counts
        # for a service account in the sandbox, as in Fortnox).
        issued = await stack.sandbox.control.issue_tokens(company, SANDBOX_SCOPES)
        app = {"client_id": issued["client_id"], "client_secret": issued["client_secret"]}
        fortnox_tenant_id = company
    if fortnox_tenant_id is None:
        console.print("[red]error:[/] --client-credentials needs --fortnox-tenant-id N")
        return False, None
    try:
        moved = await stack.service.connect_service_account(
            tenant_id, fortnox_tenant_id, confirm_shared_company=shared, **app
        )
    except OAuthError as exc:
        console.print(
            f"[red]error:[/] Fortnox refused the service account of tenant {fortnox_tenant_id}: "
            f"{exc.error} ({exc.description}). The company's administrator approves the app as a "
            "service account once (the consent page with account_type=service), and the "
            "TenantId must be that company's."
        )
        return False, None
    console.print(f"Connected as a service account of Fortnox tenant {fortnox_tenant_id}.")
    return True, moved


async def _connect_fortnox(
    stack: Stack, console: Console, tenant_id: int, code: str | None, shared: bool
) -> Any:
    from fortnox_bridge.fortnox.oauth import OAuthApp

    config = stack.settings
    secret = config.fortnox_client_secret.get_secret_value() if config.fortnox_client_secret else ""
    app = OAuthApp(
        str(config.fortnox_client_id),
        secret,
        redirect_uri=config.fortnox_redirect_uri,
        auth_url=config.fortnox_auth_url,
    )
    try:
        if code is None:
            scopes = sorted(
                {"salary", "bookkeeping", "settings", "companyinformation", "project", "costcenter"}
            )
            url = app.authorize_url(scopes, state=f"tenant-{tenant_id}")
            await stack.connections.transition(tenant_id, "pending_auth", "consent requested")
            console.print("Send the Fortnox administrator to this page to approve the bridge:")
            console.print(url, soft_wrap=True)
            console.print("Then run: fortnox-bridge connect --tenant <name> --code <code>")
            return None
        tokens = await app.exchange_code(code)
        try:
            return await stack.connections.connect(
                tenant_id, tokens, client_id=app.client_id, confirm_shared_company=shared
            )
        except SharedCompanyError as exc:
            if tokens.refresh_token:  # the approval is not used: leave no live token behind
                await app.revoke(tokens.refresh_token)
            raise EngineError(
                f"{exc}. Nothing was connected and the approval was withdrawn; if both tenants "
                "should use that company, ask for a new approval and run connect --code <code> "
                "--confirm-shared-company"
            ) from None
    finally:
        await app.aclose()


def status(tenant: str | None, check: bool, data_dir: Path | None, sandbox_url: str | None) -> None:
    """``fortnox-bridge status``: the store alone, unless ``--check`` reads Fortnox too."""
    need: Need = "stack" if check else "store"
    config = settings(need=need, data_dir=data_dir, sandbox_url=sandbox_url)
    console = Console()
    run(console, lambda: _status(config, console, tenant, check))


async def _status(config: Settings, console: Console, tenant: str | None, check: bool) -> int:
    if check:
        async with open_stack(config) as stack:
            return await _statuses(stack, console, tenant, stack)
    with open_store(config) as store:
        _key_kept(store)
        return await _statuses(store, console, tenant, None)


def _key_kept(store: Store) -> None:
    """Raise :class:`SecretKeyError` (what to restore) when the key file is gone although the
    store holds data encrypted with it; make nothing."""
    config = store.settings
    if config.secret_key is None and not (config.data_dir / KEY_FILE).exists():
        protected = encrypted_in_store(store.sessions)
        if protected is not None:
            load_secret_key(config.data_dir, protected=protected)  # raises, saying what to do


async def _statuses(store: Store, console: Console, tenant: str | None, stack: Stack | None) -> int:
    ids = [store.tenant_id(tenant)] if tenant else store.tenant_ids()
    if not ids:
        console.print("No tenants yet; add one with 'fortnox-bridge tenants add NAME'.")
    codes = [EXIT_OK]
    for tenant_id in ids:
        found = _status_of(store, tenant_id)
        print_status(console, found)
        if found.connection != "active":
            codes.append(EXIT_FATAL)
            continue
        if found.problems or found.conflicts:
            codes.append(EXIT_ITEMS_FAILED)
        if stack is not None:
            checklist = await stack.service.check(tenant_id)
            print_checklist(console, checklist)
            codes.append(EXIT_OK if checklist.ok else EXIT_ITEMS_FAILED)
    return max(codes)


def _status_of(store: Store, tenant_id: int) -> TenantStatus:
    with store.sessions.begin() as session:
        connection = ConnectionRepository(session).for_tenant(tenant_id)
        return TenantStatus(
            tenant=store.tenant_name(tenant_id),
            connection=connection.state if connection else "not connected",
            disconnected_at=connection.disconnected_at if connection else None,
            proposals=list(connection.resync_proposals) if connection else [],
            problems=ProblemRepository(session).open(tenant_id),
            conflicts=ConflictRepository(session).open(tenant_id),
            runs=RunRepository(session).latest(tenant_id, limit=3),
        )


def _name(stack: Store, tenant_id: int) -> str:
    return stack.tenant_name(tenant_id)
