"""``/3/invoicepayments``: payments of customer invoices, with bookkeep."""

from __future__ import annotations

from fortnox_bridge.fortnox.models.invoice_payment import InvoicePayment, InvoicePaymentListItem
from fortnox_bridge.fortnox.resources.base import Resource, describe


class InvoicePaymentResource(Resource[InvoicePayment, InvoicePaymentListItem]):
    """Invoice payments by their ``Number``. A payment that settles the invoice's balance sets
    the invoice's ``FinalPayDate``. Bookkeep is not idempotent and never retried blindly."""

    description = describe("invoice_payment")
    model = InvoicePayment
    list_model = InvoicePaymentListItem

    async def bookkeep(self, number: str | int) -> InvoicePayment:
        """Book the payment (a voucher); afterwards it can no longer be changed or deleted."""
        return InvoicePayment.model_validate(await self._action(number, "bookkeep"))
