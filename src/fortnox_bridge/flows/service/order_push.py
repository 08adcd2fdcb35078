"""``service.service_order.push``: the field-service application's service, work and sales
orders → Fortnox orders (``/3/orders``), or invoices (``/3/invoices``) with the setting
``create_invoice``.

The flow whose settings are the family's one settings model (:class:`ServiceSettings`): every
other flow of the family reads them from here.

What the document holds is the pure builder's (:mod:`~fortnox_bridge.flows.service.document`):
the order with its customer, the articles its rows name and its service objects, which the
engine reads from the store before planning (:attr:`related_entities`). What this flow adds:

- **Identity.** The host order's number is the document's ``ExternalInvoiceReference1``. Fortnox
  copies it from an order to the invoice the order becomes and lists it for both, so it is the
  link to Fortnox: a create whose answer was lost is found by it and adopted (never created
  twice), and the invoiced-status pull (``order_invoiced.py``) finds the invoice of an order by
  it, whichever document was sent. Fortnox's own number of the document (its
  ``DocumentNumber``) is written back to the host order as ``fortnox_reference`` with
  ``fortnox_document`` (``order`` or ``invoice``) and announced on the event feed.
- **When.** An order not ready for invoicing is not sent unless ``send_before_ready``; once sent,
  a change of the order updates the Fortnox document with the fields that changed — but an
  order Fortnox has invoiced (or an invoice it has booked) is not changed: that is a problem to
  look at, nothing is written.
- **Cost centres.** Every cost centre the document names must exist in Fortnox; the writer
  reads the cost centres once per run and holds a document that names a missing one back
  before anything of it is sent (see :mod:`~fortnox_bridge.flows.service.order_writer`).
- **Sending.** With ``create_invoice`` and ``send_invoice`` Fortnox e-mails the invoice at once;
  with ``invoiced_at_send`` the host order is marked invoiced when it is sent.
- **Warnings.** What the builder had to change to fit Fortnox (a comment cut to 1,024
  characters) is said with the write in the run log.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from typing import Any, ClassVar, Literal

from pydantic import BaseModel

from fortnox_bridge.engine.flow.base import (
    Excluded,
    ExistingPolicy,
    Flow,
    FlowSettings,
    MappingKind,
)
from fortnox_bridge.flows.service.document import BuiltDocument, DocumentInputs, build_document
from fortnox_bridge.flows.service.mappings import COST_CENTER_MAPPING, with_cost_centers
from fortnox_bridge.flows.service.order_records import HostServiceOrder
from fortnox_bridge.flows.service.order_writer import (
    COST_CENTERS,
    ServiceOrderWriter,
    pulled_field,
    snake_fields,
)
from fortnox_bridge.flows.service.settings import ServiceSettings

NAME = "service.service_order.push"


class ServiceOrderPush(Flow):
    """Sends the host's orders to Fortnox as orders or invoices."""

    name: ClassVar[str] = NAME
    entity: ClassVar[str] = "service_order"
    resource: ClassVar[str] = "orders"
    reads: ClassVar[tuple[str, ...]] = ("invoices", "cost_centers")
    direction: ClassVar[Literal["push", "pull"]] = "push"
    fortnox_id_field: ClassVar[str] = "external_invoice_reference1"
    record_model: ClassVar[type[BaseModel]] = HostServiceOrder
    Settings: ClassVar[type[FlowSettings]] = ServiceSettings
    # After the customers and articles the orders name.
    order: ClassVar[int] = 250
    natural_key: ClassVar[tuple[str, ...]] = ("external_invoice_reference1",)
    natural_key_search: ClassVar[Mapping[str, str]] = {
        "external_invoice_reference1": "externalinvoicereference1"
    }
    match_existing: ClassVar[bool] = True
    #: The application's cost centres, as Fortnox's codes (see ``mappings.py``).
    mapping_kinds: ClassVar[tuple[MappingKind, ...]] = (COST_CENTER_MAPPING,)
    related_entities: ClassVar[Mapping[str, str]] = {
        "service_customer": "number",
        "service_article": "number",
        "service_object": "number",
    }

    def __init__(self, settings: FlowSettings | None = None, mappings: Any = None) -> None:
        super().__init__(settings, mappings)
        self._related: Mapping[str, Mapping[str, Mapping[str, Any]]] = {}
        #: Fortnox's number and kind of each document written in this run, by host number.
        self.documents: dict[str, tuple[str, str]] = {}

    @property
    def service_settings(self) -> ServiceSettings:
        """The family's settings."""
        settings = self.settings
        assert isinstance(settings, ServiceSettings)
        return settings

    # -- what the document reads -------------------------------------------------------------

    def related_keys(self, record: Mapping[str, Any]) -> dict[str, set[str]]:
        """The order's customer, the articles of its rows and its service objects."""
        articles = {
            str(row["article_number"])
            for row in record.get("rows") or ()
            if row.get("article_number")
        }
        objects = {
            str(row["service_object"])
            for row in record.get("rows") or ()
            if row.get("type") == "service_object" and row.get("service_object")
        }
        customers = {str(record["customer_number"])} if record.get("customer_number") else set()
        return {
            "service_customer": customers,
            "service_article": articles,
            "service_object": objects,
        }

    def use_related(self, related: Mapping[str, Mapping[str, Mapping[str, Any]]]) -> None:
        """Keep the related records for :meth:`map`."""
        self._related = related

    def inputs(self, record: Mapping[str, Any]) -> DocumentInputs:
        """What the builder needs of ``record``, from the related records read."""
        keys = self.related_keys(record)
        customers = self._related.get("service_customer", {})
        articles = self._related.get("service_article", {})
        objects = self._related.get("service_object", {})
        customer = next((customers.get(k) for k in keys["service_customer"]), None)
        return DocumentInputs(
            order=with_cost_centers(self.mappings, record),
            customer=customer,
            articles={k: articles[k] for k in keys["service_article"] if k in articles},
            service_objects={k: objects[k] for k in keys["service_object"] if k in objects},
        )

    def build(self, record: Mapping[str, Any]) -> BuiltDocument:
        """The Fortnox document of ``record`` (pure)."""
        return build_document(self.inputs(record), self.service_settings)

    # -- mapping -----------------------------------------------------------------------------

    def map(self, record: Mapping[str, Any]) -> dict[str, Any]:
        """Host order → the Fortnox document's fields (snake_case, rows as Fortnox rows), with
        the cost centres it names and the invoiced state the pull compares; raises
        :class:`Excluded` for an order not ready for invoicing (unless sent before)."""
        settings = self.service_settings
        if not record.get("ready") and not settings.send_before_ready:
            raise Excluded(
                "not ready for invoicing: turn on 'send before ready' to send it earlier"
            )
        built = self.build(record)
        fields = snake_fields(built.kind, built.fields)
        fields["external_invoice_reference1"] = str(record["number"])
        fields[COST_CENTERS] = sorted(built.cost_centers)
        name, value = pulled_field(settings.invoiced_when, record)
        fields[name] = value
        return fields

    def warnings(self, record: Mapping[str, Any]) -> list[str]:
        """The builder's warnings (a comment cut to Fortnox's length)."""
        try:
            return list(self.build(record).warnings)
        except (KeyError, ValueError, TypeError):
            return []

    def write_resource(self, client: Any) -> ServiceOrderWriter:
        """Writes go through :class:`ServiceOrderWriter`."""
        return ServiceOrderWriter(self, client)

    def existing_policy(self) -> ExistingPolicy:
        """A Fortnox document with the order's number as its external reference is this one."""
        return "adopt"

    def after_create(self, record: Mapping[str, Any], fortnox_id: str) -> dict[str, Any]:
        """The host order keeps Fortnox's number and kind of document; with
        ``invoiced_at_send`` it is invoiced from the day it was sent."""
        written = self.documents.get(fortnox_id)
        if written is None:
            return {}
        kind, number = written
        changes: dict[str, Any] = {}
        if record.get("fortnox_reference") != number or record.get("fortnox_document") != kind:
            changes.update(fortnox_reference=number, fortnox_document=kind)
        if self.service_settings.invoiced_at_send and not record.get("invoiced"):
            changes.update(invoiced=True, invoiced_on=(self.today or date.today()).isoformat())
        return changes

    def reference(self, external_id: str, record: Mapping[str, Any] | None) -> str:
        """``service order so-7 (1001 for customer K1)``."""
        record = record or {}
        number, customer = record.get("number"), record.get("customer_number")
        shown = " for customer ".join(str(part) for part in (number, customer) if part)
        return f"service order {external_id}" + (f" ({shown})" if shown else "")
