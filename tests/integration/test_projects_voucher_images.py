"""The image of a voucher booked from a supplier invoice (SQLite and PostgreSQL): the file
connected to the supplier invoice in Fortnox is fetched once, kept by the bridge and served by
the host API byte for byte; a manual voucher has none; an invoice without a file yet is looked
at again at the voucher's re-checks; the host cannot write vouchers."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy.orm import Session, sessionmaker

from fortnox_bridge.clock import ManualClock
from fortnox_bridge.config import Settings
from fortnox_bridge.fortnox import FortnoxClient
from fortnox_bridge.sandbox.control_client import SandboxControl
from fortnox_bridge.store.documents import DocumentRepository
from fortnox_bridge.store.tenants import TenantRepository
from integration.bridge_api import api_app

from .conftest import Bridge
from .test_projects_vouchers import book, bridge_id, connected, stored, sweep

__all__ = ["connected"]  # the fixture, shared with the voucher import's tests

PDF = b"%PDF-1.4\n% the scanned invoice of Byggvaruhuset\n%%EOF\n"
FILE_PATHS = ("/3/supplierinvoicefileconnections", "/3/archive")


async def supplier_invoice(client: FortnoxClient) -> str:
    """A booked supplier invoice of 1,250 with 1,000 on project P-1; its GivenNumber."""
    if not (await client.suppliers.list_page()).items:
        await client.suppliers.create({"supplier_number": "L1", "name": "Byggvaruhuset AB"})
    invoice = await client.supplier_invoices.create(
        {"supplier_number": "L1", "invoice_number": "F-1", "invoice_date": "2026-01-05",
         "total": "1250", "vat": "250", "supplier_invoice_rows": [
             {"Account": 2440, "Code": "TOT", "Credit": 1250},
             {"Account": 2640, "Code": "VAT", "Debit": 250},
             {"Account": 4010, "Debit": 1000, "Project": "P-1"}]}
    )  # fmt: skip
    number = str(invoice.given_number)
    await client.supplier_invoices.bookkeep(number)
    return number


async def scan(client: FortnoxClient, number: str, content: bytes = PDF) -> None:
    """The scanned invoice uploaded to the archive and connected to supplier invoice ``number``."""
    uploaded = await client.archive.upload(content, f"faktura-{number}.pdf")
    await client.supplier_invoice_file_connections.create(
        {"file_id": uploaded.id, "supplier_invoice_number": number}
    )


async def file_requests(control: SandboxControl, company: int) -> list[str]:
    log = await control.requests(company, limit=10_000)
    return [e["path"] for e in log if str(e["path"]).startswith(FILE_PATHS)]


def host_api(
    bridge: Bridge, sessions: sessionmaker[Session], clock: ManualClock, data: Path
) -> Any:
    with sessions.begin() as session:
        tenants = TenantRepository(session)
        tenant = tenants.get(bridge.tenant)
        assert tenant is not None
        api_key = tenants.issue_api_key(tenant, label="test", now=clock.now())
    app = api_app(sessions, clock=clock, settings=Settings(data_dir=data))
    return httpx.AsyncClient(
        base_url="http://bridge.test",
        transport=httpx.ASGITransport(app=app),
        headers={"Authorization": f"Bearer {api_key}"},
    )


async def test_a_supplier_invoice_voucher_brings_its_image_once(
    connected: Bridge,
    engine_client: FortnoxClient,
    control: SandboxControl,
    sessions: sessionmaker[Session],
    clock: ManualClock,
    tmp_path: Path,
) -> None:
    number = await supplier_invoice(engine_client)
    await scan(engine_client, number)
    manual = bridge_id(await book(engine_client, "A"))
    before = len(await file_requests(control, connected.company))
    result = await sweep(connected, clock)
    assert (result.imported, result.failed) == (2, 0)
    # 3 series lists, 2 vouchers read, 1 connection list and 1 file read for the D voucher
    assert result.requests == 7
    assert len(await file_requests(control, connected.company)) == before + 2
    vouchers = stored(connected, sessions)
    (booked,) = [key for key in vouchers if key != manual]
    voucher = vouchers[booked]
    assert (voucher["reference_type"], voucher["reference_number"]) == ("SUPPLIERINVOICE", number)
    assert voucher["image"] == {
        "name": f"faktura-{number}.pdf", "content_type": "application/pdf", "size": len(PDF)
    }  # fmt: skip
    assert "image" not in vouchers[manual]
    with sessions.begin() as session:
        document = DocumentRepository(session).get(connected.tenant, "voucher", booked, "image")
        assert document is not None
        assert (document.size, document.content_type) == (len(PDF), "application/pdf")
    # both vouchers re-checked (recheck_per_sweep=2): nothing more asked about the image
    again = await sweep(connected, clock)
    assert (again.unchanged, again.requests) == (2, 5)
    assert len(await file_requests(control, connected.company)) == before + 2

    async with host_api(connected, sessions, clock, tmp_path) as http:
        image = await http.get(f"/api/v1/vouchers/{booked}/image")
        none = await http.get(f"/api/v1/vouchers/{manual}/image")
        unknown = await http.get("/api/v1/vouchers/9-Z-9/image")
        record = await http.get(f"/api/v1/vouchers/{booked}")
    assert image.status_code == 200
    assert image.content == PDF
    assert image.headers["content-type"] == "application/pdf"
    assert (none.status_code, none.json()["error"]) == (404, "no_image")
    assert (unknown.status_code, unknown.json()["error"]) == (404, "not_found")
    assert record.json()["data"]["image"]["size"] == len(PDF)


async def test_an_invoice_without_a_file_is_looked_at_again_until_it_has_one(
    connected: Bridge,
    engine_client: FortnoxClient,
    sessions: sessionmaker[Session],
    clock: ManualClock,
) -> None:
    number = await supplier_invoice(engine_client)
    first = await sweep(connected, clock)
    assert (first.imported, first.requests) == (1, 3 + 1 + 1)  # and one connection list
    (key,) = stored(connected, sessions)
    assert "image" not in stored(connected, sessions)[key]
    waiting = await sweep(connected, clock)
    assert (waiting.unchanged, waiting.requests) == (1, 3 + 1 + 1)  # re-check, list again
    await scan(engine_client, number)
    found = await sweep(connected, clock)
    assert found.requests == 3 + 1 + 1 + 1  # the file read once
    assert stored(connected, sessions)[key]["image"]["size"] == len(PDF)
    done = await sweep(connected, clock)
    assert done.requests == 3 + 1


@pytest.mark.parametrize("method", ["PUT", "PATCH", "DELETE"])
async def test_the_host_cannot_write_vouchers(
    connected: Bridge,
    sessions: sessionmaker[Session],
    clock: ManualClock,
    tmp_path: Path,
    method: str,
) -> None:
    async with host_api(connected, sessions, clock, tmp_path) as http:
        answer = await http.request(method, "/api/v1/vouchers/1-A-1", json={})
        batch = await http.post("/api/v1/vouchers:batch", json={"records": []})
    assert (answer.status_code, answer.json()["error"]) == (405, "fortnox_owned")
    assert "come from Fortnox" in answer.json()["detail"]
    assert answer.headers["allow"] == "GET"
    assert batch.status_code == 405
