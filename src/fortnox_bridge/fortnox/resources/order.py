"""``/3/orders``: orders, with cancel, createinvoice, externalprint and PDF preview/print."""

from __future__ import annotations

from fortnox_bridge.fortnox.models.invoice import Invoice
from fortnox_bridge.fortnox.models.order import Order, OrderListItem
from fortnox_bridge.fortnox.resources.base import Resource, describe


class OrderResource(Resource[Order, OrderListItem]):
    """Order operations. Actions are not idempotent and are never retried blindly."""

    description = describe("order")
    model = Order
    list_model = OrderListItem

    async def create_invoice(self, document_number: str | int) -> Invoice:
        """Turn the order into an invoice; returns the new invoice."""
        return Invoice.model_validate(
            await self._action(document_number, "createinvoice", key="Invoice")
        )

    async def cancel(self, document_number: str | int) -> Order:
        """Cancel the order."""
        return Order.model_validate(await self._action(document_number, "cancel"))

    async def external_print(self, document_number: str | int) -> Order:
        """Mark the order as printed outside Fortnox."""
        return Order.model_validate(await self._action(document_number, "externalprint"))

    async def preview(self, document_number: str | int) -> bytes:
        """The order as a PDF, without marking it printed."""
        return await self._binary(document_number, "preview")
