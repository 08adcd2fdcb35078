"""``fortnox-bridge demo``: the whole bridge on embedded defaults, with demo data.

One cycle pushes the demo tenant's employees and absences into a sandbox company and prints what
happened. Without ``--once`` the command then hands the data directory to ``serve``'s engine
(API, scheduler, event-driven pushes, webhook deliveries) until Ctrl-C.
Re-running on the same data directory reuses the tenant, its API key and the sandbox company.
"""

from __future__ import annotations

import contextlib
import json
import secrets
import socket
import unicodedata
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import date
from typing import Any

import httpx
from faker import Faker
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TaskID, TextColumn
from rich.table import Table
from sqlalchemy.orm import Session, sessionmaker

from fortnox_bridge.clock import Clock, SystemClock
from fortnox_bridge.config import Settings
from fortnox_bridge.engine.flow.results import RunSummary
from fortnox_bridge.engine.sync.runner import Runner
from fortnox_bridge.files import private_dir, private_file
from fortnox_bridge.flows.hr.records import HostEmployee
from fortnox_bridge.fortnox import FortnoxClient
from fortnox_bridge.fortnox.ratelimit import RateLimit, SlidingWindowLimiter
from fortnox_bridge.sandbox import SandboxState, create_app
from fortnox_bridge.sandbox.control_client import SandboxControl
from fortnox_bridge.sandbox.transport import SandboxTransport
from fortnox_bridge.store.db import migrate, open_engine, session_factory
from fortnox_bridge.store.flow_configs import FlowConfigRepository
from fortnox_bridge.store.links import LinkRepository
from fortnox_bridge.store.mirror import MirrorRepository
from fortnox_bridge.store.tenants import TenantRepository
from fortnox_bridge.store.users import AdminUserRepository
from fortnox_bridge.web.passwords import hash_password, verify_password

DEMO_TENANT = "Demo AB"
#: The admin user the demo creates for the web UI (its password is made once, kept in demo.json).
DEMO_ADMIN = "admin@demo-ab.se"
DEMO_SCOPES = ["salary", "companyinformation", "project", "costcenter"]
DEMO_FILE = "demo.json"
SANDBOX_FILE = "sandbox.sqlite"
IN_PROCESS_URL = "http://sandbox.in-process"
FAKER_SEED = 2026

EXIT_OK, EXIT_ITEMS_FAILED, EXIT_FATAL = 0, 1, 2


class DemoError(Exception):
    """The demo cannot go on; the message says why and what to do."""


@dataclass
class SandboxLink:
    """How the demo reaches its sandbox: control client, API base URL, optional transport."""

    control: SandboxControl
    api_url: str
    transport: httpx.AsyncBaseTransport | None
    url_for_humans: str | None
    #: The in-process sandbox's ASGI app (``serve`` shows its consent page); ``None``: standalone.
    app: Any = None


def demo_employees(count: int, *, seed: int = FAKER_SEED) -> list[tuple[str, dict[str, Any]]]:
    """``count`` Swedish-looking employees as ``(external_id, payload)``; the same every time."""
    fake = Faker("sv_SE")
    fake.seed_instance(seed)
    employees = []
    phones: set[str] = set()
    for number in range(1, count + 1):
        given, family = fake.first_name(), fake.last_name()
        local = _ascii(f"{given}.{family}").lower().replace(" ", "")
        phone = f"070-{fake.numerify('### ## ##')}"
        while phone in phones:  # phone numbers are unique: draw again (from 5,000 employees on)
            phone = f"070-{fake.numerify('### ## ##')}"
        phones.add(phone)
        record = HostEmployee(
            email=f"{local}.{number}@demo-ab.se",
            given_name=given,
            family_name=family,
            phone=phone,
            address_line1=fake.street_address(),
            postal_code=fake.postcode(),
            city=fake.city(),
            country="Sverige",
            employment_start=fake.date_between(date(2015, 1, 1), date(2025, 12, 31)),
        )
        employees.append((f"emp-{number:04d}", record.model_dump(mode="json", exclude_none=True)))
    return employees


#: The demo company's absence types: ``(host id, payload)``; their cause codes come from the
#: defaults (sick leave and self-certification → SJK, vacation → SEM, ...).
DEMO_ABSENCE_TYPES: tuple[tuple[str, dict[str, Any]], ...] = (
    ("sick", {"code": "sick", "name": "Sick leave"}),
    ("self-cert", {"code": "self-cert", "name": "Self-certified sick leave"}),
    ("vacation", {"code": "vacation", "name": "Vacation"}),
    ("vab", {"code": "vab", "name": "Care of sick child"}),
    ("parental", {"code": "parental", "name": "Parental leave"}),
    ("course", {"code": "course", "name": "Course", "counts_as_work_days": False}),
)


#: The demo company's projects: ``(host id, payload)``; time on them is working time (TID).
DEMO_PROJECTS: tuple[tuple[str, dict[str, Any]], ...] = (
    ("proj-villa", {"number": "1001", "name": "Villa Ekbacken", "paxml_code": "TID"}),
    ("proj-school", {"number": "1002", "name": "Skolan Norra", "paxml_code": "TID"}),
    ("proj-bridge", {"number": "1003", "name": "Bron Älvsbacka", "paxml_code": "TID"}),
)
#: The week of reported time in the demo, Monday to Friday.
DEMO_WEEK = ("2026-03-23", "2026-03-24", "2026-03-25", "2026-03-26", "2026-03-27")


def demo_time_entries(employees: int = 5) -> list[tuple[str, dict[str, Any]]]:
    """A week of reported time of the first demo employees, as ``(external_id, payload)``:
    8 hours a day on a project (two entries on Mondays, added up by the bridge) and overtime
    (PAXml ÖT1, Fortnox OT1) on Thursday for the first employee. Absence comes from the demo's
    absences (``hr.absence.push``), so it is not reported here."""
    projects = [host_id for host_id, _ in DEMO_PROJECTS]
    entries: list[tuple[str, dict[str, Any]]] = []
    for number in range(1, employees + 1):
        employee = f"emp-{number:04d}"
        for index, day in enumerate(DEMO_WEEK):
            work = {"employee": employee, "date": day, "project": projects[(number + index) % 3]}
            key = f"te-{number:04d}-{day}"
            if index == 0:
                entries.append((key + "-am", {**work, "hours": "4.5"}))
                entries.append((key + "-pm", {**work, "hours": "3.5"}))
            else:
                entries.append((key, {**work, "hours": "8"}))
            if number == 1 and index == 3:
                entries.append((key + "-ot", {**work, "hours": "2", "paxml_code": "ÖT1"}))
    return entries


def demo_absences() -> list[tuple[str, dict[str, Any]]]:
    """Absences of the first demo employees, as ``(external_id, payload)``: approved ones with
    an end date (written to Fortnox, one transaction per working day) and a few that are not
    sent (requested, open-ended, a type that does not count as work days)."""
    rows = (
        ("emp-0001", "sick", "2026-03-02", "2026-03-04", "approved", 100),
        ("emp-0002", "vacation", "2026-03-09", "2026-03-15", "approved", 100),
        ("emp-0003", "vab", "2026-03-03", "2026-03-03", "approved", 100),
        ("emp-0004", "parental", "2026-03-16", "2026-03-27", "approved", 50),
        ("emp-0005", "self-cert", "2026-03-05", "2026-03-06", "approved", 100),
        ("emp-0006", "vacation", "2026-07-06", "2026-07-24", "requested", 100),
        ("emp-0007", "sick", "2026-03-10", None, "approved", 100),
        ("emp-0008", "course", "2026-03-11", "2026-03-12", "approved", 100),
    )
    return [
        (
            f"abs-{number:04d}",
            {
                "employee": employee,
                "absence_type": kind,
                "start": start,
                "end": end,
                "status": status,
                "extent": extent,
            },
        )
        for number, (employee, kind, start, end, status, extent) in enumerate(rows, start=1)
    ]


def _ascii(text: str) -> str:
    return unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()


@contextlib.asynccontextmanager
async def sandbox_link(settings: Settings) -> AsyncIterator[SandboxLink]:
    """The standalone sandbox at ``settings.sandbox_url``, or an in-process one whose state is
    kept in ``<data_dir>/sandbox.sqlite`` (written through after every change)."""
    if settings.sandbox_url:
        url = settings.sandbox_url.rstrip("/")
        async with SandboxControl(url) as control:
            yield SandboxLink(control, url, None, url)
        return
    state_file = settings.data_dir / SANDBOX_FILE
    try:
        state = SandboxState(data_path=state_file)
    except ValueError as exc:
        raise DemoError(f"cannot use the sandbox state {state_file}: {exc}") from None
    app = create_app(state)
    transport = SandboxTransport(app)
    try:
        async with SandboxControl(IN_PROCESS_URL, transport=transport) as control:
            yield SandboxLink(control, IN_PROCESS_URL, transport, None, app)
    finally:
        state.close()


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
        engine = open_engine(self.settings.effective_database_url)
        try:
            migrate(engine)
            sessions = session_factory(engine)
            async with sandbox_link(self.settings) as sandbox:
                info = await self._prepare(sessions, sandbox)
                runner = Runner(sessions, clock=self.clock)
                summary = await self._cycle(runner, sandbox, info, show_progress=True)
                self._print_summary(summary)
                info["last_run"] = summary.to_dict()
                self._write_info(info)
                self._print_info(info)
                return EXIT_ITEMS_FAILED if summary.total("failed") else EXIT_OK
        finally:
            engine.dispose()

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


def check_port_free(host: str, port: int) -> None:
    """Raise :class:`DemoError` with a clear message if ``host:port`` is taken."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((host, port))
        except OSError as exc:
            raise DemoError(
                f"cannot listen on {host}:{port} ({exc.strerror}); stop what uses it "
                "or choose another port with --port"
            ) from None
