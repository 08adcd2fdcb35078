"""The customer invoice export's and the paid dates' pure parts: what a locked invoice becomes in
Fortnox, what the host record model refuses, the six-month window and the notice PDF."""

from __future__ import annotations

import base64
from datetime import date
from typing import Any

import pytest
from pydantic import ValidationError

from fortnox_bridge.engine.flow.base import Excluded
from fortnox_bridge.flows.projects.customer_invoice_export import (
    CustomerInvoiceExport,
    CustomerInvoiceExportSettings,
    file_name,
)
from fortnox_bridge.flows.projects.invoice_payments import (
    CustomerInvoicePaidDates,
    months_before,
)
from fortnox_bridge.flows.projects.invoice_records import HostCustomerInvoice
from fortnox_bridge.flows.projects.placeholder_pdf import placeholder_pdf

PDF = base64.b64encode(b"%PDF-1.4\n%%EOF\n").decode()


def invoice(**fields: Any) -> dict[str, Any]:
    record = {
        "invoice_number": "H 7/26",
        "customer_number": "K1",
        "invoice_date": "2026-01-05",
        "locked": True,
        "project": "P-1",
        "cost_center": "BYGG",
        "rows": [
            {"description": "Arbete", "quantity": "3", "amount": "100", "account": 3001, "vat": 25,
             "cost_center": "MARK"},
            {"price": "12.50", "account": 3002, "project": "P-2"},
        ],
        "pdf": PDF,
        "paid_on": "2026-02-01",
        **fields,
    }  # fmt: skip
    return HostCustomerInvoice.model_validate(record).model_dump(mode="json", exclude_none=True)


def test_a_locked_invoice_with_cost_centres_and_booking() -> None:
    settings = CustomerInvoiceExportSettings(cost_centers=True, bookkeep=True)
    mapped = CustomerInvoiceExport(settings).map(invoice())
    assert mapped["invoice_rows"] == [
        {"AccountNumber": 3001, "Description": "Arbete", "DeliveredQuantity": "3",
         "Price": 33.33, "VAT": 25, "Project": "P-1", "CostCenter": "MARK"},
        {"AccountNumber": 3002, "DeliveredQuantity": "1", "Price": 12.5, "Project": "P-2",
         "CostCenter": "BYGG"},
    ]  # fmt: skip
    assert mapped["external_invoice_reference1"] == "H 7/26"
    assert (mapped["cost_center"], mapped["booked"]) == ("BYGG", True)
    assert mapped["pdf"] == {"name": "Faktura-H_7_26.pdf", "number": "H 7/26", "content": PDF}
    assert mapped["final_pay_date"] == "2026-02-01"  # the pull's field, never sent


def test_by_default_no_cost_centres_and_no_booking() -> None:
    mapped = CustomerInvoiceExport().map(invoice(pdf=None))
    assert "cost_center" not in mapped
    assert all("CostCenter" not in row for row in mapped["invoice_rows"])
    assert "booked" not in mapped
    assert "pdf" not in mapped


def test_an_invoice_not_locked_is_left_home() -> None:
    with pytest.raises(Excluded, match="not locked yet"):
        CustomerInvoiceExport().map(invoice(locked=False))


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"rows": [{"account": 3001}]}, "either the row's price or its amount"),
        ({"rows": [{"account": 3001, "price": "1", "amount": "1"}]}, "either"),
        ({"pdf": base64.b64encode(b"GIF89a").decode()}, "not a PDF"),
        ({"pdf": "not base64!"}, "not base64"),
        ({"due_date": "2026-01-01"}, "before invoice_date"),
    ],
)
def test_the_record_model_refuses(change: dict[str, Any], message: str) -> None:
    with pytest.raises(ValidationError, match=message):
        invoice(**change)


def test_file_names_keep_letters_digits_dots_and_dashes() -> None:
    assert file_name("2026-0042") == "Faktura-2026-0042.pdf"
    assert file_name("Å/1 2") == "Faktura-Å_1_2.pdf"


def test_the_window_is_six_calendar_months() -> None:
    assert months_before(date(2026, 1, 1), 6) == date(2025, 7, 1)
    assert months_before(date(2026, 8, 31), 6) == date(2026, 2, 28)
    flow = CustomerInvoicePaidDates()
    flow.today = date(2026, 1, 1)
    assert flow.pull_params() == {"search": {"fromfinalpaydate": "2025-07-01"}}
    assert flow.imports("1", {"final_pay_date": "2025-07-01"})
    assert not flow.imports("2", {"final_pay_date": "2025-06-30"})
    assert not flow.imports("3", {})
    assert flow.unmap({"final_pay_date": "2025-12-20"}) == {"paid_on": "2025-12-20"}


def test_the_notice_is_a_small_pdf_in_swedish_and_english() -> None:
    notice = placeholder_pdf("H-7", 6_200_000)
    assert notice.startswith(b"%PDF-1.4")
    assert notice.rstrip().endswith(b"%%EOF")
    assert len(notice) < 5_000
    assert b"Invoice H-7" in notice
    assert b"\\(6.2 MB\\)" in notice  # parentheses escaped in PDF text
    assert "Originalet finns kvar i projektsystemet.".encode("latin-1") in notice
