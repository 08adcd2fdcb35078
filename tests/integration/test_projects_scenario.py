"""The projects family end to end against the in-process sandbox (SQLite and PostgreSQL): a
tenant that chose the family, every flow of it on, sends its projects, work orders, change
orders, customers, suppliers, supplier invoices and customer invoices (with their PDFs) through
the host API; Fortnox has cost centres, accounts, projects and vouchers of its own. After one
sweep Fortnox and the bridge hold exactly the hand-written expectation of
``projects_scenario_data`` and ``projects_scenario_ledger``, every failing record is an open
problem named in the problem e-mail (received by a real local SMTP server), and a second sweep
with nothing changed writes nothing at all. Then two vouchers are changed in Fortnox's
UI, and the next sweep imports what changed.

Each register is a :class:`Register`: its flows and settings, what it seeds in Fortnox, the
host records it sends, how its Fortnox records are read back and what they must be, and the
bridge links, records and problems it expects.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

import httpx
import pytest
from sqlalchemy.orm import Session, sessionmaker

from fortnox_bridge.clock import ManualClock
from fortnox_bridge.config import Settings
from fortnox_bridge.engine.flow.results import RunSummary
from fortnox_bridge.fortnox import FortnoxClient
from fortnox_bridge.sandbox import SandboxState
from fortnox_bridge.sandbox.control_client import SandboxControl
from fortnox_bridge.sandbox.transport import SandboxTransport
from fortnox_bridge.store.flow_configs import FlowConfigRepository
from fortnox_bridge.store.links import LinkRepository
from fortnox_bridge.store.mirror import MirrorRepository
from fortnox_bridge.store.problems import ProblemRepository
from fortnox_bridge.store.tenants import TenantRepository
from integration import projects_scenario_data as data
from integration import projects_scenario_ledger as ledger
from integration.bridge_api import api_app
from integration.families import use_family

from .conftest import ENGINE_SCOPES, SANDBOX_URL, Bridge, Inbox

Reader = Callable[[FortnoxClient], Awaitable[dict[Any, Any]]]
Seeder = Callable[[FortnoxClient], Awaitable[None]]

#: The writes Fortnox refuses in the first sweep: not sent again by the second.
REFUSED = {(data.INVOICES, "si12"), (ledger.CUSTOMER_INVOICES, "ci15")}


async def _nothing(client: FortnoxClient) -> None:
    return None


@dataclass(frozen=True)
class Register:
    """One register of the scenario and everything expected of it."""

    name: str
    #: The flows it turns on, with their settings.
    flows: dict[str, dict[str, Any]]
    #: The host records it sends through the API: (collection, id, body).
    host: list[data.HostRecord] = field(default_factory=list)
    #: What it makes in Fortnox before the sweep.
    seed: Seeder = _nothing
    #: Reads its Fortnox records back, and what they must be (``None``: not compared).
    read: Reader | None = None
    fortnox: dict[Any, Any] | None = None
    #: The bridge's links that hold a Fortnox id: entity → host id → Fortnox id (an order's
    #: Fortnox project is the link of its part: ``work_order_project``, ``w1@project``).
    links: dict[str, dict[str, str]] = field(default_factory=dict)
    #: Records the bridge keeps of Fortnox's registers: entity → id → payload.
    records: dict[str, dict[str, Any]] = field(default_factory=dict)
    #: Open problems: (flow, host id) → the reference the problem e-mail names them by.
    problems: dict[tuple[str, str], str] = field(default_factory=dict)
    #: Records held back without a problem: (flow, host id) → why, as the run log says.
    held: dict[tuple[str, str], str] = field(default_factory=dict)
    #: The run's counts per flow: (created, updated, imported, skipped, failed).
    counts: dict[str, tuple[int, int, int, int, int]] = field(default_factory=dict)


# -- reading Fortnox back ------------------------------------------------------------------------


async def read_projects(client: FortnoxClient) -> dict[str, tuple[Any, ...]]:
    found = {}
    async for row in client.projects.iterate():
        project = await client.projects.get(str(row.project_number))
        found[str(project.project_number)] = (
            project.description,
            project.status,
            str(project.start_date) if project.start_date else None,
            str(project.end_date) if project.end_date else None,
            project.project_leader or None,
        )
    return found


async def read_customers(client: FortnoxClient) -> dict[str, tuple[Any, ...]]:
    found = {}
    async for row in client.customers.iterate():
        c = await client.customers.get(str(row.customer_number))
        found[str(c.customer_number)] = (
            c.name, c.zip_code, c.city, c.email, c.type, c.vat_type, c.country_code, c.active
        )  # fmt: skip
    return found


async def read_suppliers(client: FortnoxClient) -> dict[str, tuple[Any, ...]]:
    found = {}
    async for row in client.suppliers.iterate():
        s = await client.suppliers.get(str(row.supplier_number))
        found[str(s.supplier_number)] = (s.name, s.city, s.bg, s.organisation_number, s.active)
    return found


async def read_supplier_invoices(client: FortnoxClient) -> dict[tuple[str, str], tuple[Any, ...]]:
    found = {}
    async for row in client.supplier_invoices.iterate():
        i = await client.supplier_invoices.get(str(row.given_number))
        rows = [(r.account, r.code or "", r.debit, r.credit, r.project or "", r.cost_center or "")
                for r in i.supplier_invoice_rows or []]  # fmt: skip
        found[(str(i.supplier_number), str(i.invoice_number))] = (
            Decimal(str(i.total)), Decimal(str(i.vat)), i.project or "", i.cost_center or "", rows
        )  # fmt: skip
    return found


async def read_cost_centres(client: FortnoxClient) -> dict[str, tuple[Any, ...]]:
    return {str(c.code): (c.description, c.active) async for c in client.cost_centers.iterate()}


async def seed_cost_centres(client: FortnoxClient) -> None:
    for code, (description, active) in data.FORTNOX_COST_CENTRES.items():
        await client.cost_centers.create({"code": code, "description": description})
        if not active:
            await client.cost_centers.update(code, {"active": False})


async def seed_accounts(client: FortnoxClient) -> None:
    for number, description in data.FORTNOX_ACCOUNTS.items():
        await client.accounts.create({"number": number, "description": description})


# -- the registers -------------------------------------------------------------------------------

REGISTERS: tuple[Register, ...] = (
    Register(
        "cost centres",
        flows={data.COST_CENTRES: {}},
        seed=seed_cost_centres,
        read=read_cost_centres,
        fortnox=data.FORTNOX_COST_CENTRES,
        records={"cost_center": data.EXPECTED_COST_CENTRES},
        counts={data.COST_CENTRES: (0, 0, 4, 0, 0)},
    ),
    Register(
        "accounts",
        flows={data.ACCOUNTS: {}},
        seed=seed_accounts,
        records={
            "account": {n: {"number": int(n), "name": a} for n, a in data.EXPECTED_ACCOUNTS.items()}
        },
        counts={data.ACCOUNTS: (0, 0, 29, 0, 0)},
    ),
    Register(
        "projects",
        flows={
            data.PROJECTS: data.PROJECT_SETTINGS,
            data.WORK: data.ORDER_SETTINGS,
            data.CHANGE: data.ORDER_SETTINGS,
        },
        host=data.host_projects(),
        read=read_projects,
        fortnox=data.EXPECTED_PROJECTS | ledger.EXPECTED_FORTNOX_PROJECTS,
        links=data.EXPECTED_PROJECT_LINKS,
        problems=data.PROJECT_PROBLEMS,
        held=data.PROJECTS_HELD,
        counts={
            data.PROJECTS: (29, 0, 0, 3, 0),  # the dot and the two below 40 skipped
            data.WORK: (3, 0, 0, 2, 0),
            data.CHANGE: (4, 0, 0, 0, 0),
        },
    ),
    Register(
        "customers",
        flows={data.CUSTOMERS: {}},
        host=data.host_customers(),
        read=read_customers,
        fortnox=data.EXPECTED_CUSTOMERS,
        links=data.EXPECTED_CUSTOMER_LINKS,
        counts={data.CUSTOMERS: (20, 0, 0, 0, 0)},
    ),
    Register(
        "suppliers",
        flows={data.SUPPLIERS: {}},
        host=data.host_suppliers(),
        read=read_suppliers,
        fortnox=data.EXPECTED_SUPPLIERS,
        links=data.EXPECTED_SUPPLIER_LINKS,
        counts={data.SUPPLIERS: (10, 0, 0, 0, 0)},
    ),
    Register(
        "supplier invoices",
        flows={data.INVOICES: data.INVOICE_SETTINGS},
        host=data.host_supplier_invoices(),
        read=read_supplier_invoices,
        fortnox={
            key: (Decimal(total), Decimal(vat), project, centre, rows)
            for key, (total, vat, project, centre, rows) in data.EXPECTED_SUPPLIER_INVOICES.items()
        },
        problems=data.INVOICE_PROBLEMS,
        held=data.INVOICES_HELD,
        counts={data.INVOICES: (8, 0, 0, 3, 1)},
    ),
    Register(
        "customer invoices",
        flows={
            ledger.CUSTOMER_INVOICES: ledger.CUSTOMER_INVOICE_SETTINGS,
            ledger.CUSTOMER_PAID: {},
            ledger.SUPPLIER_PAID: {},
        },
        host=ledger.host_customer_invoices(),
        read=ledger.read_customer_invoices,
        fortnox=ledger.as_decimals(ledger.EXPECTED_CUSTOMER_INVOICES),
        problems=ledger.CUSTOMER_INVOICE_PROBLEMS,
        held=ledger.CUSTOMER_INVOICES_HELD,
        counts={
            ledger.CUSTOMER_INVOICES: (12, 0, 0, 2, 1),
            ledger.CUSTOMER_PAID: (0, 0, 0, 0, 0),  # nothing paid yet
            ledger.SUPPLIER_PAID: (0, 0, 0, 0, 0),
        },
    ),
    Register(
        "vouchers",
        flows={ledger.VOUCHERS: ledger.VOUCHER_SETTINGS},
        seed=ledger.seed_vouchers,
        records={"voucher": ledger.EXPECTED_VOUCHERS},
        held=ledger.VOUCHERS_HELD,
        counts={ledger.VOUCHERS: (0, 0, 3, 1, 0)},
    ),
)


# -- the scenario --------------------------------------------------------------------------------


@asynccontextmanager
async def fortnox(
    control: SandboxControl, company: int, transport: SandboxTransport
) -> AsyncIterator[FortnoxClient]:
    """A client of the tenant's company with fresh tokens and every scope of the family."""
    issued = await control.issue_tokens(company, ENGINE_SCOPES)
    client = FortnoxClient(
        access_token=issued["access_token"], api_url=SANDBOX_URL, transport=transport
    )
    try:
        yield client
    finally:
        await client.aclose()


@pytest.fixture
async def api(
    bridge: Bridge, sessions: sessionmaker[Session], clock: ManualClock
) -> AsyncIterator[httpx.AsyncClient]:
    """The host API (bodies up to 20 MB: a PDF of 6 MB) of the connected tenant, which chose the
    projects family, every register's flows on, failures e-mailed after every sweep."""
    await bridge.connect()
    with sessions.begin() as session:
        use_family(session, bridge.tenant)
        tenants = TenantRepository(session)
        tenant = tenants.get(bridge.tenant)
        assert tenant is not None
        tenant.problem_mail = "remind"
        key = tenants.issue_api_key(tenant, label="scenario", now=clock.now())
        for register in REGISTERS:
            for flow, settings in register.flows.items():
                FlowConfigRepository(session).put(
                    bridge.tenant, flow, enabled=True, settings=settings, now=clock.now()
                )
    async with httpx.AsyncClient(
        base_url="http://bridge.test",
        transport=httpx.ASGITransport(
            app=api_app(sessions, clock=clock, settings=Settings(api_max_body_bytes=20_000_000))
        ),
        headers={"Authorization": f"Bearer {key}"},
    ) as http:
        yield http


async def read_fortnox(client: FortnoxClient) -> dict[str, dict[Any, Any]]:
    """Every register's Fortnox records, read back through the API."""
    return {r.name: await r.read(client) for r in REGISTERS if r.read is not None}


def bridge_state(sessions: sessionmaker[Session], tenant: int) -> dict[str, Any]:
    """The bridge's links, records of Fortnox's registers, and open problems."""
    with sessions.begin() as session:
        links, mirror = LinkRepository(session), MirrorRepository(session)
        return {
            "links": {
                entity: {e: link.fortnox_id
                         for e, link in links.by_external_id(tenant, entity).items()
                         if link.fortnox_id}
                for register in REGISTERS
                for entity in register.links
            },
            "records": {
                entity: {row.external_id: dict(row.payload) for row in mirror.live(tenant, entity)}
                for register in REGISTERS
                for entity in register.records
            },
            "problems": {(p.flow, p.external_id) for p in ProblemRepository(session).open(tenant)},
        }  # fmt: skip


def given_numbers(
    sessions: sessionmaker[Session],
    tenant: int,
    entity: str = "supplier_invoice",
    field: str = "fortnox_given_number",
) -> dict[str, str]:
    """``field`` (Fortnox's number written back) of the host's records that have one."""
    with sessions.begin() as session:
        rows = MirrorRepository(session).live(tenant, entity)
        return {row.external_id: str(row.payload[field]) for row in rows if row.payload.get(field)}


def assert_run_log(summary: RunSummary) -> None:
    """Each flow's counts, and why each record held back without a problem was held."""
    results = {r.flow: r for r in summary.flows}
    counts = {flow: (r.created, r.updated, r.imported, r.skipped, r.failed)
              for flow, r in results.items()}  # fmt: skip
    expected = {flow: c for r in REGISTERS for flow, c in r.counts.items()}
    assert {flow: counts[flow] for flow in expected} == expected
    for register in REGISTERS:
        for (flow, external_id), why in register.held.items():
            (item,) = [i for i in results[flow].items if i.external_id == external_id]
            assert why in item.reason, (flow, external_id, item.reason)
            assert not item.problem


def expected_bridge() -> dict[str, Any]:
    return {
        "links": {e: ids for r in REGISTERS for e, ids in r.links.items()},
        "records": {e: rows for r in REGISTERS for e, rows in r.records.items()},
        "problems": {key for r in REGISTERS for key in r.problems},
    }


async def test_one_sweep_makes_fortnox_and_the_bridge_as_expected_and_a_rerun_writes_nothing(
    api: httpx.AsyncClient,
    bridge: Bridge,
    sessions: sessionmaker[Session],
    clock: ManualClock,
    control: SandboxControl,
    faulty_transport: SandboxTransport,
    sandbox_state: SandboxState,
) -> None:
    company = bridge.company
    # The scenario's vouchers are the ones it books by hand: booked customer invoices make no
    # vouchers of their own here (the sandbox makes them by default, as Fortnox does).
    await control.company_settings(company, invoice_vouchers=False)
    async with fortnox(control, company, faulty_transport) as client:
        for register in REGISTERS:
            await register.seed(client)
    for register in REGISTERS:
        for collection, external_id, body in register.host:
            answer = await api.put(f"/api/v1/{collection}/{external_id}", json=body)
            assert answer.status_code == 201, (collection, external_id, answer.text)

    sent = len(bridge.inbox.messages)
    summary = await bridge.service.sweep(bridge.tenant)
    assert [r.flow for r in summary.flows if r.error] == []
    assert_run_log(summary)

    async with fortnox(control, company, faulty_transport) as client:
        after_first = await read_fortnox(client)
        await assert_numbers_back(client, sessions, bridge.tenant)
        await assert_attached_pdfs(client, sandbox_state, company)
    assert after_first == {r.name: r.fortnox for r in REGISTERS if r.read is not None}
    assert bridge_state(sessions, bridge.tenant) == expected_bridge()

    (mail,) = [message for _, message in bridge.inbox.messages[sent:]]
    problems = {key: ref for r in REGISTERS for key, ref in r.problems.items()}
    assert str(mail["Subject"]) == (
        f"[fortnox-bridge] Engine AB: {len(problems)} records were not synchronised"
    )
    text = Inbox.text(mail)
    for (flow, _), reference in problems.items():
        assert f"Reference: {reference} — {flow}" in text

    # Nothing changed: the second sweep writes nothing in Fortnox nor in the bridge. The
    # invoices Fortnox refused are not sent again (nothing that decides them changed); their
    # problems stay open, and the run log says why and when they are sent again.
    clock.advance(1800)
    logged = len(await control.requests(company, limit=10_000))
    before = bridge_state(sessions, bridge.tenant), record_versions(sessions, bridge.tenant)
    mailed = len(bridge.inbox.messages)
    idle = await bridge.service.sweep(bridge.tenant)
    rerun = (await control.requests(company, limit=10_000))[logged:]
    writes = [(e["method"], e["path"], e["status"]) for e in rerun if e["method"] != "GET"]
    assert writes == []
    changed = {r.flow: (r.created, r.updated, r.deleted, r.imported, r.adopted) for r in idle.flows}
    assert {flow: c for flow, c in changed.items() if any(c)} == {}
    refused = {(r.flow, i.external_id): i for r in idle.flows for i in r.items
               if (r.flow, i.external_id) in REFUSED}  # fmt: skip
    assert set(refused) == REFUSED
    for item in refused.values():
        assert (item.outcome, item.problem) == ("skipped", False)
        assert item.reason.startswith("not sent again: Fortnox refused it on ")
        assert item.reason.endswith(
            "it is sent again when the record changes, when the problem is resolved, "
            "or after 24 hours"
        )
    # The reminder lists every failure that stands, the refused invoices too; Fortnox was not
    # asked again, so they are not seen twice.
    (reminder,) = [message for _, message in bridge.inbox.messages[mailed:]]
    assert str(reminder["Subject"]) == str(mail["Subject"])
    assert Inbox.text(reminder).count("Seen 2 times") == len(problems) - len(REFUSED)
    for key in REFUSED:
        assert f"Reference: {problems[key]}" in Inbox.text(reminder)
    assert (bridge_state(sessions, bridge.tenant), record_versions(sessions, bridge.tenant)) == (
        before
    )
    async with fortnox(control, company, faulty_transport) as client:
        assert await read_fortnox(client) == after_first

    await assert_vouchers_changed_in_fortnox_come_later(bridge, sessions, clock, control)


async def assert_numbers_back(
    client: FortnoxClient, sessions: sessionmaker[Session], tenant: int
) -> None:
    """Fortnox's numbers written back to the host's invoices are those of the right invoices."""
    invoice_numbers = {
        str(i.given_number): str(i.invoice_number) async for i in client.supplier_invoices.iterate()
    }
    numbers = given_numbers(sessions, tenant)
    assert {host: invoice_numbers[given] for host, given in numbers.items()} == (
        data.EXPECTED_GIVEN_NUMBERS
    )
    references = {}
    async for row in client.invoices.iterate():
        invoice = await client.invoices.get(str(row.document_number))
        references[str(invoice.document_number)] = str(invoice.external_invoice_reference1)
    numbers = given_numbers(sessions, tenant, "customer_invoice", "fortnox_document_number")
    assert {host: references[number] for host, number in numbers.items()} == (
        ledger.EXPECTED_DOCUMENT_NUMBERS
    )


async def assert_attached_pdfs(client: FortnoxClient, state: SandboxState, company: int) -> None:
    """Each exported invoice has its PDF attached as sent; the 6 MB one a notice under 5 MB."""
    attached = await ledger.attached_pdfs(client, state, company)
    notice = attached.pop("H-2005")
    assert attached == {
        number: ledger.sent_pdf(host)
        for host, number in ledger.EXPECTED_DOCUMENT_NUMBERS.items()
        if host != "ci05"
    }
    assert notice.startswith(b"%PDF")
    assert len(notice) < 5_000_000
    assert b"Invoice H-2005" in notice
    assert b"The original is kept in the host application." in notice


async def assert_vouchers_changed_in_fortnox_come_later(
    bridge: Bridge, sessions: sessionmaker[Session], clock: ManualClock, control: SandboxControl
) -> None:
    """A project set in Fortnox on the waiting voucher, and rows added to an imported one, are
    imported by the next sweep (every imported voucher is re-checked each sweep: see
    ``recheck_per_sweep`` in the voucher settings); a voucher cancelled in Fortnox is kept and
    named in the problem e-mail."""
    for key, change in ledger.FORTNOX_CHANGES.items():
        await control.amend_voucher(bridge.company, key, **change)
    await control.cancel_voucher(bridge.company, ledger.CANCELLED_VOUCHER)
    clock.advance(1800)
    mailed = len(bridge.inbox.messages)
    later = await bridge.service.sweep(bridge.tenant)
    (result,) = [r for r in later.flows if r.flow == ledger.VOUCHERS]
    assert (result.imported, result.updated, result.failed) == (1, 1, 1)
    (mail,) = [message for _, message in bridge.inbox.messages[mailed:]]
    assert f"Reference: {ledger.CANCELLED_REFERENCE} — {ledger.VOUCHERS}" in Inbox.text(mail)
    with sessions.begin() as session:
        rows = MirrorRepository(session).live(bridge.tenant, "voucher")
        assert {row.external_id: dict(row.payload) for row in rows} == (
            ledger.EXPECTED_VOUCHERS_LATER
        )


def record_versions(sessions: sessionmaker[Session], tenant: int) -> dict[tuple[str, str], int]:
    """The version of every record the bridge keeps of the tenant."""
    with sessions.begin() as session:
        mirror = MirrorRepository(session)
        return {
            (entity, row.external_id): row.version
            for entity in sorted(mirror.counts(tenant))
            for row in mirror.live(tenant, entity)
        }
