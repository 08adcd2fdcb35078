"""The archive and the files connected to supplier invoices, through the client against the
sandbox: a file uploaded to the archive (or the inbox) is read back byte for byte by its id and
connected to a supplier invoice by that id; the list narrows by the invoice's number."""

from __future__ import annotations

import pytest

from fortnox_bridge.fortnox import FortnoxClient
from fortnox_bridge.fortnox.errors import FortnoxError, NotFoundError
from fortnox_bridge.sandbox.control_client import SandboxControl

from .conftest import Connect

SCOPES = ["archive", "inbox", "connectfile", "supplier", "supplierinvoice"]
PDF = b"%PDF-1.4\n% a scanned supplier invoice\n%%EOF\n"


@pytest.fixture
async def fortnox(connect: Connect, control: SandboxControl) -> FortnoxClient:
    tenant = (await control.create_company("Bygg AB", seed="demo"))["tenant_id"]
    client, _, _ = await connect(tenant, SCOPES)
    await client.suppliers.create({"supplier_number": "L1", "name": "Byggvaruhuset AB"})
    return client


async def a_supplier_invoice(fortnox: FortnoxClient) -> str:
    invoice = await fortnox.supplier_invoices.create(
        {"supplier_number": "L1", "invoice_number": "F-1", "invoice_date": "2026-01-05",
         "total": "1250", "vat": "250", "supplier_invoice_rows": [
             {"Account": 2440, "Code": "TOT", "Credit": 1250},
             {"Account": 2640, "Code": "VAT", "Debit": 250},
             {"Account": 4000, "Debit": 1000}]}
    )  # fmt: skip
    return str(invoice.given_number)


async def test_an_archived_file_is_read_back_byte_for_byte(fortnox: FortnoxClient) -> None:
    uploaded = await fortnox.archive.upload(PDF, "F-1.pdf")
    read = await fortnox.archive.file(str(uploaded.id))
    assert (read.content, read.content_type) == (PDF, "application/pdf")
    inbox = await fortnox.inbox.upload(b"text", "note.txt", folder_id="inbox_s")
    assert (await fortnox.archive.file(str(inbox.id))).content == b"text"
    with pytest.raises(NotFoundError):
        await fortnox.archive.file("no-such-file")


async def test_a_file_is_connected_to_a_supplier_invoice(fortnox: FortnoxClient) -> None:
    number = await a_supplier_invoice(fortnox)
    other = await a_supplier_invoice(fortnox)
    uploaded = await fortnox.archive.upload(PDF, "F-1.pdf")
    connections = fortnox.supplier_invoice_file_connections
    made = await connections.create({"file_id": uploaded.id, "supplier_invoice_number": number})
    assert (made.name, made.supplier_name) == ("F-1.pdf", "Byggvaruhuset AB")
    page = await connections.list_page(search={"supplierinvoicenumber": number})
    assert [(c.file_id, c.supplier_invoice_number) for c in page.items] == [
        (str(uploaded.id), number)
    ]
    assert (await connections.list_page(search={"supplierinvoicenumber": other})).items == []
    assert (await connections.get(str(uploaded.id))).supplier_invoice_number == number


async def test_a_connection_needs_a_file_and_a_supplier_invoice(fortnox: FortnoxClient) -> None:
    number = await a_supplier_invoice(fortnox)
    uploaded = await fortnox.archive.upload(PDF, "F-1.pdf")
    connections = fortnox.supplier_invoice_file_connections
    with pytest.raises(FortnoxError):
        await connections.create({"file_id": "nope", "supplier_invoice_number": number})
    with pytest.raises(FortnoxError):
        await connections.create({"file_id": uploaded.id, "supplier_invoice_number": "999"})
