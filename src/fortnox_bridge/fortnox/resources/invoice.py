"""``/3/invoices``: invoices, with bookkeep, cancel, credit, externalprint, e-mail and the PDF
(preview, print)."""

from __future__ import annotations

from fortnox_bridge.fortnox.models.invoice import Invoice, InvoiceListItem
from fortnox_bridge.fortnox.resources.base import Resource, describe


class InvoiceResource(Resource[Invoice, InvoiceListItem]):
    """Invoice operations. Actions are not idempotent and are never retried blindly."""

    description = describe("invoice")
    model = Invoice
    list_model = InvoiceListItem

    async def bookkeep(self, document_number: str | int) -> Invoice:
        """Book the invoice; afterwards it can no longer be changed."""
        return Invoice.model_validate(await self._action(document_number, "bookkeep"))

    async def cancel(self, document_number: str | int) -> Invoice:
        """Cancel an unbooked invoice."""
        return Invoice.model_validate(await self._action(document_number, "cancel"))

    async def credit(self, document_number: str | int) -> Invoice:
        """Create a credit invoice for a booked invoice; returns the invoice with its reference."""
        return Invoice.model_validate(await self._action(document_number, "credit"))

    async def external_print(self, document_number: str | int) -> Invoice:
        """Mark the invoice as sent outside Fortnox."""
        return Invoice.model_validate(await self._action(document_number, "externalprint"))

    async def email(self, document_number: str | int) -> Invoice:
        """Have Fortnox e-mail the invoice to the address of its ``EmailInformation`` (taken
        from the customer when the invoice was made); Fortnox marks it sent. Never retried: a
        lost answer may mean the customer has the e-mail already."""
        path = f"{self._path(document_number)}/email"
        data = await self._client.request("GET", path, idempotent=False)
        return Invoice.model_validate(data["Invoice"])

    async def preview(self, document_number: str | int) -> bytes:
        """The invoice as a PDF, without marking it sent."""
        return await self._binary(document_number, "preview")

    async def print(self, document_number: str | int) -> bytes:
        """The invoice as a PDF (``GET /print``); Fortnox marks it sent."""
        return await self._binary(document_number, "print")
