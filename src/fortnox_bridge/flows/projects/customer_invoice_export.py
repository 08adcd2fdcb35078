"""``projects.customer_invoice.push``: locked host customer invoices → Fortnox invoices
(``/3/invoices``), with their PDF attached.

Only a locked invoice is exported; one not locked yet is skipped (no problem) until it is. The
host's invoice number becomes Fortnox's ``ExternalInvoiceReference1``, by which an invoice
created before an answer was lost is found and adopted, never created twice. Each row becomes a
Fortnox invoice row on its revenue account (``AccountNumber``), with its VAT rate, project and,
when the tenant includes them, its cost centre. Fortnox numbers the invoice (its
``DocumentNumber``); the number is written back to the host record
(``fortnox_document_number``) and announced on the event feed (``record.changed``).

The invoice's PDF is uploaded to Fortnox's inbox folder for customer invoices (``inbox_kf``) and
attached to the invoice; one above Fortnox's 5 MB is replaced by a generated notice that the
original is kept in the host application. A file is uploaded once: an invoice that has an
attachment gets no other, and a file of the same name already in the folder (an upload whose
answer was lost) is attached instead of uploading again. By setting (``bookkeep``) the invoice
is booked once it and its PDF are in Fortnox.

The paid date comes back by ``projects.customer_invoice.pull`` (``invoice_payments.py``): the
mapped ``final_pay_date`` is the host's ``paid_on``, so what the pull brought back is never sent.
"""

from __future__ import annotations

import base64
import re
from collections.abc import Mapping
from decimal import Decimal
from typing import Any, ClassVar, Literal

from pydantic import BaseModel, Field

from fortnox_bridge.engine.flow.base import Excluded, ExistingPolicy, Flow, FlowSettings
from fortnox_bridge.flows.projects.invoice_records import HostCustomerInvoice
from fortnox_bridge.flows.projects.placeholder_pdf import placeholder_pdf
from fortnox_bridge.fortnox.resources.inbox import (
    CUSTOMER_INVOICES_FOLDER,
    MAX_ATTACHMENT_BYTES,
    InboxResource,
)
from fortnox_bridge.fortnox.resources.invoice import InvoiceResource

#: The mapped fields that are no Fortnox invoice fields: the PDF to attach, whether to book it
#: (done by the bookkeep action) and the paid date the pull brings back (never sent).
PDF, BOOKED, PAID = "pdf", "booked", "final_pay_date"
#: Fortnox's entity type of a customer invoice in the attachments API.
INVOICE_ENTITY = "F"


class CustomerInvoiceExportSettings(FlowSettings):
    """Settings of ``projects.customer_invoice.push``."""

    bookkeep: bool = Field(
        default=False,
        title="Book the invoices in Fortnox",
        description="Book each invoice in Fortnox right after it is exported. Otherwise it "
        "stays unbooked until someone books it in Fortnox.",
    )
    cost_centers: bool = Field(
        default=False,
        title="Include cost centres",
        description="Send the cost centre of each row (or of the invoice). The cost centres "
        "must exist in Fortnox.",
    )
    send_pdf: bool = Field(
        default=True,
        title="Send the PDF with the invoice",
        description="Fortnox includes the attached PDF when it sends the invoice.",
    )


def money(value: Any) -> float:
    """An amount as the number Fortnox takes (two decimals)."""
    return float(Decimal(str(value)).quantize(Decimal("0.01")))


def file_name(invoice_number: str) -> str:
    """The name of the invoice's PDF in Fortnox's inbox (``Faktura-H-1001.pdf``)."""
    return "Faktura-" + re.sub(r"[^\w.\-]+", "_", invoice_number) + ".pdf"


class CustomerInvoiceExport(Flow):
    """Creates Fortnox invoices from the host's locked customer invoices."""

    name: ClassVar[str] = "projects.customer_invoice.push"
    entity: ClassVar[str] = "customer_invoice"
    resource: ClassVar[str] = "invoices"
    reads: ClassVar[tuple[str, ...]] = ("inbox",)
    direction: ClassVar[Literal["push", "pull"]] = "push"
    fortnox_id_field: ClassVar[str] = "document_number"
    record_model: ClassVar[type[BaseModel]] = HostCustomerInvoice
    Settings: ClassVar[type[FlowSettings]] = CustomerInvoiceExportSettings
    # After the customers and projects the invoice names.
    order: ClassVar[int] = 245
    # Off until a tenant that invoices from its project application turns it on.
    default_enabled: ClassVar[bool] = False
    natural_key: ClassVar[tuple[str, ...]] = ("external_invoice_reference1",)
    natural_key_search: ClassVar[Mapping[str, str]] = {
        "external_invoice_reference1": "externalinvoicereference1"
    }
    match_existing: ClassVar[bool] = True
    # No reference_fields: the e-mail names an invoice as :meth:`reference` does ("H-9 to
    # customer 1001"), which fields joined by spaces ("H-9 1001") cannot say.

    @classmethod
    def scopes(cls) -> frozenset[str]:
        """The invoice and inbox scopes, and ``connectfile`` for attaching the PDF."""
        return super().scopes() | {"connectfile"}

    def map(self, record: Mapping[str, Any]) -> dict[str, Any]:
        """Host customer invoice → Fortnox invoice fields, with the PDF to attach (and whether
        to book it); raises :class:`Excluded` for one not locked yet."""
        if not record.get("locked"):
            raise Excluded("not locked yet: only locked customer invoices are exported")
        settings = self.settings
        assert isinstance(settings, CustomerInvoiceExportSettings)
        number = str(record["invoice_number"])
        fields = {
            "customer_number": record["customer_number"],
            "external_invoice_reference1": number,
            "invoice_date": str(record["invoice_date"]),
            "due_date": str(record["due_date"]) if record.get("due_date") else None,
            "project": record.get("project"),
            "cost_center": record.get("cost_center") if settings.cost_centers else None,
            "our_reference": record.get("our_reference"),
            "your_reference": record.get("your_reference"),
            "invoice_rows": [self._row(row, record, settings) for row in record["rows"]],
            PAID: str(record["paid_on"]) if record.get("paid_on") else None,
        }
        if record.get("pdf"):
            fields[PDF] = {"name": file_name(number), "number": number, "content": record["pdf"]}
        if settings.bookkeep:
            fields[BOOKED] = True
        return {key: value for key, value in fields.items() if value not in (None, "")}

    @staticmethod
    def _row(
        row: Mapping[str, Any], record: Mapping[str, Any], settings: CustomerInvoiceExportSettings
    ) -> dict[str, Any]:
        """One Fortnox invoice row: account, description, quantity, price, VAT, dimensions."""
        quantity = Decimal(str(row.get("quantity", 1)))
        price = row.get("price")
        if price is None:
            price = Decimal(str(row["amount"])) / quantity
        cost_center = row.get("cost_center") or record.get("cost_center")
        out = {
            "AccountNumber": int(row["account"]),
            "Description": row.get("description"),
            "DeliveredQuantity": str(quantity.normalize()),
            "Price": money(price),
            "VAT": row.get("vat"),
            "Project": row.get("project") or record.get("project"),
            "CostCenter": cost_center if settings.cost_centers else None,
        }
        return {key: value for key, value in out.items() if value not in (None, "")}

    def write_resource(self, client: Any) -> CustomerInvoiceWriter:
        """Writes go through :class:`CustomerInvoiceWriter`: the PDF and booking after."""
        settings = self.settings
        assert isinstance(settings, CustomerInvoiceExportSettings)
        return CustomerInvoiceWriter(client.invoices, client.inbox, send_pdf=settings.send_pdf)

    def existing_policy(self) -> ExistingPolicy:
        """An invoice Fortnox has with the same external invoice number is this one."""
        return "adopt"

    def after_create(self, record: Mapping[str, Any], fortnox_id: str) -> dict[str, Any]:
        """The host invoice keeps Fortnox's number (``fortnox_document_number``)."""
        if record.get("fortnox_document_number") == fortnox_id:
            return {}
        return {"fortnox_document_number": fortnox_id}

    def reference(self, external_id: str, record: Mapping[str, Any] | None) -> str:
        """``customer invoice ci-7 (H-1001 to customer K1)``."""
        record = record or {}
        number, customer = record.get("invoice_number"), record.get("customer_number")
        shown = " to customer ".join(str(part) for part in (number, customer) if part)
        return f"customer invoice {external_id}" + (f" ({shown})" if shown else "")


class CustomerInvoiceWriter:
    """The invoice resource as the push writes it: a create attaches the PDF and books the
    invoice when asked to; an update does what is still missing."""

    def __init__(self, invoices: InvoiceResource, inbox: InboxResource, *, send_pdf: bool):
        self.invoices, self.inbox, self.send_pdf = invoices, inbox, send_pdf

    async def create(self, record: Mapping[str, Any]) -> Any:
        """Invoice, PDF, then the booking (a failed attachment or booking fails the record; the
        next run finds the invoice by its external number and finishes it)."""
        fields = dict(record)
        pdf, booked = fields.pop(PDF, None), fields.pop(BOOKED, None)
        fields.pop(PAID, None)
        created = await self.invoices.create(fields)
        number = str(created.document_number)
        if pdf:
            await self.attach(number, pdf)
        if booked:
            return await self.invoices.bookkeep(number)
        return created

    async def update(self, record_id: str, changes: Mapping[str, Any]) -> Any:
        """The changed invoice fields, the PDF, then the booking. When the booking is still to
        do (an adopted invoice), the invoice is read first: one Fortnox booked already is not
        changed or booked again. Otherwise Fortnox refuses a change of a booked invoice (it is
        corrected by a credit invoice there), which fails the record."""
        fields = dict(changes)
        pdf, booked = fields.pop(PDF, None), fields.pop(BOOKED, None)
        fields.pop(PAID, None)
        current = await self.invoices.get(record_id) if booked else None
        done = bool(current is not None and current.booked)
        if fields and not done:
            current = await self.invoices.update(record_id, fields)
        if pdf:
            await self.attach(record_id, pdf)
        if booked and not done:
            return await self.invoices.bookkeep(record_id)
        return current

    async def delete(self, record_id: str) -> None:
        """Cancel the invoice (Fortnox refuses for a booked one: credit it there instead)."""
        await self.invoices.cancel(record_id)

    async def get(self, record_id: str) -> Any:
        """Read one invoice."""
        return await self.invoices.get(record_id)

    def iterate(self, **options: Any) -> Any:
        """The invoice list."""
        return self.invoices.iterate(**options)

    async def attach(self, document_number: str, pdf: Mapping[str, Any]) -> None:
        """Attach the PDF once: nothing when the invoice has an attachment already; the file of
        the same name in the inbox folder when an earlier upload's answer was lost."""
        if await self.inbox.attachments(INVOICE_ENTITY, document_number):
            return
        name = str(pdf["name"])
        folder = await self.inbox.folder(CUSTOMER_INVOICES_FOLDER)
        uploaded = next((row for row in folder.files if row.name == name), None)
        if uploaded is None:
            content = base64.b64decode(str(pdf["content"]))
            if len(content) > MAX_ATTACHMENT_BYTES:
                content = placeholder_pdf(str(pdf["number"]), len(content))
            uploaded = await self.inbox.upload(content, name, folder_id=CUSTOMER_INVOICES_FOLDER)
        await self.inbox.attach(
            INVOICE_ENTITY,
            document_number,
            str(uploaded.archive_file_id),
            include_on_send=self.send_pdf,
        )
