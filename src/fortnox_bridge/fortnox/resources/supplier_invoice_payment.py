"""``/3/supplierinvoicepayments``: payments of supplier invoices, with bookkeep."""

from __future__ import annotations

from fortnox_bridge.fortnox.models.supplier_invoice_payment import (
    SupplierInvoicePayment,
    SupplierInvoicePaymentListItem,
)
from fortnox_bridge.fortnox.resources.base import Resource, describe


class SupplierInvoicePaymentResource(
    Resource[SupplierInvoicePayment, SupplierInvoicePaymentListItem]
):
    """Supplier invoice payments by their ``Number``; one that settles the balance sets the
    invoice's ``FinalPayDate``. Bookkeep is not idempotent and never retried blindly."""

    description = describe("supplier_invoice_payment")
    model = SupplierInvoicePayment
    list_model = SupplierInvoicePaymentListItem

    async def bookkeep(self, number: str | int) -> SupplierInvoicePayment:
        """Book the payment (a voucher); afterwards it can no longer be changed or deleted."""
        return SupplierInvoicePayment.model_validate(await self._action(number, "bookkeep"))
