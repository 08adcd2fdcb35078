"""The documents of invoice vouchers: a booked supplier invoice's files and a booked customer
invoice's PDF become voucher file connections of their vouchers, so one list per financial year
finds the documents of manual vouchers, supplier invoices and customer invoices alike."""

from __future__ import annotations

import io
from decimal import Decimal

import pytest

from fortnox_bridge.formats.sie import read_document
from fortnox_bridge.fortnox import FortnoxClient
from fortnox_bridge.fortnox.models.voucher import VoucherVoucherRow
from fortnox_bridge.fortnox.resources.voucher_file_connection import file_name
from fortnox_bridge.sandbox.control_client import SandboxControl

from .conftest import Connect

SCOPES = ["bookkeeping", "archive", "connectfile", "supplier", "supplierinvoice", "invoice",
          "customer"]  # fmt: skip
THIS_YEAR = 2  # the demo company's financial year of the sandbox's date
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


async def a_customer_invoice(fortnox: FortnoxClient) -> str:
    rows = [
        {"AccountNumber": 3001, "Description": "Arbete", "DeliveredQuantity": 3, "Price": 333.33,
         "VAT": 25, "Project": "1", "CostCenter": "PROD"},
        {"AccountNumber": 3002, "Description": "Böcker", "DeliveredQuantity": 1, "Price": 99.5,
         "VAT": 12},
    ]  # fmt: skip
    invoice = await fortnox.invoices.create(
        {"customer_number": "1", "invoice_date": "2026-01-10", "invoice_rows": rows}
    )
    return str(invoice.document_number)


async def test_one_list_finds_the_documents_of_all_three_kinds(fortnox: FortnoxClient) -> None:
    files = fortnox.supplier_invoice_file_connections
    # A supplier invoice with its file, then booked.
    first = await a_supplier_invoice(fortnox)
    scan_1 = await fortnox.archive.upload(PDF, "F-1.pdf")
    await files.create({"file_id": scan_1.id, "supplier_invoice_number": first})
    booked_1 = await fortnox.supplier_invoices.bookkeep(first)
    # A supplier invoice booked first, its file connected afterwards.
    second = await a_supplier_invoice(fortnox)
    booked_2 = await fortnox.supplier_invoices.bookkeep(second)
    scan_2 = await fortnox.archive.upload(PDF, "F-2.pdf")
    await files.create({"file_id": scan_2.id, "supplier_invoice_number": second})
    # A customer invoice, booked.
    number = await a_customer_invoice(fortnox)
    invoice = await fortnox.invoices.bookkeep(number)
    # A manual voucher with a receipt.
    manual = await fortnox.vouchers.create(
        {"voucher_series": "A", "transaction_date": "2026-01-20", "description": "Kvitto",
         "voucher_rows": [VoucherVoucherRow(account=6110, debit=Decimal(80)),
                          VoucherVoucherRow(account=1930, credit=Decimal(80))]})  # fmt: skip
    receipt = await fortnox.archive.upload(PDF, "kvitto.pdf")
    connections = fortnox.voucher_file_connections
    await connections.connect(str(receipt.id), "A", str(manual.voucher_number))

    found = {(c.voucher_series, c.voucher_number): c async for c in connections.for_year(THIS_YEAR)}
    assert set(found) == {
        ("D", str(booked_1.voucher_number)), ("D", str(booked_2.voucher_number)),
        ("B", str(invoice.voucher_number)), ("A", str(manual.voucher_number)),
    }  # fmt: skip
    assert found["D", str(booked_1.voucher_number)].file_id == str(scan_1.id)
    assert found["D", str(booked_2.voucher_number)].file_id == str(scan_2.id)
    of_invoice = found["B", str(invoice.voucher_number)]
    assert file_name(of_invoice) == f"Faktura {number}.pdf"
    assert of_invoice.voucher_description == f"Kundfaktura {number}"
    pdf = await fortnox.archive.file(str(of_invoice.file_id))
    assert pdf.content_type == "application/pdf"
    assert pdf.content.startswith(b"%PDF")
    assert (await fortnox.invoices.print(number)).startswith(b"%PDF")


async def test_a_booked_customer_invoice_has_a_balanced_voucher(fortnox: FortnoxClient) -> None:
    number = await a_customer_invoice(fortnox)
    invoice = await fortnox.invoices.bookkeep(number)
    voucher = await fortnox.vouchers.get("B", int(str(invoice.voucher_number)))
    assert (voucher.reference_type, str(voucher.reference_number)) == ("INVOICE", number)
    rows = voucher.voucher_rows or []
    debit = sum((r.debit or Decimal(0) for r in rows), Decimal(0))
    credit = sum((r.credit or Decimal(0) for r in rows), Decimal(0))
    assert debit == credit
    by_account = {r.account: (r.debit or 0) - (r.credit or 0) for r in rows}
    assert by_account[1510] == Decimal(str(invoice.total))
    assert by_account[2610] == Decimal("-250.00")
    assert by_account[2620] == Decimal("-11.94")
    assert by_account[3740] == Decimal("0.43")  # öresavrundning: 1361.43 to pay as 1361
    assert [(r.project, r.cost_center) for r in rows if r.account == 3001] == [("1", "PROD")]
    # The SIE export of the year carries the invoice's voucher.
    document = read_document(io.BytesIO(await fortnox.sie.export(THIS_YEAR))).document
    assert [(v.series, v.number) for v in document.vouchers] == [
        ("B", str(invoice.voucher_number))]  # fmt: skip
    assert document.vouchers[0].total() == 0


async def test_the_invoice_vouchers_setting_switches_them_off(
    fortnox: FortnoxClient, control: SandboxControl
) -> None:
    tenant = 1  # the fixture's company, the sandbox's first
    assert (await control.company_settings(tenant))["invoice_vouchers"] is True
    await control.company_settings(tenant, invoice_vouchers=False)
    number = await a_customer_invoice(fortnox)
    invoice = await fortnox.invoices.bookkeep(number)
    assert invoice.voucher_number == 1  # the number is still taken in series B
    assert [v async for v in fortnox.vouchers.iterate()] == []
    assert [c async for c in fortnox.voucher_file_connections.for_year(THIS_YEAR)] == []
