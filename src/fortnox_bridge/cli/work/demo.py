"""``fortnox-bridge demo``: the whole bridge on embedded defaults, with demo data.

One cycle pushes the demo tenant's employees and absences into a sandbox company and prints what
happened. Without ``--once`` the command then hands the data directory to ``serve``'s engine
(API, scheduler, event-driven pushes, webhook deliveries) until Ctrl-C.
Re-running on the same data directory reuses the tenant, its API key and the sandbox company.
"""

from __future__ import annotations

import asyncio
import json
import secrets
from pathlib import Path
from typing import Any

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TaskID, TextColumn
from rich.table import Table
from sqlalchemy.orm import Session, sessionmaker

from fortnox_bridge.cli.errors import EXIT_ITEMS_FAILED, EXIT_OK
from fortnox_bridge.cli.work.demo_data import (
    DEMO_ABSENCE_TYPES,
    DEMO_PROJECTS,
    demo_absences,
    demo_employees,
    demo_time_entries,
)
from fortnox_bridge.cli.work.runtime import check_port_free, reported, settings
from fortnox_bridge.cli.work.serve import serve_until_stopped
from fortnox_bridge.clock import Clock, SystemClock
from fortnox_bridge.config import Settings
from fortnox_bridge.engine.flow.results import RunSummary
from fortnox_bridge.engine.sync.runner import Runner
from fortnox_bridge.files import private_dir, private_file
from fortnox_bridge.fortnox import FortnoxClient
from fortnox_bridge.fortnox.ratelimit import RateLimit, SlidingWindowLimiter
from fortnox_bridge.runtime.stack import SandboxLink, open_store, sandbox_link
from fortnox_bridge.services.passwords import hash_password, verify_password
from fortnox_bridge.store.flow_configs import FlowConfigRepository
from fortnox_bridge.store.links import LinkRepository
from fortnox_bridge.store.mirror import MirrorRepository
from fortnox_bridge.store.tenants import TenantRepository
from fortnox_bridge.store.users import AdminUserRepository

DEMO_TENANT = "Demo AB"
#: The admin user the demo creates for the web UI (its password is made once, kept in demo.json).
DEMO_ADMIN = "admin@demo-ab.se"
DEMO_SCOPES = ["salary", "companyinformation", "project", "costcenter"]
DEMO_FILE = "demo.json"


def demo_command(
    once: bool,
    data_dir: Path | None,
    sandbox_url: str | None,
    host: str | None,
    port: int | None,
    employees: int,
) -> None:
    """``fortnox-bridge demo`` (declared in :mod:`fortnox_bridge.cli.demo`): one cycle, then
    (without ``once``) ``serve`` until Ctrl-C."""
    config = settings(need="new", data_dir=data_dir, sandbox_url=sandbox_url, host=host, port=port)
    console = Console()
    code = EXIT_OK
    try:
        with reported(console):
            code = asyncio.run(Demo(config, console, employees=employees).run(serving=not once))
            if not once and code == EXIT_OK:
                code = asyncio.run(serve_until_stopped(config, console))
    except KeyboardInterrupt:
        code = EXIT_OK
    raise typer.Exit(code)


class Demo:
    """One demo session: store, sandbox, tenant, cycle, summary, optional serving."""

    def __init__(self, settings: Settings, console: Console, *, employees: int = 25) -> None:
        self.settings = settings
        self.console = console
        self.employee_count = employees
        self.clock: Clock = SystemClock()
        self.demo_file = settings.data_dir / DEMO_FILE

    async def run(self, *, serving: bool = False) -> int:
        """One cycle on the demo data; returns the process exit code.

        ``serving``: the API is served afterwards (by ``serve``'s engine), so its port is checked
        before any work starts.
        """
        private_dir(self.settings.data_dir)
        if serving:
            check_port_free(self.settings.host, self.settings.port)
        with open_store(self.settings, clock=self.clock) as store:
            async with sandbox_link(self.settings) as sandbox:
                info = await self._prepare(store.sessions, sandbox)
                runner = Runner(store.sessions, clock=self.clock)
                summary = await self._cycle(runner, sandbox, info, show_progress=True)
                self._print_summary(summary)
                info["last_run"] = summary.to_dict()
                self._write_info(info)
                self._print_info(info)
                return EXIT_ITEMS_FAILED if summary.total("failed") else EXIT_OK

    async def _prepare(
        self, sessions: sessionmaker[Session], sandbox: SandboxLink
    ) -> dict[str, Any]:
        previous = self._read_info()
        now = self.clock.now()
        with sessions.begin() as session:
            tenants = TenantRepository(session)
            tenant = tenants.by_name(DEMO_TENANT)
            if tenant is None:
                tenant = tenants.create(DEMO_TENANT, now=now)
                mirror = MirrorRepository(session)
                for external_id, payload in demo_employees(self.employee_count):
                    mirror.upsert(tenant.id, "employee", external_id, payload, now=now)
                self._absences(session, tenant.id)
                self._time(session, tenant.id)
                self.console.print(
                    f"Created tenant [bold]{DEMO_TENANT}[/] with {self.employee_count} employees, "
                    "their absences and a week of reported time."
                )
            api_key = previous.get("api_key")
            if not (
                api_key and getattr(tenants.tenant_for_api_key(api_key), "id", None) == tenant.id
            ):
                api_key = tenants.issue_api_key(tenant, label="demo", now=now)
            if tenant.fortnox_tenant_id is None or not await sandbox.control.company_exists(
                tenant.fortnox_tenant_id
            ):
                if tenant.fortnox_tenant_id is not None:
                    dropped = LinkRepository(session).forget_tenant(tenant.id)
                    self.console.print(
                        f"[yellow]Sandbox company {tenant.fortnox_tenant_id} is gone; "
                        f"connecting a new one and forgetting {dropped} links.[/]"
                    )
                company = await sandbox.control.create_company(
                    f"{DEMO_TENANT} (sandbox)", seed="demo"
                )
                tenant.fortnox_tenant_id = int(company["tenant_id"])
            admin_password = self._admin(session, previous.get("admin_password"))
            return {
                "tenant_id": tenant.id,
                "api_key": api_key,
                "admin_url": f"http://{self.settings.host}:{self.settings.port}/ui/",
                "admin_email": DEMO_ADMIN,
                "admin_password": admin_password,
                "api_url": f"http://{self.settings.host}:{self.settings.port}/api/v1",
                "sandbox_tenant_id": tenant.fortnox_tenant_id,
                "sandbox_url": sandbox.url_for_humans,
                "database_url": self.settings.effective_database_url,
            }

    def _admin(self, session: Session, known: Any) -> str:
        """The demo's admin user of the web UI and its password: the one in demo.json while it
        still signs in, else a new one (the user is made on the first run)."""
        users = AdminUserRepository(session)
        user = users.by_email(DEMO_ADMIN)
        if (
            user is not None
            and isinstance(known, str)
            and verify_password(user.password_hash, known)
        ):
            return known
        password = secrets.token_urlsafe(12)
        if user is None:
            users.create(DEMO_ADMIN, "Demo Admin", hash_password(password), now=self.clock.now())
        else:
            users.set_password(user, hash_password(password))
        return password

    def _absences(self, session: Session, tenant_id: int) -> None:
        """Absence types and absences, with the absence flow on and a working-time schedule
        for the employees the bridge creates (else Fortnox gives them 0 hours)."""
        now = self.clock.now()
        mirror = MirrorRepository(session)
        for external_id, payload in DEMO_ABSENCE_TYPES:
            mirror.upsert(tenant_id, "absence_type", external_id, payload, now=now)
        employees = {f"emp-{number:04d}" for number in range(1, self.employee_count + 1)}
        for external_id, payload in demo_absences():
            if payload["employee"] in employees:
                mirror.upsert(tenant_id, "absence", external_id, payload, now=now)
        configs = FlowConfigRepository(session)
        schedule = {"default_schedule": "HEL"}
        configs.put(tenant_id, "hr.employee.push", enabled=True, settings=schedule, now=now)
        configs.put(tenant_id, "hr.absence.push", enabled=True, settings={}, now=now)
        # Absence reaches Fortnox from the absences above, so not from reported time too.
        configs.put(tenant_id, "payroll.absence.push", enabled=False, settings={}, now=now)

    def _time(self, session: Session, tenant_id: int) -> None:
        """Projects and a week of reported time (written as attendance transactions)."""
        now = self.clock.now()
        mirror = MirrorRepository(session)
        for external_id, payload in DEMO_PROJECTS:
            mirror.upsert(tenant_id, "project", external_id, payload, now=now)
        for external_id, payload in demo_time_entries(min(5, self.employee_count)):
            mirror.upsert(tenant_id, "time_entry", external_id, payload, now=now)
        # The sandbox company has other projects: the bridge creates the demo's there first.
        create = {"missing_project": "create"}
        FlowConfigRepository(session).put(
            tenant_id, "payroll.attendance.push", enabled=True, settings=create, now=now
        )

    async def _cycle(
        self,
        runner: Runner,
        sandbox: SandboxLink,
        info: dict[str, Any],
        *,
        show_progress: bool,
    ) -> RunSummary:
        tokens = await sandbox.control.issue_tokens(info["sandbox_tenant_id"], DEMO_SCOPES)
        # A standalone sandbox enforces Fortnox's rate limit, as Fortnox does: keep to it.
        limiter = None
        if sandbox.transport is None:
            limiter = SlidingWindowLimiter(RateLimit.parse(self.settings.rate_limit))
        async with FortnoxClient(
            access_token=tokens["access_token"],
            api_url=sandbox.api_url,
            transport=sandbox.transport,
            limiter=limiter,
            limiter_key=f"demo:{info['sandbox_tenant_id']}",
        ) as client:
            if not show_progress:
                return await runner.run_cycle(info["tenant_id"], client)
            columns = (TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn())
            with Progress(*columns, console=self.console) as progress:
                tasks: dict[str, TaskID] = {}

                def report(flow: str, done: int, total: int) -> None:
                    if flow not in tasks:
                        tasks[flow] = progress.add_task(flow, total=total)
                    progress.update(tasks[flow], completed=done)

                return await runner.run_cycle(info["tenant_id"], client, progress=report)

    def _print_summary(self, summary: RunSummary) -> None:
        table = Table(title="Sync cycle")
        for column in ("flow", "created", "updated", "unchanged", "failed", "requests"):
            table.add_column(column, justify="left" if column == "flow" else "right")
        for result in summary.flows:
            table.add_row(
                result.flow,
                *(str(getattr(result, c)) for c in ("created", "updated", "unchanged", "failed")),
                str(result.requests),
            )
        self.console.print(table)
        self.console.print(
            f"Totals: created={summary.total('created')} updated={summary.total('updated')} "
            f"unchanged={summary.total('unchanged')} failed={summary.total('failed')} "
            f"requests={summary.requests}"
        )
        for result in summary.flows:
            for failure in result.failures:
                self.console.print(
                    f"[red]{result.flow} {failure.external_id}: "
                    f"{failure.code or ''} {failure.message}[/]"
                )

    def _print_info(self, info: dict[str, Any]) -> None:
        shown = {key: value for key, value in info.items() if key != "last_run"}
        self.console.print(f"Written to {self.demo_file}:")
        self.console.print_json(json.dumps(shown))
        self.console.print(
            f"Admin UI: {info['admin_url']} — sign in as [bold]{info['admin_email']}[/] with "
            f"password [bold]{info['admin_password']}[/] (while the bridge serves; not with "
            "--once)."
        )

    def _read_info(self) -> dict[str, Any]:
        if not self.demo_file.exists():
            return {}
        try:
            data = json.loads(self.demo_file.read_text(encoding="utf-8"))
        except json.JSONDecodeError:
            self.console.print(f"[yellow]{self.demo_file} is not valid JSON; writing a new one.[/]")
            return {}
        return data if isinstance(data, dict) else {}

    def _write_info(self, info: dict[str, Any]) -> None:
        tmp = self.demo_file.with_suffix(".tmp")
        tmp.unlink(missing_ok=True)
        private_file(tmp)  # it holds an API key and a password: 0600 before anything is in it
        tmp.write_text(json.dumps(info, indent=2), encoding="utf-8")
        tmp.replace(self.demo_file)
