"""Invoice and supplier-invoice payments, the inbox and file attachments through the client
against the in-process sandbox: a full payment sets the invoice's balance to zero and its final
pay date (``fromfinalpaydate`` finds it), bookkeep makes a payment final; a PDF uploaded to
``inbox_kf`` is attached to an invoice by its archive id and leaves the inbox; a file above
5 MB is refused."""

from __future__ import annotations

from decimal import Decimal

import pytest

from fortnox_bridge.fortnox import FortnoxClient
from fortnox_bridge.fortnox.errors import FortnoxError
from fortnox_bridge.fortnox.resources.inbox import MAX_ATTACHMENT_BYTES
from fortnox_bridge.sandbox.control_client import SandboxControl

from .conftest import Connect

SCOPES = ["customer", "invoice", "payment", "inbox", "connectfile", "supplier", "supplierinvoice"]
PDF = b"%PDF-1.4\n% a test invoice\n%%EOF\n"


@pytest.fixture
async def fortnox(connect: Connect, control: SandboxControl) -> FortnoxClient:
    tenant = (await control.create_company("Bygg AB", seed="demo"))["tenant_id"]
    client, _, _ = await connect(tenant, SCOPES)
    await client.customers.create({"customer_number": "K1", "name": "Kund AB"})
    return client


async def an_invoice(fortnox: FortnoxClient, *, booked: bool = True) -> str:
    rows = [{"AccountNumber": 3001, "Description": "Arbete", "DeliveredQuantity": 1,
             "Price": 1000, "VAT": 25}]  # fmt: skip
    invoice = await fortnox.invoices.create(
        {"customer_number": "K1", "invoice_date": "2026-01-10", "invoice_rows": rows,
         "external_invoice_reference1": "H-1"}
    )  # fmt: skip
    number = str(invoice.document_number)
    if booked:
        await fortnox.invoices.bookkeep(number)
    return number


async def test_a_full_payment_sets_the_final_pay_date(fortnox: FortnoxClient) -> None:
    number = await an_invoice(fortnox)
    total = Decimal(str((await fortnox.invoices.get(number)).balance))
    first = await fortnox.invoice_payments.create(
        {"invoice_number": int(number), "amount": float(total - 100), "payment_date": "2026-02-01"}
    )
    assert first.invoice_customer_number == "K1"
    assert first.external_invoice_reference1 == "H-1"
    partly = await fortnox.invoices.get(number)
    assert (Decimal(str(partly.balance)), partly.final_pay_date) == (100, None)
    await fortnox.invoice_payments.create(
        {"invoice_number": int(number), "amount": 100, "payment_date": "2026-02-03"}
    )
    paid = await fortnox.invoices.get(number)
    assert (Decimal(str(paid.balance)), str(paid.final_pay_date)) == (0, "2026-02-03")
    found = await fortnox.invoices.list_page(search={"fromfinalpaydate": "2026-02-01"})
    assert [str(i.document_number) for i in found.items] == [number]
    later = await fortnox.invoices.list_page(search={"fromfinalpaydate": "2026-02-04"})
    assert later.items == []
    booked = await fortnox.invoice_payments.bookkeep(str(first.number))
    assert booked.booked is True
    with pytest.raises(FortnoxError):
        await fortnox.invoice_payments.delete(str(first.number))
    listed = await fortnox.invoice_payments.list_page(search={"invoicenumber": number})
    assert len(listed.items) == 2


async def test_deleting_an_unbooked_payment_reopens_the_invoice(fortnox: FortnoxClient) -> None:
    number = await an_invoice(fortnox)
    total = float((await fortnox.invoices.get(number)).balance or 0)
    payment = await fortnox.invoice_payments.create(
        {"invoice_number": int(number), "amount": total, "payment_date": "2026-02-01"}
    )
    assert (await fortnox.invoices.get(number)).final_pay_date is not None
    await fortnox.invoice_payments.delete(str(payment.number))
    reopened = await fortnox.invoices.get(number)
    assert (float(reopened.balance or 0), reopened.final_pay_date) == (total, None)


async def test_an_unbooked_invoice_cannot_be_paid(fortnox: FortnoxClient) -> None:
    number = await an_invoice(fortnox, booked=False)
    with pytest.raises(FortnoxError) as refused:
        await fortnox.invoice_payments.create(
            {"invoice_number": int(number), "amount": 10, "payment_date": "2026-02-01"}
        )
    assert refused.value.code == 2990141


async def test_a_supplier_invoice_payment_sets_its_final_pay_date(fortnox: FortnoxClient) -> None:
    await fortnox.suppliers.create({"supplier_number": "L1", "name": "Byggvaruhuset AB"})
    invoice = await fortnox.supplier_invoices.create(
        {"supplier_number": "L1", "invoice_number": "F-1", "invoice_date": "2026-01-05",
         "total": "1250", "vat": "250", "supplier_invoice_rows": [
             {"Account": 2440, "Code": "TOT", "Credit": 1250},
             {"Account": 2640, "Code": "VAT", "Debit": 250},
             {"Account": 4000, "Debit": 1000}]}
    )  # fmt: skip
    number = str(invoice.given_number)
    await fortnox.supplier_invoices.bookkeep(number)
    payment = await fortnox.supplier_invoice_payments.create(
        {"invoice_number": number, "amount": 1250, "payment_date": "2026-02-10"}
    )
    assert payment.invoice_supplier_number == "L1"
    paid = await fortnox.supplier_invoices.get(number)
    assert (Decimal(str(paid.balance)), str(paid.final_pay_date)) == (0, "2026-02-10")
    assert (await fortnox.supplier_invoice_payments.bookkeep(str(payment.number))).booked


async def test_a_pdf_is_uploaded_attached_and_leaves_the_inbox(fortnox: FortnoxClient) -> None:
    number = await an_invoice(fortnox)
    uploaded = await fortnox.inbox.upload(PDF, "H-1.pdf", folder_id="inbox_kf")
    assert uploaded.archive_file_id
    assert uploaded.id
    assert uploaded.size == len(PDF)
    folder = await fortnox.inbox.folder("inbox_kf")
    assert [f.name for f in folder.files] == ["H-1.pdf"]
    assert await fortnox.inbox.file(str(uploaded.id)) == PDF
    assert "inbox_kf" in [f.id for f in (await fortnox.inbox.folder()).folders]
    attached = await fortnox.inbox.attach(
        "F", number, str(uploaded.archive_file_id), include_on_send=True
    )
    assert (attached.entity_id, attached.entity_type) == (int(number), "F")
    assert attached.include_on_send is True
    listed = await fortnox.inbox.attachments("F", number)
    assert [a.file_id for a in listed] == [uploaded.archive_file_id]
    assert (await fortnox.inbox.folder("inbox_kf")).files == []


async def test_the_inbox_refuses_a_file_above_5_mb_and_attaches_only_pdfs(
    fortnox: FortnoxClient,
) -> None:
    with pytest.raises(FortnoxError) as refused:
        await fortnox.inbox.upload(
            b"%PDF" + b"0" * MAX_ATTACHMENT_BYTES, "big.pdf", folder_id="inbox_kf"
        )
    assert refused.value.code == 2990147
    with pytest.raises(FortnoxError):
        await fortnox.inbox.upload(PDF, "x.pdf", folder_id="inbox_nope")
    text = await fortnox.inbox.upload(b"plain text", "note.txt", folder_id="inbox_kf")
    number = await an_invoice(fortnox)
    with pytest.raises(FortnoxError) as not_pdf:
        await fortnox.inbox.attach("F", number, str(text.archive_file_id))
    assert not_pdf.value.code == 2990150
