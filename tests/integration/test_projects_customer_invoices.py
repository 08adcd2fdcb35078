"""The projects family's customer invoice export and the paid dates, against the in-process
sandbox, through the host API and sweeps (SQLite and PostgreSQL): only locked invoices go, rows
on their revenue accounts (cost centres by setting), Fortnox's number back to the host, booking
by setting, an invoice whose answer was lost adopted (never created twice), the PDF uploaded to
the inbox and attached once, a PDF above 5 MB replaced by a notice, and the paid dates of
customer and supplier invoices paid within six months brought back."""

from __future__ import annotations

import base64
from collections.abc import AsyncIterator
from decimal import Decimal
from typing import Any

import httpx
import pytest
from sqlalchemy.orm import Session, sessionmaker

from fortnox_bridge.clock import ManualClock
from fortnox_bridge.config import Settings
from fortnox_bridge.formats.pdf import text_pdf
from fortnox_bridge.fortnox import FortnoxClient
from fortnox_bridge.fortnox.resources.inbox import MAX_ATTACHMENT_BYTES
from fortnox_bridge.fortnox.retry import RetryPolicy
from fortnox_bridge.sandbox import SandboxState
from fortnox_bridge.sandbox.control_client import SandboxControl
from fortnox_bridge.sandbox.rules.inbox import content
from fortnox_bridge.sandbox.transport import SandboxTransport
from fortnox_bridge.store.flow_configs import FlowConfigRepository
from fortnox_bridge.store.tenants import TenantRepository
from integration.bridge_api import api_app
from integration.families import use_family

from .conftest import ENGINE_SCOPES, SANDBOX_URL, Bridge

EXPORT, PAID = "projects.customer_invoice.push", "projects.customer_invoice.pull"
SUPPLIER_EXPORT, SUPPLIER_PAID = "projects.supplier_invoice.push", "projects.supplier_invoice.pull"
SCOPES = [*ENGINE_SCOPES, "customer", "invoice", "inbox", "connectfile", "payment"]
SCOPES_WITH_SUPPLIERS = [*SCOPES, "supplier", "supplierinvoice"]
PDF = text_pdf(["Faktura H-1001", "Skolan, etapp 1"])


@pytest.fixture
async def fortnox(
    control: SandboxControl, company: int, faulty_transport: SandboxTransport, sleep: ManualClock
) -> AsyncIterator[FortnoxClient]:
    """A client of the company, which has customer K1, project P-1, cost centre BYGG and the
    financial year 2025 besides 2026."""
    issued = await control.issue_tokens(company, SCOPES)
    client = FortnoxClient(
        access_token=issued["access_token"],
        api_url=SANDBOX_URL,
        transport=faulty_transport,
        retry=RetryPolicy(sleep=sleep.sleep, max_total_wait=600),
    )
    await client.financial_years.create(
        {"from_date": "2025-01-01", "to_date": "2025-12-31", "accounting_method": "ACCRUAL"}
    )
    await client.customers.create({"customer_number": "K1", "name": "Kommunen"})
    await client.projects.create({"project_number": "P-1", "description": "Skolan"})
    await client.cost_centers.create({"code": "BYGG", "description": "Bygg"})
    yield client
    await client.aclose()


def configure(
    sessions: sessionmaker[Session], clock: ManualClock, tenant: int, flow: str, **settings: Any
) -> None:
    with sessions.begin() as session:
        use_family(session, tenant)
        FlowConfigRepository(session).put(
            tenant, flow, enabled=True, settings=settings, now=clock.now()
        )


@pytest.fixture
async def api(
    bridge: Bridge,
    sessions: sessionmaker[Session],
    clock: ManualClock,
    control: SandboxControl,
    fortnox: FortnoxClient,
) -> AsyncIterator[httpx.AsyncClient]:
    """The host API (bodies up to 20 MB) of a tenant connected with the export's scopes, the
    export and the paid dates turned on."""
    await bridge.connect(**await control.issue_tokens(bridge.company, SCOPES))
    with sessions.begin() as session:
        tenants = TenantRepository(session)
        tenant = tenants.get(bridge.tenant)
        assert tenant is not None
        key = tenants.issue_api_key(tenant, label="test", now=clock.now())
    configure(sessions, clock, bridge.tenant, EXPORT)
    configure(sessions, clock, bridge.tenant, PAID)
    settings = Settings(api_max_body_bytes=20_000_000)
    async with httpx.AsyncClient(
        base_url="http://bridge.test",
        transport=httpx.ASGITransport(app=api_app(sessions, clock=clock, settings=settings)),
        headers={"Authorization": f"Bearer {key}"},
    ) as http:
        yield http


def invoice(**fields: Any) -> dict[str, Any]:
    """A locked host invoice of 1 000 kr + VAT on project P-1, with its PDF."""
    return {
        "invoice_number": "H-1001",
        "customer_number": "K1",
        "invoice_date": "2026-01-05",
        "due_date": "2026-02-04",
        "locked": True,
        "project": "P-1",
        "our_reference": "Anna",
        "rows": [
            {"description": "Arbete", "quantity": "10", "price": "80", "account": 3001,
             "vat": 25, "cost_center": "BYGG"},
            {"description": "Material", "amount": "200", "account": 3002, "vat": 12},
        ],
        "pdf": base64.b64encode(PDF).decode(),
        **fields,
    }  # fmt: skip


async def send(http: httpx.AsyncClient, external_id: str, body: dict[str, Any]) -> None:
    response = await http.put(f"/api/v1/customer-invoices/{external_id}", json=body)
    assert response.status_code in (200, 201), response.text


async def sweep(bridge: Bridge, flow: str) -> Any:
    summary = await bridge.service.sweep(bridge.tenant)
    (result,) = [r for r in summary.flows if r.flow == flow]
    return result


async def invoices(fortnox: FortnoxClient) -> list[Any]:
    return [await fortnox.invoices.get(str(row.document_number))
            async for row in fortnox.invoices.iterate()]  # fmt: skip


def attached_files(state: SandboxState, company: int) -> list[bytes]:
    """The bytes of every file attached to an invoice in the sandbox."""
    files = state.companies[company].register("inbox").records.values()
    ids = {
        r["fileId"] for r in state.companies[company].register("fileattachments").records.values()
    }
    return [content(f) for f in files if f["ArchiveFileId"] in ids]


async def test_locked_invoices_go_with_rows_pdf_and_number_back(
    api: httpx.AsyncClient,
    bridge: Bridge,
    fortnox: FortnoxClient,
    sandbox_state: SandboxState,
) -> None:
    await send(api, "ci1", invoice())
    await send(api, "ci2", invoice(invoice_number="H-1002", locked=False))
    result = await sweep(bridge, EXPORT)
    assert (result.created, result.skipped, result.failed) == (1, 1, 0)
    (skipped,) = [i for i in result.items if i.external_id == "ci2"]
    assert "not locked yet" in skipped.reason
    assert not skipped.problem
    (stored,) = await invoices(fortnox)
    assert (stored.customer_number, stored.external_invoice_reference1) == ("K1", "H-1001")
    assert (stored.booked, stored.project, stored.our_reference) == (False, "P-1", "Anna")
    rows = [(r.account_number, r.description, Decimal(str(r.price)), r.vat, r.cost_center)
            for r in stored.invoice_rows or []]  # fmt: skip
    assert rows == [
        (3001, "Arbete", 80, 25, ""),  # cost centres only when the tenant says so
        (3002, "Material", 200, 12, ""),
    ]
    host = (await api.get("/api/v1/customer-invoices/ci1")).json()
    assert host["data"]["fortnox_document_number"] == str(stored.document_number)
    (attachment,) = await fortnox.inbox.attachments("F", str(stored.document_number))
    assert attachment.include_on_send is True
    assert attached_files(sandbox_state, bridge.company) == [PDF]
    again = await sweep(bridge, EXPORT)
    assert (again.created, again.updated, again.failed) == (0, 0, 0)
    assert len(attached_files(sandbox_state, bridge.company)) == 1


async def test_cost_centres_and_booking_by_setting(
    api: httpx.AsyncClient,
    bridge: Bridge,
    fortnox: FortnoxClient,
    sessions: sessionmaker[Session],
    clock: ManualClock,
) -> None:
    configure(sessions, clock, bridge.tenant, EXPORT, bookkeep=True, cost_centers=True)
    await send(api, "ci1", invoice(cost_center="BYGG"))
    result = await sweep(bridge, EXPORT)
    assert (result.created, result.failed) == (1, 0)
    (stored,) = await invoices(fortnox)
    assert (stored.booked, stored.cost_center) == (True, "BYGG")
    assert [r.cost_center for r in stored.invoice_rows or []] == ["BYGG", "BYGG"]


async def test_an_invoice_whose_answer_was_lost_is_adopted_and_finished(
    api: httpx.AsyncClient,
    bridge: Bridge,
    fortnox: FortnoxClient,
    sessions: sessionmaker[Session],
    clock: ManualClock,
    control: SandboxControl,
    sandbox_state: SandboxState,
) -> None:
    configure(sessions, clock, bridge.tenant, EXPORT, bookkeep=True)
    await control.add_fault("drop_response", method="POST", path_prefix="/3/invoices", count=1)
    await send(api, "ci1", invoice())
    first = await sweep(bridge, EXPORT)
    assert (first.adopted, first.created, first.failed) == (1, 0, 0)
    (item,) = first.items
    assert "adopted, not created again" in item.reason
    (stored,) = await invoices(fortnox)
    assert stored.booked is True
    assert len(attached_files(sandbox_state, bridge.company)) == 1
    host = (await api.get("/api/v1/customer-invoices/ci1")).json()
    assert host["data"]["fortnox_document_number"] == str(stored.document_number)


async def test_a_pdf_whose_upload_answer_was_lost_is_uploaded_once(
    api: httpx.AsyncClient,
    bridge: Bridge,
    fortnox: FortnoxClient,
    control: SandboxControl,
    sandbox_state: SandboxState,
) -> None:
    await control.add_fault("drop_response", method="POST", path_prefix="/3/inbox", count=1)
    await send(api, "ci1", invoice())
    await sweep(bridge, EXPORT)
    again = await sweep(bridge, EXPORT)
    assert again.failed == 0
    (stored,) = await invoices(fortnox)
    assert len(await fortnox.inbox.attachments("F", str(stored.document_number))) == 1
    files = sandbox_state.companies[bridge.company].register("inbox").records
    assert len(files) == 1  # found in the folder by its name, not uploaded again
    assert attached_files(sandbox_state, bridge.company) == [PDF]


async def test_a_pdf_above_5_mb_is_replaced_by_a_notice(
    api: httpx.AsyncClient, bridge: Bridge, sandbox_state: SandboxState
) -> None:
    big = PDF + b"%" + b"x" * 6_000_000
    await send(api, "ci1", invoice(pdf=base64.b64encode(big).decode()))
    result = await sweep(bridge, EXPORT)
    assert (result.created, result.failed) == (1, 0)
    (attached,) = attached_files(sandbox_state, bridge.company)
    assert attached.startswith(b"%PDF")
    assert len(attached) < MAX_ATTACHMENT_BYTES
    assert b"The original is kept in the host application." in attached
    assert "Originalet finns kvar i projektsystemet.".encode("latin-1") in attached
    assert b"Invoice H-1001" in attached


def requests(state: SandboxState, company: int) -> int:
    """The API requests the sandbox has answered for ``company``."""
    found = state.stats_by_tenant.get(company)
    return int(found.to_dict()["requests_total"]) if found else 0


async def pay(fortnox: FortnoxClient, number: str, day: str) -> None:
    balance = (await fortnox.invoices.get(number)).balance
    await fortnox.invoice_payments.create(
        {"invoice_number": int(number), "amount": float(balance or 0), "payment_date": day}
    )


async def test_paid_dates_within_six_months_come_back(
    api: httpx.AsyncClient,
    bridge: Bridge,
    fortnox: FortnoxClient,
    sessions: sessionmaker[Session],
    clock: ManualClock,
    sandbox_state: SandboxState,
) -> None:
    configure(sessions, clock, bridge.tenant, EXPORT, bookkeep=True)
    await send(api, "recent", invoice(invoice_number="H-1", invoice_date="2025-12-01",
                                      due_date="2025-12-31"))  # fmt: skip
    await send(api, "old", invoice(invoice_number="H-2", invoice_date="2025-05-02",
                                   due_date="2025-06-01"))  # fmt: skip
    await send(api, "unpaid", invoice(invoice_number="H-3", invoice_date="2025-12-01",
                                      due_date="2025-12-31"))  # fmt: skip
    assert (await sweep(bridge, EXPORT)).created == 3
    numbers = {
        ext: (await api.get(f"/api/v1/customer-invoices/{ext}")).json()["data"][
            "fortnox_document_number"
        ]
        for ext in ("recent", "old")
    }
    await pay(fortnox, numbers["recent"], "2025-12-20")
    await pay(fortnox, numbers["old"], "2025-05-20")  # more than six months before 2026-01-01
    direct = await fortnox.invoices.create(
        {
            "customer_number": "K1",
            "invoice_date": "2025-12-01",
            "invoice_rows": [{"AccountNumber": 3001, "DeliveredQuantity": 1, "Price": 10}],
        }
    )  # fmt: skip  (made in Fortnox, no external number)
    await fortnox.invoices.bookkeep(str(direct.document_number))
    await pay(fortnox, str(direct.document_number), "2025-12-21")
    result = await sweep(bridge, PAID)
    assert (result.updated, result.failed) == (1, 0)
    recent = (await api.get("/api/v1/customer-invoices/recent")).json()["data"]
    assert recent["paid_on"] == "2025-12-20"
    for ext in ("old", "unpaid"):
        assert "paid_on" not in (await api.get(f"/api/v1/customer-invoices/{ext}")).json()["data"]
    listed = (await api.get("/api/v1/customer-invoices")).json()["data"]
    assert sorted(r["external_id"] for r in listed) == ["old", "recent", "unpaid"]
    page = await api.get("/api/v1/events", params={"types": "record.changed"})
    changed = [e for e in page.json()["data"] if e["external_id"] == "recent"]
    assert {"paid_on": "2025-12-20"} in [e["data"]["changed"] for e in changed]
    # Nothing changed: the next run reads the paid invoices in one request and writes nothing.
    before = requests(sandbox_state, bridge.company)
    summary = await bridge.service.sweep(bridge.tenant, only=[PAID])
    (quiet,) = summary.flows
    assert (quiet.updated, quiet.failed) == (0, 0)
    assert requests(sandbox_state, bridge.company) - before == 1
    export = await sweep(bridge, EXPORT)
    assert (export.updated, export.failed) == (0, 0)


async def test_supplier_invoice_paid_dates_come_back(
    api: httpx.AsyncClient,
    bridge: Bridge,
    fortnox: FortnoxClient,
    sessions: sessionmaker[Session],
    clock: ManualClock,
    control: SandboxControl,
) -> None:
    await bridge.connect(**await control.issue_tokens(bridge.company, SCOPES_WITH_SUPPLIERS))
    configure(sessions, clock, bridge.tenant, SUPPLIER_EXPORT, bookkeep=True)
    configure(sessions, clock, bridge.tenant, SUPPLIER_PAID)
    for external_id, number, day in (("s1", "F-1", "2025-12-01"), ("s2", "F-2", "2025-05-02")):
        body = {
            "supplier": {"number": "L1", "name": "Byggvaruhuset AB"},
            "invoice_number": number, "invoice_date": day, "due_date": day, "total": "1250",
            "vat": "250", "approved": True, "rows": [{"account": 4000, "amount": "1000"}],
        }  # fmt: skip
        response = await api.put(f"/api/v1/supplier-invoices/{external_id}", json=body)
        assert response.status_code == 201, response.text
    assert (await sweep(bridge, SUPPLIER_EXPORT)).created == 2
    given = {
        ext: (await api.get(f"/api/v1/supplier-invoices/{ext}")).json()["data"][
            "fortnox_given_number"
        ]
        for ext in ("s1", "s2")
    }
    for ext, day in (("s1", "2025-12-28"), ("s2", "2025-06-10")):
        await fortnox.supplier_invoice_payments.create(
            {"invoice_number": given[ext], "amount": 1250, "payment_date": day}
        )
    result = await sweep(bridge, SUPPLIER_PAID)
    assert (result.updated, result.failed) == (1, 0)
    s1 = (await api.get("/api/v1/supplier-invoices/s1")).json()["data"]
    assert s1["paid_on"] == "2025-12-28"
    assert "paid_on" not in (await api.get("/api/v1/supplier-invoices/s2")).json()["data"]
    export = await sweep(bridge, SUPPLIER_EXPORT)
    assert (export.updated, export.failed) == (0, 0)
