"""``/3/supplierinvoices``: supplier invoices, with bookkeep, cancel, credit and the approvals."""

from __future__ import annotations

from fortnox_bridge.fortnox.models.supplier_invoice import (
    SupplierInvoice,
    SupplierInvoiceListItem,
)
from fortnox_bridge.fortnox.resources.base import Resource, describe


class SupplierInvoiceResource(Resource[SupplierInvoice, SupplierInvoiceListItem]):
    """Supplier invoice operations, by Fortnox's ``GivenNumber``. Actions are not idempotent
    and are never retried blindly."""

    description = describe("supplier_invoice")
    model = SupplierInvoice
    list_model = SupplierInvoiceListItem

    async def bookkeep(self, given_number: str | int) -> SupplierInvoice:
        """Book the invoice (a voucher in the supplier-invoice series); it can no longer change."""
        return SupplierInvoice.model_validate(await self._action(given_number, "bookkeep"))

    async def cancel(self, given_number: str | int) -> SupplierInvoice:
        """Cancel an unbooked invoice."""
        return SupplierInvoice.model_validate(await self._action(given_number, "cancel"))

    async def credit(self, given_number: str | int) -> SupplierInvoice:
        """Create a credit invoice for a booked invoice; returns the invoice with its reference."""
        return SupplierInvoice.model_validate(await self._action(given_number, "credit"))

    async def approve_bookkeep(self, given_number: str | int) -> SupplierInvoice:
        """Approve the invoice for bookkeeping (where the company approves supplier invoices)."""
        return SupplierInvoice.model_validate(await self._action(given_number, "approvalbookkeep"))

    async def approve_payment(self, given_number: str | int) -> SupplierInvoice:
        """Approve the invoice for payment."""
        return SupplierInvoice.model_validate(await self._action(given_number, "approvalpayment"))
