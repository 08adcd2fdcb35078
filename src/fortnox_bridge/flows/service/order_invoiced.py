"""``service.service_order.pull``: a host order becomes invoiced when Fortnox invoices it.

The two-way pull of ``service.service_order.push`` (its ``counterpart``), comparing one field of
Fortnox's invoices. It reads the invoice list — every invoice carries the host order's number as
``ExternalInvoiceReference1``, copied from the order when Fortnox makes the invoice of an order —
so it finds the invoice whether the push sent an order (invoiced in Fortnox later) or the
invoice itself. Which moment counts is the setting ``invoiced_when``:

- ``sent`` (default): the invoice is sent (``Sent``: e-mailed, printed or marked sent);
- ``booked``: the invoice is booked (``Booked``);
- ``invoiced``: the invoice exists (its ``InvoiceDate``).

An order once invoiced stays invoiced: an unsent or unbooked invoice with the same reference (a
credit invoice) does not undo it.

The host order then takes ``invoiced`` and ``invoiced_on`` (the invoice date for ``invoiced``,
else the day the bridge saw it), announced on the event feed (``record.changed``). The push maps
the host's invoiced state back to the same field and never sends it, so nothing flows the other
way. One list read per sweep, of the invoices dated within the last year: an invoiced order is
marked in the sweep that sees the invoice — or at once, when Fortnox's invoice event (its
WebSocket topic ``invoices``) arrives: that one invoice is read and compared. The list read is
partial, so the push's documents it does not show (the orders themselves, older invoices) are
never taken as deleted in Fortnox.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, timedelta
from typing import Any, ClassVar, Literal

from pydantic import BaseModel

from fortnox_bridge.engine.flow.base import Flow, FlowSettings
from fortnox_bridge.flows.service.order_push import NAME as PUSH
from fortnox_bridge.flows.service.order_records import HostServiceOrder
from fortnox_bridge.flows.service.order_writer import PULLED
from fortnox_bridge.flows.service.settings import SETTINGS_FLOW, ServiceSettings

#: How far back the pull reads invoices (by invoice date).
DAYS_BACK = 366


class ServiceOrderInvoiced(Flow):
    """Marks host orders invoiced when Fortnox invoices, books or sends their invoice."""

    name: ClassVar[str] = "service.service_order.pull"
    entity: ClassVar[str] = "service_order"
    resource: ClassVar[str] = "invoices"
    direction: ClassVar[Literal["push", "pull"]] = "pull"
    fortnox_id_field: ClassVar[str] = "external_invoice_reference1"
    record_model: ClassVar[type[BaseModel]] = HostServiceOrder
    Settings: ClassVar[type[FlowSettings]] = ServiceSettings
    settings_flow: ClassVar[str | None] = SETTINGS_FLOW
    counterpart: ClassVar[str | None] = PUSH
    #: The fields any setting compares; an instance compares the one its setting names.
    pull_fields: ClassVar[frozenset[str]] = frozenset(PULLED.values())
    #: Fortnox's order and invoice events: an invoice event is read at once (see
    #: :meth:`topic_target`).
    topics: ClassVar[tuple[str, ...]] = ("orders", "invoices")
    #: Events name the invoice's number; the links hold the host order's number.
    topic_ids_are_not_links: ClassVar[bool] = True
    # After the push, with the imports of Fortnox documents.
    order: ClassVar[int] = 320

    def __init__(self, settings: FlowSettings | None = None, mappings: Any = None) -> None:
        super().__init__(settings, mappings)
        self.compared = PULLED.get(self._when(), "sent")
        self.pull_fields = frozenset({self.compared})  # type: ignore[misc]

    def pull_params(self) -> dict[str, Any]:
        """Only the invoices dated within the last year (:data:`DAYS_BACK`): a partial read,
        so an order whose document the read does not show is not taken as deleted."""
        start = (self.today or date.today()) - timedelta(days=DAYS_BACK)
        return {"fromdate": start.isoformat()}

    def _when(self) -> str:
        return str(getattr(self.settings, "invoiced_when", "sent"))

    def imports(self, fortnox_id: str, fields: Mapping[str, Any]) -> bool:
        """Only invoices with a host order's number are compared."""
        return fortnox_id not in ("", "None")

    def topic_target(self, topic: str, entity_id: str, extras: Mapping[str, Any]) -> str | None:
        """An invoice event: that invoice, read (one request) and compared when it carries a
        sent order's number. An order event: nothing — Fortnox's invoice of an order makes an
        invoice event of its own, and an order's own changes are not what this flow reads."""
        return (entity_id or None) if topic == "invoices" else None

    def unmap(self, fields: Mapping[str, Any]) -> dict[str, Any]:
        """The compared invoice field → ``invoiced`` and ``invoiced_on``."""
        if self.compared not in fields:
            return {}
        value = fields[self.compared]
        if not value:  # invoiced stays invoiced (a credit invoice carries the reference too)
            return {}
        on = value if self.compared == "invoice_date" else (self.today or date.today())
        return {"invoiced": True, "invoiced_on": str(on)}
