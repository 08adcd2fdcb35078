"""The supplier invoice export's pure parts: what an approved invoice becomes in Fortnox, what is
left home, and what the host record model refuses."""

from __future__ import annotations

from typing import Any

import pytest
from pydantic import ValidationError

from fortnox_bridge.engine.flow.base import Excluded
from fortnox_bridge.flows.projects.records import HostSupplierInvoice
from fortnox_bridge.flows.projects.supplier_invoice_export import (
    SupplierInvoiceExport,
    SupplierInvoiceExportSettings,
)


def invoice(**fields: Any) -> dict[str, Any]:
    record = {
        "supplier": {"number": "L1", "name": "Plåt & Tak AB", "phone": "026-10 20 30"},
        "invoice_number": "F-7",
        "invoice_date": "2026-01-05",
        "due_date": "2026-02-04",
        "total": "-125",
        "vat": "-25",
        "project": "P-1",
        "cost_center": "BYGG",
        "approved": True,
        "rows": [{"account": 4000, "amount": "-100", "cost_center": "MARK"}],
        **fields,
    }
    return HostSupplierInvoice.model_validate(record).model_dump(mode="json", exclude_none=True)


def test_a_credit_invoice_turns_every_side_and_the_supplier_travels_along() -> None:
    settings = SupplierInvoiceExportSettings(cost_centers=True, bookkeep=True, vat_account=2641)
    mapped = SupplierInvoiceExport(settings).map(invoice())
    assert mapped["supplier_invoice_rows"] == [
        {"Account": 2440, "Code": "TOT", "Debit": 125.0},
        {"Account": 2641, "Code": "VAT", "Credit": 25.0},
        {"Account": 4000, "Credit": 100.0, "Project": "P-1", "CostCenter": "MARK"},
    ]
    assert (mapped["total"], mapped["vat"], mapped["cost_center"]) == ("-125.00", "-25.00", "BYGG")
    assert mapped["supplier"] == {
        "supplier_number": "L1", "name": "Plåt & Tak AB", "phone1": "026-10 20 30"
    }  # fmt: skip
    assert mapped["booked"] is True


def test_without_the_settings_no_cost_centre_and_no_booking() -> None:
    mapped = SupplierInvoiceExport().map(invoice())
    assert "cost_center" not in mapped
    assert "booked" not in mapped
    assert all("CostCenter" not in row for row in mapped["supplier_invoice_rows"])


def test_an_invoice_not_approved_stays_home() -> None:
    with pytest.raises(Excluded, match="not approved yet"):
        SupplierInvoiceExport().map(invoice(approved=False))


def test_given_number_written_back_once() -> None:
    flow = SupplierInvoiceExport()
    assert flow.after_create(invoice(), "12") == {"fortnox_given_number": "12"}
    assert flow.after_create(invoice(fortnox_given_number="12"), "12") == {}


def test_the_model_refuses_rows_that_do_not_make_the_total() -> None:
    with pytest.raises(ValidationError, match="not the total -130"):
        invoice(total="-130")
    with pytest.raises(ValidationError, match="before invoice_date"):
        invoice(due_date="2026-01-01")
