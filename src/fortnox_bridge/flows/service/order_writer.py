"""How ``service.service_order.push`` writes a document: to Fortnox's orders or invoices, found
by the host order's number (``ExternalInvoiceReference1``), with the cost centres checked
before anything is sent.

The mapped fields carry two things that are no Fortnox fields and are never sent:

- :data:`COST_CENTERS`, the cost centres the document names. Fortnox's cost centres are read
  once per run; a document naming one Fortnox does not have fails with a problem that names it,
  before anything of the document is written (Fortnox would refuse the document, or take the
  order and refuse its invoice later).
- the invoiced state (:func:`pulled_field`), which the invoiced-status pull compares with
  Fortnox's invoice.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

from fortnox_bridge.fortnox.errors import FortnoxApiError, FortnoxError
from fortnox_bridge.fortnox.models.invoice import Invoice
from fortnox_bridge.fortnox.models.order import Order

if TYPE_CHECKING:
    from fortnox_bridge.flows.service.order_push import ServiceOrderPush

log = logging.getLogger(__name__)

#: The mapped field with the cost centres the document names (checked, never sent).
COST_CENTERS = "cost_centers_named"
#: The Fortnox invoice field the pull compares, per setting ``invoiced_when``.
PULLED = {"sent": "sent", "booked": "booked", "invoiced": "invoice_date"}
#: Mapped fields that are never sent (besides the pulled one).
NOT_SENT = frozenset({COST_CENTERS, "sent", "booked"})


class DocumentHeld(FortnoxApiError):
    """A document the bridge does not send as it is (a missing cost centre, an invoiced
    order): a problem of the record, looked at again on the next run."""

    def __init__(self, message: str, explanation: str, fix: str) -> None:
        super().__init__(400, message)
        # The bridge's own refusal: no Fortnox status or code (the problem page says so).
        self.status = None  # type: ignore[assignment]
        self.explanation, self.fix = explanation, fix
        self.args = (f"{message} — {explanation} {fix}",)


def pulled_field(invoiced_when: str, record: Mapping[str, Any]) -> tuple[str, Any]:
    """The invoice field the pull compares, with the value the host order stands for."""
    name = PULLED.get(invoiced_when, "sent")
    invoiced = bool(record.get("invoiced"))
    if name == "invoice_date":
        return name, (record.get("invoiced_on") if invoiced else None)
    return name, invoiced


def snake_fields(kind: str, fields: Mapping[str, Any]) -> dict[str, Any]:
    """The builder's wire fields (PascalCase) as the client's model fields; nested values
    (rows, e-mail information) stay as Fortnox spells them."""
    model = Invoice if kind == "invoice" else Order
    names = {info.alias or name: name for name, info in model.model_fields.items()}
    out: dict[str, Any] = {}
    for wire, value in fields.items():
        if wire not in names:
            raise ValueError(f"the document has a field Fortnox's {kind} does not: {wire}")
        out[names[wire]] = value
    return out


class ServiceOrderWriter:
    """The push's resource: orders or invoices, addressed by the host order's number."""

    def __init__(self, flow: ServiceOrderPush, client: Any) -> None:
        self.flow, self.client = flow, client
        settings = flow.service_settings
        self.kind = "invoice" if settings.create_invoice else "order"
        self.send_invoice = bool(settings.send_invoice)
        self.pulled = PULLED.get(settings.invoiced_when, "sent")
        self._cost_centers: set[str] | None = None

    def _documents(self, kind: str) -> Any:
        return self.client.invoices if kind == "invoice" else self.client.orders

    # -- the engine's resource interface -----------------------------------------------------

    async def create(self, record: Mapping[str, Any]) -> Any:
        """Check the cost centres, then create the document, and e-mail an invoice when the
        tenant asks."""
        fields, names = _split(record, self.pulled)
        await self.check_cost_centers(names)
        number = str(fields["external_invoice_reference1"])
        created = await self._documents(self.kind).create(fields)
        document = str(created.document_number)
        self.flow.documents[number] = (self.kind, document)
        if self.kind == "invoice" and self.send_invoice:
            await self._email(number, document)
        return created

    async def update(self, record_id: str, changes: Mapping[str, Any]) -> Any:
        """The fields that changed, unless Fortnox has invoiced the order (or booked the
        invoice): then nothing is written and the record fails with why."""
        fields, names = _split(changes, self.pulled)
        await self.check_cost_centers(names)
        kind, document = await self.find(record_id)
        current = await self._documents(kind).get(document)
        if not fields:  # only what the pull compares changed: nothing to send
            return current
        self._refuse_closed(kind, record_id, current)
        return await self._documents(kind).update(document, fields)

    async def delete(self, record_id: str) -> None:
        """Cancel the document (Fortnox refuses for an invoiced order or a booked invoice)."""
        kind, document = await self.find(record_id)
        await self._documents(kind).cancel(document)

    async def get(self, record_id: str) -> Any:
        """Read the document of a host order."""
        kind, document = await self.find(record_id)
        return await self._documents(kind).get(document)

    def iterate(self, **options: Any) -> Any:
        """The list of the kind of document the tenant sends."""
        return self._documents(self.kind).iterate(**options)

    # -- helpers -----------------------------------------------------------------------------

    async def find(self, number: str) -> tuple[str, str]:
        """``(kind, Fortnox number)`` of the document a host order was sent as."""
        known = self.flow.documents.get(number)
        if known is not None:
            return known
        for kind in (self.kind, "order" if self.kind == "invoice" else "invoice"):
            search = {"externalinvoicereference1": number}
            async for row in self._documents(kind).iterate(search=search):
                if str(row.external_invoice_reference1) == number and not row.cancelled:
                    self.flow.documents[number] = (kind, str(row.document_number))
                    return self.flow.documents[number]
        raise DocumentHeld(
            f"no Fortnox order or invoice has the external reference {number}",
            "The document the order was sent as is no longer in Fortnox.",
            "Check whether it was cancelled or deleted in Fortnox.",
        )

    async def check_cost_centers(self, names: Sequence[str]) -> None:
        """Every cost centre named must exist in Fortnox (read once per run)."""
        if not names:
            return
        if self._cost_centers is None:
            self._cost_centers = {str(row.code) async for row in self.client.cost_centers.iterate()}
        missing = sorted(set(names) - self._cost_centers)
        if missing:
            raise DocumentHeld(
                f"cost centre {', '.join(missing)} does not exist in Fortnox",
                "Every cost centre the document names must exist in Fortnox; nothing of "
                "this order was sent.",
                "Create the cost centre in Fortnox, or correct the order's or the setting's "
                "cost centre (or list it under the cost centres to ignore).",
            )

    @staticmethod
    def _refuse_closed(kind: str, number: str, current: Any) -> None:
        if kind == "order" and str(current.invoice_reference or "0") != "0":
            raise DocumentHeld(
                f"order {number} is invoiced in Fortnox (invoice {current.invoice_reference})",
                "Fortnox does not change an order once it is invoiced; the change was not sent.",
                "Make the change on the invoice in Fortnox, or credit it there.",
            )
        if kind == "invoice" and current.booked:
            raise DocumentHeld(
                f"invoice {current.document_number} of order {number} is booked in Fortnox",
                "Fortnox does not change a booked invoice; the change was not sent.",
                "Correct it with a credit invoice in Fortnox.",
            )

    async def _email(self, number: str, document: str) -> None:
        """E-mail the new invoice; a refusal (no address) is logged, the invoice stays."""
        try:
            await self.client.invoices.email(document)
        except FortnoxError as exc:
            log.warning("invoice %s of order %s was not e-mailed: %s", document, number, exc)


def _split(record: Mapping[str, Any], pulled: str) -> tuple[dict[str, Any], list[str]]:
    """The fields to send and the cost centres named."""
    fields = {k: v for k, v in record.items() if k not in NOT_SENT and k != pulled}
    names = [str(name) for name in record.get(COST_CENTERS) or ()]
    return fields, names
