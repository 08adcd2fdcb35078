"""Employees' new fields in Fortnox, and Fortnox refusals e-mailed to the tenant's recipients and
the employee's manager, against the sandbox and a real local SMTP server, on SQLite and
PostgreSQL."""

from __future__ import annotations

import json
from datetime import date

import httpx
from sqlalchemy.orm import Session, sessionmaker

from fortnox_bridge.clock import ManualClock
from fortnox_bridge.engine.outbox.notify import Notifier, SmtpMailer
from fortnox_bridge.engine.sync.runner import Runner
from fortnox_bridge.flows.hr.absence_push import AbsencePush
from fortnox_bridge.flows.hr.employee_push import EmployeePush
from fortnox_bridge.fortnox import FortnoxClient
from fortnox_bridge.sandbox.control_client import SandboxControl
from fortnox_bridge.sandbox.transport import SandboxTransport
from fortnox_bridge.store.change_operations import ChangeOperationRepository, NewOperation
from fortnox_bridge.store.events import EventRepository
from fortnox_bridge.store.flow_configs import FlowConfigRepository
from fortnox_bridge.store.links import LinkRepository
from fortnox_bridge.store.mirror import MirrorRepository
from fortnox_bridge.store.notifications import NotificationRepository
from fortnox_bridge.store.tenants import TenantRepository

from .conftest import ENGINE_SCOPES, SANDBOX_URL, Inbox, Put, employee

RECIPIENTS = ["lon@engine.se"]


def enable(sessions: sessionmaker[Session], tenant: int, clock: ManualClock) -> None:
    with sessions.begin() as session:
        configs = FlowConfigRepository(session)
        settings = {"default_schedule": "HEL"}
        configs.put(tenant, "hr.employee.push", enabled=True, settings=settings, now=clock.now())
        configs.put(tenant, "hr.absence.push", enabled=True, settings={}, now=clock.now())
        found = TenantRepository(session).get(tenant)
        assert found is not None
        found.notify_emails = RECIPIENTS


async def test_new_employee_fields_reach_fortnox_and_the_employment_id_only_on_create(
    sessions: sessionmaker[Session],
    clock: ManualClock,
    tenant: int,
    engine_client: FortnoxClient,
    put: Put,
) -> None:
    enable(sessions, tenant, clock)
    runner = Runner(sessions, clock=clock, flows=[EmployeePush])
    full = employee(
        1,
        employment_id="A-17",
        personal_identity_number="198803200016",
        bank_clearing_number="84244",
        bank_account_number="9831892246",
    )
    put("employee", "e001", full)
    put("employee", "e002", employee(2))  # no employment id: Fortnox assigns one
    first = await runner.run_cycle(tenant, engine_client)
    assert first.total("created") == 2
    karin = await engine_client.employees.get("A-17")
    assert (
        karin.personal_identity_number,
        karin.clearing_no,
        karin.bank_account_no,
        karin.schedule_id,
    ) == ("19880320-0016", "84244", "9831892246", "HEL")
    with sessions.begin() as session:
        links = LinkRepository(session).by_external_id(tenant, "employee")
        assert links["e001"].fortnox_id == "A-17"
        assigned = links["e002"].fortnox_id
    assert (await engine_client.employees.get(assigned)).email == "person2@example.se"
    # The host changes the employment id and the city: only the city is sent (the id is
    # Fortnox's after the create; Fortnox refuses to change it).
    put("employee", "e001", {**full, "employment_id": "B-99", "city": "Luleå"})
    changed = await runner.run_cycle(tenant, engine_client)
    assert (changed.total("updated"), changed.total("failed"), changed.requests) == (1, 0, 1)
    assert (await engine_client.employees.get("A-17")).city == "Luleå"
    put("employee", "e001", {**full, "employment_id": "B-99", "city": "Luleå", "phone": "070-1"})
    again = await runner.run_cycle(tenant, engine_client)
    assert (again.total("updated"), again.total("failed")) == (1, 0)


class RefuseAbsences(httpx.AsyncBaseTransport):
    """Fortnox refuses every new absence transaction (as it does, e.g., for a payroll period
    already calculated); everything else goes to the sandbox."""

    def __init__(self, inner: httpx.AsyncBaseTransport) -> None:
        self.inner = inner

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        if request.method == "POST" and request.url.path == "/3/absencetransactions":
            body = {
                "ErrorInformation": {
                    "error": 1,
                    "message": "Frånvaron kunde inte sparas.",
                    "code": 2000588,
                }
            }
            return httpx.Response(400, content=json.dumps(body).encode(), request=request)
        return await self.inner.handle_async_request(request)


async def test_refusals_are_problems_with_the_employee_as_reference_emailed_to_the_manager(
    sessions: sessionmaker[Session],
    clock: ManualClock,
    tenant: int,
    control: SandboxControl,
    company: int,
    faulty_transport: SandboxTransport,
    put: Put,
    smtp: tuple[Inbox, int],
) -> None:
    inbox, port = smtp
    enable(sessions, tenant, clock)
    put("employee", "boss", employee(9, given_name="Chefen"))
    put("employee", "e001", employee(1, manager="boss"))
    # Stored by an older host version without a family name: Fortnox refuses the employee.
    put("employee", "e002", {"email": "utan@example.se", "given_name": "Utan", "manager": "boss"})
    put("employee", "e003", employee(3))  # no manager: only the tenant's recipients hear
    put("absence_type", "sick", {"code": "sick", "name": "Sick leave"})
    for number, who in ((1, "e001"), (3, "e003")):
        put(
            "absence",
            f"a{number}",
            {
                "employee": who,
                "absence_type": "sick",
                "start": date(2026, 1, 5).isoformat(),
                "end": date(2026, 1, 6).isoformat(),
                "status": "approved",
            },
        )
    issued = await control.issue_tokens(company, ENGINE_SCOPES)
    client = FortnoxClient(
        access_token=issued["access_token"],
        api_url=SANDBOX_URL,
        transport=RefuseAbsences(faulty_transport),
    )
    runner = Runner(sessions, clock=clock, flows=[EmployeePush, AbsencePush])
    summary = await runner.run_cycle(tenant, client)
    await client.aclose()
    failures = {i.external_id: i for r in summary.flows for i in r.failures}
    assert sorted(failures) == ["a1", "a3", "e002"]
    assert failures["a1"].reference.startswith("employee e001 (person1@example.se): absence a1")
    assert failures["a1"].code == 2000588
    assert "2026-01-05, 2026-01-06" in failures["a1"].message
    assert failures["e002"].reference == "employee e002 (utan@example.se)"

    notifier = Notifier(sessions, SmtpMailer("127.0.0.1", port), clock, sender="bridge@engine.se")
    assert await notifier.problems_opened(tenant, summary.new_problems)
    by_recipient = {tuple(rcpt): message for rcpt, message in inbox.messages}
    assert set(by_recipient) == {tuple(RECIPIENTS), ("person9@example.se",)}
    everyone = Inbox.text(by_recipient[tuple(RECIPIENTS)])
    for reference in ("absence a1", "absence a3", "employee e002 (utan@example.se)"):
        assert reference in everyone
    manager = Inbox.text(by_recipient[("person9@example.se",)])
    assert "employee e001 (person1@example.se): absence a1" in manager
    assert "employee e002 (utan@example.se)" in manager
    assert "absence a3" not in manager  # e003 has no manager: not the boss's business
    assert "2000588" in manager
    with sessions.begin() as session:
        logged = NotificationRepository(session).last(tenant, "problem")
        assert logged is not None
        assert logged.status == "sent"


async def test_a_name_fortnox_refuses_meets_the_sandboxs_refusal(
    sessions: sessionmaker[Session],
    clock: ManualClock,
    tenant: int,
    engine_client: FortnoxClient,
    put: Put,
) -> None:
    enable(sessions, tenant, clock)
    put("employee", "e001", employee(1))
    # Stored before the bridge checked Fortnox's characters at the edge: Fortnox refuses it.
    put("employee", "e002", employee(2, given_name="Kalle 😀"))
    summary = await Runner(sessions, clock=clock, flows=[EmployeePush]).run_cycle(
        tenant, engine_client
    )
    failures = {i.external_id: i for r in summary.flows for i in r.failures}
    assert sorted(failures) == ["e002"]
    assert failures["e002"].code == 2000359
    assert "FirstName" in failures["e002"].message
    with sessions.begin() as session:
        links = LinkRepository(session)
        assert links.get(tenant, "employee", "e001") is not None
        assert links.get(tenant, "employee", "e002") is None


async def test_the_employee_id_fortnox_assigns_goes_back_to_the_host_on_every_push(
    sessions: sessionmaker[Session],
    clock: ManualClock,
    tenant: int,
    engine_client: FortnoxClient,
    put: Put,
) -> None:
    enable(sessions, tenant, clock)
    runner = Runner(sessions, clock=clock, flows=[EmployeePush])
    put("employee", "e001", employee(1, employment_id="A-17"))  # kept by Fortnox as sent
    put("employee", "e002", employee(2))  # none: Fortnox assigns the next number
    with sessions.begin() as session:
        ChangeOperationRepository(session).add_many(
            tenant, [NewOperation("employee", "e002", "upsert", 1, first=True)], now=clock.now()
        )
    first = await runner.run_cycle(tenant, engine_client)
    assert first.total("created") == 2
    with sessions.begin() as session:
        links = LinkRepository(session).by_external_id(tenant, "employee")
        assigned = links["e002"].fortnox_id
        rows = MirrorRepository(session).rows(tenant, "employee", ["e001", "e002"])
        assert rows["e002"].payload["employment_id"] == assigned
        assert (rows["e002"].version, rows["e002"].origin) == (2, "fortnox")
        assert rows["e001"].version == 1  # nothing to give back
        assert links["e002"].synced_version == 2  # in step: nothing more to send
        events = [
            (e.type, e.external_id, e.data["changed"])
            for e in EventRepository(session).after(tenant, 0, limit=10)
            if e.type.startswith("record.")
        ]
        (op,) = ChangeOperationRepository(session).page(tenant, limit=1)
        assert (op.status, op.fortnox_id) == ("succeeded", assigned)
    assert events == [("record.changed", "e002", {"employment_id": assigned})]
    again = await runner.run_cycle(tenant, engine_client)
    assert (again.requests, again.total("updated")) == (0, 0)
