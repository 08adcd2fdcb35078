"""The service family's order routes against the in-process sandbox (SQLite and PostgreSQL): a
Fortnox order fetched by its number becomes a host order the push updates (never a second
Fortnox order), refused when the setting is off, the order is unknown or already linked; the
invoice PDF of an order, 404 until Fortnox invoices it; signed links to it (expired → 410,
tampered → 403, never a ledger link)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest
from cryptography.fernet import Fernet
from sqlalchemy.orm import Session, sessionmaker

from fortnox_bridge.clock import ManualClock
from fortnox_bridge.config import Settings
from fortnox_bridge.fortnox import FortnoxClient
from fortnox_bridge.services.hooks import EngineHooks
from fortnox_bridge.store.tenants import TenantRepository
from integration.bridge_api import api_app
from integration.conftest import Bridge
from integration.service_setup import (
    configure,
    fortnox,
    host,
    order,
    orders,
    service_bridge,
    store,
    sweep,
)

__all__ = ["fortnox", "service_bridge"]  # fixtures

BASE = "http://bridge.test"


@pytest.fixture
async def api(
    service_bridge: Bridge, sessions: sessionmaker[Session], clock: ManualClock, tmp_path: Path
) -> AsyncIterator[httpx.AsyncClient]:
    """The host API beside the engine, with a secret key to sign links with."""
    with sessions.begin() as session:
        tenants = TenantRepository(session)
        tenant = tenants.get(service_bridge.tenant)
        assert tenant is not None
        key = tenants.issue_api_key(tenant, label="test", now=clock.now())
    settings = Settings(data_dir=tmp_path, secret_key=Fernet.generate_key().decode())
    hooks = EngineHooks(service=service_bridge.service)
    app = api_app(sessions, clock=clock, settings=settings, hooks=hooks)
    async with httpx.AsyncClient(
        base_url=BASE,
        transport=httpx.ASGITransport(app=app),
        headers={"Authorization": f"Bearer {key}"},
    ) as http:
        yield http


async def fortnox_order(fortnox: FortnoxClient) -> str:
    """An order someone entered in Fortnox; its number."""
    made = await fortnox.orders.create(
        {
            "customer_number": "1001",
            "your_reference": "Karin",
            "order_rows": [
                {"ArticleNumber": "A-10", "OrderedQuantity": 2, "Price": 450},
                {"Description": "Byte av filter"},
            ],
        }
    )
    return str(made.document_number)


async def test_a_fortnox_order_fetched_by_reference_becomes_a_host_order_the_push_updates(
    api: httpx.AsyncClient,
    service_bridge: Bridge,
    sessions: sessionmaker[Session],
    clock: ManualClock,
    fortnox: FortnoxClient,
) -> None:
    bridge = service_bridge
    number = await fortnox_order(fortnox)
    body = {"fortnox_number": number, "external_id": "so-f"}
    off = await api.post("/api/v1/service-orders/from-fortnox", json=body)
    assert (off.status_code, off.json()["error"]) == (409, "from_reference_off")
    configure(sessions, clock, bridge.tenant, create_order_from_reference=True)
    unknown = await api.post("/api/v1/service-orders/from-fortnox", json={"fortnox_number": "999"})
    assert (unknown.status_code, unknown.json()["error"]) == (404, "fortnox_order_not_found")
    made = await api.post("/api/v1/service-orders/from-fortnox", json=body)
    assert made.status_code == 201, made.text
    data = made.json()["data"]
    assert (data["number"], data["customer_number"], data["your_reference"]) == (
        number,
        "1001",
        "Karin",
    )
    assert (data["fortnox_reference"], data["fortnox_document"], data["ready"]) == (
        number,
        "order",
        False,
    )
    assert [row["type"] for row in data["rows"]] == ["article", "text"]
    again = await api.post("/api/v1/service-orders/from-fortnox", json={"fortnox_number": number})
    assert (again.status_code, again.json()["error"]) == (409, "already_linked")

    ready = await api.patch(
        "/api/v1/service-orders/so-f",
        json={"ready": True},
        headers={"Content-Type": "application/merge-patch+json"},
    )
    assert ready.status_code == 200, ready.text
    result = await sweep(bridge)
    assert (result.created, result.updated, result.failed) == (0, 1, 0), result.items
    (only,) = await orders(fortnox)  # updated, never a second order
    assert (str(only.document_number), only.external_invoice_reference1) == (number, number)
    assert host(sessions, bridge.tenant, "so-f")["fortnox_reference"] == number


async def test_the_invoice_pdf_and_signed_links_to_it(
    api: httpx.AsyncClient,
    service_bridge: Bridge,
    sessions: sessionmaker[Session],
    clock: ManualClock,
    fortnox: FortnoxClient,
) -> None:
    bridge = service_bridge
    store(sessions, clock, bridge.tenant, "service_order", "so1", order())
    missing = await api.get("/api/v1/service-orders/nope/invoice.pdf")
    assert (missing.status_code, missing.json()["error"]) == (404, "service_order_not_found")
    unsent = await api.get("/api/v1/service-orders/so1/invoice.pdf")
    assert (unsent.status_code, unsent.json()["error"]) == (404, "not_invoiced")
    await sweep(bridge)
    (made,) = await orders(fortnox)
    not_yet = await api.get("/api/v1/service-orders/so1/invoice.pdf")
    assert (not_yet.status_code, not_yet.json()["error"]) == (404, "not_invoiced")
    assert "not invoiced yet" in not_yet.json()["detail"]
    invoice = await fortnox.orders.create_invoice(str(made.document_number))
    pdf = await api.get("/api/v1/service-orders/so1/invoice.pdf")
    assert (pdf.status_code, pdf.headers["content-type"]) == (200, "application/pdf")
    assert pdf.content.startswith(b"%PDF")
    assert f"Faktura {invoice.document_number}.pdf" in pdf.headers["content-disposition"]
    assert (await fortnox.invoices.get(str(invoice.document_number))).sent is False

    link = (await api.post("/api/v1/service-orders/so1/invoice-link")).json()
    assert link["url"].startswith(f"{BASE}/api/v1/service-invoices/shared/")
    async with httpx.AsyncClient(transport=api._transport, base_url=BASE) as anonymous:
        opened = await anonymous.get(link["url"])
        assert (opened.status_code, opened.content) == (200, pdf.content)
        token = link["url"].rsplit("/", 1)[1]
        tampered = await anonymous.get(f"/api/v1/service-invoices/shared/{token[:-2]}xy")
        assert (tampered.status_code, tampered.json()["error"]) == (403, "link_invalid")
        ledger = await anonymous.get(f"/api/v1/ledger/shared/{token}")
        assert ledger.status_code == 403  # an invoice link never opens a ledger document
        clock.advance(15 * 60 + 1)
        expired = await anonymous.get(link["url"])
        assert (expired.status_code, expired.json()["error"]) == (410, "link_expired")
