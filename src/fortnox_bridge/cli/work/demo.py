"""``fortnox-bridge demo``: the whole bridge on embedded defaults, with demo data.

One cycle pushes the demo tenant's employees and absences into a sandbox company, reads its two
financial years' ledger with the documents behind the vouchers, and prints what happened.
Without ``--once`` the command then hands the data directory to ``serve``'s engine (API,
scheduler, event-driven pushes, webhook deliveries) until Ctrl-C.
Re-running on the same data directory reuses the tenant, its API key and the sandbox company.
"""

from __future__ import annotations

import asyncio
import json
from pathlib import Path
from typing import Any

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TaskID, TextColumn
from rich.table import Table

from fortnox_bridge.cli.errors import EXIT_ITEMS_FAILED, EXIT_OK
from fortnox_bridge.cli.work.demo_data import (
    DEMO_ABSENCE_TYPES,
    DEMO_CONSTRUCTION,
    DEMO_PROJECTS,
    demo_absences,
    demo_employees,
    demo_time_entries,
)
from fortnox_bridge.cli.work.demo_ledger import demo_ledger
from fortnox_bridge.cli.work.demo_service import (
    DEMO_SERVICE_SETTINGS,
    INVOICED_PULL,
    OFFICE_INVOICES,
    demo_service,
)
from fortnox_bridge.cli.work.runtime import check_port_free, reported, settings
from fortnox_bridge.cli.work.serve import serve_until_stopped
from fortnox_bridge.clock import Clock, SystemClock
from fortnox_bridge.config import Settings
from fortnox_bridge.engine.flow.results import RunSummary
from fortnox_bridge.engine.sync.runner import Runner
from fortnox_bridge.engine.sync.scopes import needed_scopes
from fortnox_bridge.files import private_dir, private_file
from fortnox_bridge.fortnox import FortnoxClient
from fortnox_bridge.fortnox.ratelimit import RateLimit, SlidingWindowLimiter
from fortnox_bridge.runtime.stack import SandboxLink, Store, open_store, sandbox_link
from fortnox_bridge.services.demo import DemoData, DemoPlan, Passwords
from fortnox_bridge.services.errors import NotFound
from fortnox_bridge.services.passwords import hash_password, verify_password
from fortnox_bridge.services.root import Services

DEMO_TENANT = "Demo AB"
#: The admin user the demo creates for the web UI (its password is made once, kept in demo.json).
DEMO_ADMIN = "admin@demo-ab.se"
DEMO_SCOPES = list(needed_scopes())
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
                info = await self._prepare(store, sandbox)
                runner = Runner(store.sessions, clock=self.clock, documents=store.documents)
                summary = await self._cycle(
                    runner, sandbox, info, show_progress=True, services=store.services
                )
                self._print_summary(summary)
                ledger = store.services.demo.ledger_counts(info["tenant_id"])
                self.console.print(
                    f"Ledger: {ledger.years} financial years, {ledger.vouchers} vouchers, "
                    f"{ledger.documents} documents"
                )
                info["ledger"] = {
                    "years": ledger.years,
                    "vouchers": ledger.vouchers,
                    "documents": ledger.documents,
                }
                info["service"] = self._print_service(store, info["tenant_id"])
                info["last_run"] = summary.to_dict()
                self._write_info(info)
                self._print_info(info)
                return EXIT_ITEMS_FAILED if summary.total("failed") else EXIT_OK

    async def _prepare(self, store: Store, sandbox: SandboxLink) -> dict[str, Any]:
        previous = self._read_info()
        known_key, known_password = previous.get("api_key"), previous.get("admin_password")
        plan = DemoPlan(
            tenant=DEMO_TENANT,
            data=self._data,
            admin_email=DEMO_ADMIN,
            admin_name="Demo Admin",
            company_name=f"{DEMO_TENANT} (sandbox)",
            company_seed="demo",
            known_key=known_key if isinstance(known_key, str) else None,
            known_password=known_password if isinstance(known_password, str) else None,
            ledger=lambda: demo_ledger(self.clock.now().date()),
        )
        passwords = Passwords(hash=hash_password, verify=verify_password)
        setup = await store.services.demo.prepare(plan, sandbox.control, passwords)
        if setup.created:
            self.console.print(
                f"Created tenant [bold]{DEMO_TENANT}[/] with {self.employee_count} employees, "
                "their absences, a week of reported time and three construction projects with "
                "their orders, customers, suppliers and a supplier invoice, and a field-service "
                "company's customers, articles, prices, service objects and orders; its Fortnox "
                "company has two financial years of vouchers with their documents."
            )
        if setup.lost_company is not None:
            self.console.print(
                f"[yellow]Sandbox company {setup.lost_company} is gone; "
                f"connecting a new one and forgetting {setup.forgotten_links} links.[/]"
            )
        return {
            "tenant_id": setup.tenant_id,
            "api_key": setup.api_key,
            "admin_url": f"http://{self.settings.host}:{self.settings.port}/ui/",
            "admin_email": DEMO_ADMIN,
            "admin_password": setup.admin_password,
            "api_url": f"http://{self.settings.host}:{self.settings.port}/api/v1",
            "sandbox_tenant_id": setup.fortnox_tenant_id,
            "sandbox_url": sandbox.url_for_humans,
            "database_url": self.settings.effective_database_url,
        }

    def _data(self) -> DemoData:
        """The new demo tenant's records: employees, absence types and absences, projects and a
        week of reported time (written as attendance transactions), and a building contractor's
        construction projects with their orders, customers, suppliers and a supplier invoice;
        a field-service company's customers, articles, prices, service objects and orders;
        its families (all five: the ledger family reads the company's two financial years) and
        flows: absences on, with a working-time schedule for the
        employees the bridge creates (else Fortnox gives them 0 hours); of the projects family
        besides its base flows, work and change orders, the supplier export and the supplier
        invoice export; the service family's settings (``demo_service.py``)."""
        records = [("employee", key, value) for key, value in demo_employees(self.employee_count)]
        records += [("absence_type", key, value) for key, value in DEMO_ABSENCE_TYPES]
        employees = {f"emp-{number:04d}" for number in range(1, self.employee_count + 1)}
        records += [
            ("absence", key, value)
            for key, value in demo_absences()
            if value["employee"] in employees
        ]
        records += [("project", key, value) for key, value in DEMO_PROJECTS]
        time = demo_time_entries(min(5, self.employee_count))
        records += [("time_entry", key, value) for key, value in time]
        flows: list[tuple[str, bool, dict[str, Any]]] = [
            ("hr.employee.push", True, {"default_schedule": "HEL"}),
            ("hr.absence.push", True, {}),
            # Absence reaches Fortnox from the absences above, so not from reported time too.
            ("payroll.absence.push", False, {}),
            # The sandbox company has other projects: the bridge creates the demo's there first.
            ("payroll.attendance.push", True, {"missing_project": "create"}),
            # A completed project stays open for late invoices for a month.
            ("projects.construction_project.push", True, {"completion_delay_days": 30}),
            ("projects.work_order.push", True, {}),
            ("projects.change_order.push", True, {}),
            ("projects.project_supplier.push", True, {}),
            ("projects.supplier_invoice.push", True, {}),
            # The company's bookkeeping is the ledger family's to read: the projects family's
            # voucher import looks once at each voucher not on a project, not at every sweep.
            ("projects.voucher.pull", True, {"pending_per_sweep": 0}),
        ]
        records += list(DEMO_CONSTRUCTION)
        records += demo_service()
        # The service family's one settings form is stored on its order push.
        flows.append(("service.service_order.push", True, DEMO_SERVICE_SETTINGS))
        families = ("hr", "payroll", "projects", "ledger", "service")
        return DemoData(records, flows, families=families)

    async def _cycle(
        self,
        runner: Runner,
        sandbox: SandboxLink,
        info: dict[str, Any],
        *,
        show_progress: bool,
        services: Services | None = None,
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
                summary = await runner.run_cycle(info["tenant_id"], client)
            else:
                columns = (TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn())
                with Progress(*columns, console=self.console) as progress:
                    tasks: dict[str, TaskID] = {}

                    def report(flow: str, done: int, total: int) -> None:
                        if flow not in tasks:
                            tasks[flow] = progress.add_task(flow, total=total)
                        progress.update(tasks[flow], completed=done)

                    summary = await runner.run_cycle(info["tenant_id"], client, progress=report)
            if services is not None:
                await self._office(services, runner, client, info["tenant_id"])
            return summary

    async def _office(
        self, services: Services, runner: Runner, client: FortnoxClient, tenant_id: int
    ) -> None:
        """What the demo company's office does in Fortnox after the sync: it invoices the
        service order the bridge sent as an order, once; the invoiced-status pull then reads
        the invoice back onto the host order."""
        try:
            order = services.service_family.order(tenant_id, OFFICE_INVOICES)
        except NotFound:
            return
        if order.fortnox_reference is None or order.invoiced:
            return
        fortnox = await client.orders.get(order.fortnox_reference)
        if not fortnox.invoice_reference or str(fortnox.invoice_reference) == "0":
            await client.orders.create_invoice(order.fortnox_reference)
        await runner.run_cycle(tenant_id, client, only=[INVOICED_PULL])

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

    def _print_service(self, store: Store, tenant_id: int) -> dict[str, int]:
        """The service family's line: orders sent (as orders, as invoices), articles, prices."""
        counts = store.services.service_family.counts(tenant_id)
        self.console.print(
            f"Service: {counts.sent} orders sent ({counts.orders} orders, {counts.invoices} "
            f"invoice{'' if counts.invoices == 1 else 's'}), {counts.articles} articles, "
            f"{counts.prices} prices"
        )
        return {
            "orders_sent": counts.sent,
            "orders": counts.orders,
            "invoices": counts.invoices,
            "articles": counts.articles,
            "prices": counts.prices,
        }

    def _print_info(self, info: dict[str, Any]) -> None:
        shown = {
            key: value
            for key, value in info.items()
            if key not in ("last_run", "ledger", "service")
        }
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
