"""Supplier invoices through the client against the in-process sandbox: create (with given rows
or with the rows Fortnox makes from the totals), list, search, get, update, bookkeep, the
approvals, cancel and credit; and the sandbox's rules: the supplier, accounts, projects and
cost centres must exist, booking needs balanced rows, a booked invoice cannot change."""

from __future__ import annotations

from decimal import Decimal

import pytest

from fortnox_bridge.fortnox import FortnoxClient, NotFoundError
from fortnox_bridge.fortnox.errors import FortnoxError, MissingScopeError, UnsupportedOperation
from fortnox_bridge.sandbox.control_client import SandboxControl

from .conftest import Connect

SCOPES = ["supplier", "supplierinvoice", "project", "costcenter"]


@pytest.fixture
async def fortnox(connect: Connect, control: SandboxControl) -> FortnoxClient:
    tenant = (await control.create_company("Bygg AB", seed="demo"))["tenant_id"]
    client, _, _ = await connect(tenant, SCOPES)
    await client.suppliers.create({"supplier_number": "L1", "name": "Byggvaruhuset AB"})
    await client.projects.create({"project_number": "P-1", "description": "Skolan"})
    await client.cost_centers.create({"code": "BYGG", "description": "Bygg"})
    return client


ROWS = [
    {"Account": 2440, "Code": "TOT", "Credit": 1250},
    {"Account": 2640, "Code": "VAT", "Debit": 250},
    {"Account": 4000, "Debit": 1000, "Project": "P-1", "CostCenter": "BYGG",
     "TransactionInformation": "Virke"},
]  # fmt: skip


async def test_create_with_rows_list_get_update_and_book(fortnox: FortnoxClient) -> None:
    created = await fortnox.supplier_invoices.create(
        {"supplier_number": "L1", "invoice_number": "F-77", "invoice_date": "2026-01-05",
         "supplier_invoice_rows": ROWS}
    )  # fmt: skip
    number = str(created.given_number)
    assert number
    assert created.supplier_name == "Byggvaruhuset AB"
    assert (Decimal(str(created.total)), Decimal(str(created.vat))) == (1250, 250)
    assert created.booked is False
    rows = created.supplier_invoice_rows or []
    assert [(r.account, r.total) for r in rows] == [
        (2440, Decimal(-1250)), (2640, Decimal(250)), (4000, Decimal(1000))
    ]  # fmt: skip
    assert (rows[2].project, rows[2].cost_center) == ("P-1", "BYGG")
    assert (await fortnox.supplier_invoices.get(number)).invoice_number == "F-77"
    found = await fortnox.supplier_invoices.list_page(search={"suppliernumber": "L1"})
    assert [i.given_number for i in found.items] == [number]
    unbooked = await fortnox.supplier_invoices.list_page(filter="unbooked")
    assert [i.given_number for i in unbooked.items] == [number]
    updated = await fortnox.supplier_invoices.update(number, {"comments": "Levererat"})
    assert updated.comments == "Levererat"
    booked = await fortnox.supplier_invoices.bookkeep(number)
    assert (booked.booked, booked.voucher_series) == (True, "D")
    assert booked.vouchers
    assert booked.vouchers[0].reference_type == "SUPPLIERINVOICE"
    with pytest.raises(FortnoxError):
        await fortnox.supplier_invoices.update(number, {"comments": "x"})
    with pytest.raises(FortnoxError):
        await fortnox.supplier_invoices.cancel(number)
    credited = await fortnox.supplier_invoices.credit(number)
    assert credited.credit_reference
    credit = await fortnox.supplier_invoices.get(str(credited.credit_reference))
    assert (credit.credit, Decimal(str(credit.total))) == (True, -1250)
    with pytest.raises(UnsupportedOperation):
        await fortnox.supplier_invoices.delete(number)
    with pytest.raises(NotFoundError):
        await fortnox.supplier_invoices.get("999")


async def test_rows_from_totals_approvals_and_cancel(fortnox: FortnoxClient) -> None:
    created = await fortnox.supplier_invoices.create(
        {"supplier_number": "L1", "total": "500", "vat": "100", "invoice_date": "2026-01-05"}
    )
    number = str(created.given_number)
    rows = created.supplier_invoice_rows or []
    assert [(r.account, r.code, r.total) for r in rows] == [
        (2440, "TOT", Decimal(-500)), (2640, "VAT", Decimal(100)), (4000, "", Decimal(400))
    ]  # fmt: skip
    pending = await fortnox.supplier_invoices.list_page(filter="authorizepending")
    assert number in [i.given_number for i in pending.items]
    await fortnox.supplier_invoices.approve_payment(number)
    pending = await fortnox.supplier_invoices.list_page(filter="authorizepending")
    assert number not in [i.given_number for i in pending.items]
    other = await fortnox.supplier_invoices.create({"supplier_number": "L1", "total": "80"})
    assert (await fortnox.supplier_invoices.cancel(str(other.given_number))).cancelled is True
    assert (await fortnox.supplier_invoices.approve_bookkeep(number)).booked is True


async def test_rules_refuse_what_fortnox_refuses(fortnox: FortnoxClient) -> None:
    invoices = fortnox.supplier_invoices
    with pytest.raises(FortnoxError, match="Leverantör L9 finns inte"):
        await invoices.create({"supplier_number": "L9", "total": "100"})
    with pytest.raises(FortnoxError, match="konto 9998"):
        await invoices.create(
            {"supplier_number": "L1", "supplier_invoice_rows": [{"Account": 9998, "Debit": 1}]}
        )
    with pytest.raises(FortnoxError, match="Projekt P-9 finns inte"):
        await invoices.create({"supplier_number": "L1", "total": "100", "project": "P-9"})
    lopsided = await invoices.create(
        {"supplier_number": "L1", "invoice_date": "2026-01-05",
         "supplier_invoice_rows": [{"Account": 2440, "Code": "TOT", "Credit": 100},
                                   {"Account": 4000, "Debit": 90}]}
    )  # fmt: skip
    with pytest.raises(FortnoxError, match="inte i balans"):
        await invoices.bookkeep(str(lopsided.given_number))


async def test_supplier_invoices_need_their_scope(
    connect: Connect, control: SandboxControl
) -> None:
    tenant = (await control.create_company("Utan Scope AB", seed="demo"))["tenant_id"]
    client, _, _ = await connect(tenant, ["supplier"])
    with pytest.raises(MissingScopeError):
        await client.supplier_invoices.list_page()
