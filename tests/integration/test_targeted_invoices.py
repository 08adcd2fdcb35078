"""Events of the ``invoices`` and ``supplier-invoices`` topics bring a paid date back at once
(``read_entities``), against the in-process sandbox (SQLite and PostgreSQL): one read of the
invoice the event names, the host record changed with its event, the sweep after it writes
nothing; an invoice the export does not link is not read."""

from __future__ import annotations

import httpx
from sqlalchemy.orm import Session, sessionmaker

from fortnox_bridge.clock import ManualClock
from fortnox_bridge.engine.sync.targeted import read_entities
from fortnox_bridge.fortnox import FortnoxClient
from fortnox_bridge.sandbox import SandboxState
from fortnox_bridge.sandbox.control_client import SandboxControl
from integration import test_projects_customer_invoices as invoices
from integration.test_projects_customer_invoices import (
    EXPORT,
    PAID,
    SCOPES_WITH_SUPPLIERS,
    SUPPLIER_EXPORT,
    SUPPLIER_PAID,
    configure,
    invoice,
    pay,
    requests,
    send,
    sweep,
)

from .conftest import Bridge

# The invoice tests' fixtures: the company's client and the host API with the export on.
api, fortnox = invoices.api, invoices.fortnox


async def changed_events(api: httpx.AsyncClient, external_id: str) -> list[dict[str, object]]:
    page = await api.get("/api/v1/events", params={"types": "record.changed"})
    return [e["data"]["changed"] for e in page.json()["data"] if e["external_id"] == external_id]


async def test_an_invoice_event_brings_its_paid_date_back(
    api: httpx.AsyncClient,
    bridge: Bridge,
    fortnox: FortnoxClient,
    sessions: sessionmaker[Session],
    clock: ManualClock,
    sandbox_state: SandboxState,
) -> None:
    configure(sessions, clock, bridge.tenant, EXPORT, bookkeep=True)
    await send(api, "paid", invoice(invoice_number="H-1", invoice_date="2025-12-01",
                                    due_date="2025-12-31"))  # fmt: skip
    assert (await sweep(bridge, EXPORT)).created == 1
    number = (await api.get("/api/v1/customer-invoices/paid")).json()["data"][
        "fortnox_document_number"
    ]
    await pay(fortnox, number, "2025-12-20")
    direct = await fortnox.invoices.create(
        {
            "customer_number": "K1",
            "invoice_date": "2025-12-01",
            "invoice_rows": [{"AccountNumber": 3001, "DeliveredQuantity": 1, "Price": 10}],
        }
    )  # fmt: skip  (made in Fortnox: the export does not link it)
    before = requests(sandbox_state, bridge.company)

    done = await read_entities(
        bridge.service,
        bridge.tenant,
        "invoices",
        [{"topic": "invoices", "type": "invoicepayment-bookkeep-v1", "entityId": number},
         str(direct.document_number)],
    )  # fmt: skip

    assert done.error is None
    assert done.targets == {PAID: [number, str(direct.document_number)]}
    assert requests(sandbox_state, bridge.company) - before == 1 == done.requests
    paid = (await api.get("/api/v1/customer-invoices/paid")).json()["data"]
    assert paid["paid_on"] == "2025-12-20"
    assert {"paid_on": "2025-12-20"} in await changed_events(api, "paid")
    told = await changed_events(api, "paid")
    summary = await bridge.service.sweep(bridge.tenant)
    for result in summary.flows:
        assert (result.updated, result.created, result.failed) == (0, 0, 0), result.flow
    assert await changed_events(api, "paid") == told


async def test_a_supplier_invoice_event_brings_its_paid_date_back(
    api: httpx.AsyncClient,
    bridge: Bridge,
    fortnox: FortnoxClient,
    sessions: sessionmaker[Session],
    clock: ManualClock,
    control: SandboxControl,
    sandbox_state: SandboxState,
) -> None:
    await bridge.connect(**await control.issue_tokens(bridge.company, SCOPES_WITH_SUPPLIERS))
    configure(sessions, clock, bridge.tenant, SUPPLIER_EXPORT, bookkeep=True)
    configure(sessions, clock, bridge.tenant, SUPPLIER_PAID)
    body = {
        "supplier": {"number": "L1", "name": "Byggvaruhuset AB"},
        "invoice_number": "F-1", "invoice_date": "2025-12-01", "due_date": "2025-12-31",
        "total": "1250", "vat": "250", "approved": True,
        "rows": [{"account": 4000, "amount": "1000"}],
    }  # fmt: skip
    response = await api.put("/api/v1/supplier-invoices/s1", json=body)
    assert response.status_code == 201, response.text
    assert (await sweep(bridge, SUPPLIER_EXPORT)).created == 1
    given = (await api.get("/api/v1/supplier-invoices/s1")).json()["data"]["fortnox_given_number"]
    await fortnox.supplier_invoice_payments.create(
        {"invoice_number": given, "amount": 1250, "payment_date": "2025-12-28"}
    )
    before = requests(sandbox_state, bridge.company)

    done = await read_entities(bridge.service, bridge.tenant, "supplier-invoices", [str(given)])

    assert done.targets == {SUPPLIER_PAID: [str(given)]}
    assert requests(sandbox_state, bridge.company) - before == 1 == done.requests
    s1 = (await api.get("/api/v1/supplier-invoices/s1")).json()["data"]
    assert s1["paid_on"] == "2025-12-28"
    assert {"paid_on": "2025-12-28"} in await changed_events(api, "s1")
    clock.advance(60)
    told = await changed_events(api, "s1")
    summary = await bridge.service.sweep(bridge.tenant)
    for result in summary.flows:
        assert (result.updated, result.created, result.failed) == (0, 0, 0), result.flow
    assert await changed_events(api, "s1") == told
