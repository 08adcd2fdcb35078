"""The paid dates of exported invoices, back to the host: ``projects.customer_invoice.pull``
and ``projects.supplier_invoice.pull``.

Each is the two-way pull of its export (its ``counterpart``) and compares one field only,
Fortnox's ``FinalPayDate``, which Fortnox sets when the invoice is fully paid (its balance is
zero). Only invoices the export created or adopted are compared: the pull matches nothing by
number, so an invoice made in Fortnox, or one without the host's number, is left alone. The
host record takes the date as ``paid_on``, announced on the event feed (``record.changed``); the
exports map ``paid_on`` back to the same field and never send it, so nothing flows the other
way.

- Customer invoices: one list read per sweep of the invoices fully paid within the last six
  months (``fromfinalpaydate``); an invoice paid earlier is left out.
- Supplier invoices: Fortnox's supplier-invoice list has no final-pay-date search, so the
  pull reads the fully paid ones (``filter=fullypaid``) changed since the last read
  (``lastmodified``; a payment changes the invoice's balance), and takes those paid within the
  last six months.
"""

from __future__ import annotations

import calendar
from collections.abc import Mapping
from datetime import date
from typing import Any, ClassVar, Literal

from pydantic import BaseModel

from fortnox_bridge.engine.flow.base import Flow
from fortnox_bridge.flows.projects.invoice_records import HostCustomerInvoice
from fortnox_bridge.flows.projects.records import HostSupplierInvoice

#: How far back a paid date is brought to the host.
MONTHS_BACK = 6
PAID = "final_pay_date"


def months_before(day: date, months: int) -> date:
    """``day`` moved ``months`` calendar months back (the 31st becomes the month's last day)."""
    month_index = day.year * 12 + day.month - 1 - months
    year, month = divmod(month_index, 12)
    last = calendar.monthrange(year, month + 1)[1]
    return date(year, month + 1, min(day.day, last))


class _PaidDates:
    """What both pulls share (a mixin before :class:`Flow`): the compared field, the window
    and the host field."""

    direction: ClassVar[Literal["push", "pull"]] = "pull"
    pull_fields: ClassVar[frozenset[str]] = frozenset({PAID})
    # Off until the tenant wants the paid dates (and runs the export).
    default_enabled: ClassVar[bool] = False
    today: date | None

    def window_start(self) -> date:
        """The earliest final pay date brought back: six months before the run's day."""
        return months_before(self.today or date.today(), MONTHS_BACK)

    def imports(self, fortnox_id: str, fields: Mapping[str, Any]) -> bool:
        """Only invoices fully paid within the window are compared."""
        paid = fields.get(PAID)
        return bool(paid) and str(paid) >= self.window_start().isoformat()

    def unmap(self, fields: Mapping[str, Any]) -> dict[str, Any]:
        """Fortnox's final pay date is the host's ``paid_on``."""
        return {"paid_on": fields.get(PAID)} if PAID in fields else {}


class CustomerInvoicePaidDates(_PaidDates, Flow):
    """Brings the paid date of exported customer invoices back to the host."""

    name: ClassVar[str] = "projects.customer_invoice.pull"
    entity: ClassVar[str] = "customer_invoice"
    resource: ClassVar[str] = "invoices"
    fortnox_id_field: ClassVar[str] = "document_number"
    record_model: ClassVar[type[BaseModel]] = HostCustomerInvoice
    counterpart: ClassVar[str | None] = "projects.customer_invoice.push"
    #: An invoice changed in Fortnox (a payment) is compared at once (its document number).
    topics: ClassVar[tuple[str, ...]] = ("invoices",)
    # After the export, with the imports of Fortnox documents.
    order: ClassVar[int] = 310

    def pull_params(self) -> dict[str, Any]:
        """Only the invoices fully paid within the window (one request while under 500)."""
        return {"search": {"fromfinalpaydate": self.window_start().isoformat()}}


class SupplierInvoicePaidDates(_PaidDates, Flow):
    """Brings the paid date of exported supplier invoices back to the host."""

    name: ClassVar[str] = "projects.supplier_invoice.pull"
    entity: ClassVar[str] = "supplier_invoice"
    resource: ClassVar[str] = "supplier_invoices"
    fortnox_id_field: ClassVar[str] = "given_number"
    record_model: ClassVar[type[BaseModel]] = HostSupplierInvoice
    counterpart: ClassVar[str | None] = "projects.supplier_invoice.push"
    #: A supplier invoice changed in Fortnox is compared at once (its given number).
    topics: ClassVar[tuple[str, ...]] = ("supplier-invoices",)
    cursor_param: ClassVar[str | None] = "lastmodified"
    order: ClassVar[int] = 311

    def pull_params(self) -> dict[str, Any]:
        """Only fully paid supplier invoices (changed since the cursor)."""
        return {"filter": "fullypaid"}
