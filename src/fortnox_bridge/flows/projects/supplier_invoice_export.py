"""``projects.supplier_invoice.push``: approved host supplier invoices → Fortnox supplier
invoices (``/3/supplierinvoices``).

Only an approved invoice is exported; one not approved yet is skipped (no problem) until it is.
Its rows become Fortnox's rows: the total as a credit on the payable account (code ``TOT``),
the VAT as a debit on the input-VAT account (code ``VAT``), and each cost row as a debit (a
negative amount as a credit) on its account, with its project and, when the tenant includes
them, its cost centre. Fortnox numbers the invoice (its ``GivenNumber``); the number is written
back to the host record (``fortnox_given_number``) and announced on the event feed
(``record.changed``).

Before an invoice is created the supplier is looked up by its number: a supplier Fortnox does not
have is created from the invoice's supplier, one it has is updated only when the tenant chooses
so (``update_supplier``). By setting (``bookkeep``) the invoice is booked right after it is
created. A deleted host invoice is cancelled in Fortnox (Fortnox deletes no supplier invoices).
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from typing import Any, ClassVar, Literal

from pydantic import BaseModel, Field

from fortnox_bridge.engine.flow.base import Excluded, ExistingPolicy, Flow, FlowSettings
from fortnox_bridge.flows.projects.records import HostSupplierInvoice
from fortnox_bridge.fortnox import NotFoundError
from fortnox_bridge.fortnox.resources.attributes import SupplierResource
from fortnox_bridge.fortnox.resources.supplier_invoice import SupplierInvoiceResource

#: Host supplier field → Fortnox supplier field.
SUPPLIER_FIELDS = {
    "number": "supplier_number", "name": "name", "organisation_number": "organisation_number",
    "address1": "address1", "address2": "address2", "zip_code": "zip_code", "city": "city",
    "country_code": "country_code", "phone": "phone1", "email": "email", "bankgiro": "bg",
    "plusgiro": "pg", "vat_number": "vat_number",
}  # fmt: skip
#: The mapped fields that are no Fortnox supplier-invoice fields: the supplier it needs,
#: whether it is to be booked (done by the bookkeep action) and the paid date the pull brings
#: back (``paid_on``, never sent).
SUPPLIER, BOOKED, PAID = "supplier", "booked", "final_pay_date"


class SupplierInvoiceExportSettings(FlowSettings):
    """Settings of ``projects.supplier_invoice.push``."""

    bookkeep: bool = Field(
        default=False,
        title="Book the invoices in Fortnox",
        description="Book each supplier invoice in Fortnox right after it is exported. "
        "Otherwise it stays unbooked until someone books it in Fortnox.",
    )
    cost_centers: bool = Field(
        default=False,
        title="Include cost centres",
        description="Send the cost centre of each row (or of the invoice). The cost centres "
        "must exist in Fortnox.",
    )
    update_supplier: bool = Field(
        default=False,
        title="Update suppliers with each invoice",
        description="When Fortnox has the invoice's supplier already, update it with the "
        "supplier's details from the invoice. A supplier Fortnox lacks is created either way.",
    )
    payable_account: int = Field(
        default=2440,
        ge=1000,
        le=9999,
        title="Accounts payable account",
        description="The account the amount to pay is credited to (BAS: 2440).",
    )
    vat_account: int = Field(
        default=2640,
        ge=1000,
        le=9999,
        title="Input VAT account",
        description="The account the VAT is debited to (BAS: 2640).",
    )


def money(value: Any) -> float:
    """An amount as the number Fortnox takes (two decimals)."""
    return float(Decimal(str(value)).quantize(Decimal("0.01")))


def side(amount: Any, positive: str, negative: str) -> dict[str, float]:
    """``{positive: amount}`` for a positive amount, ``{negative: -amount}`` otherwise."""
    number = money(amount)
    return {positive: number} if number >= 0 else {negative: -number}


class SupplierInvoiceExport(Flow):
    """Creates Fortnox supplier invoices from the host's approved supplier invoices.

    Invoices are matched by supplier and invoice number: one Fortnox already has (created before
    an answer was lost) is adopted, never created twice.
    """

    name: ClassVar[str] = "projects.supplier_invoice.push"
    entity: ClassVar[str] = "supplier_invoice"
    resource: ClassVar[str] = "supplier_invoices"
    reads: ClassVar[tuple[str, ...]] = ("suppliers",)
    direction: ClassVar[Literal["push", "pull"]] = "push"
    fortnox_id_field: ClassVar[str] = "given_number"
    record_model: ClassVar[type[BaseModel]] = HostSupplierInvoice
    Settings: ClassVar[type[FlowSettings]] = SupplierInvoiceExportSettings
    # After the projects (the rows name them).
    order: ClassVar[int] = 240
    # Off until a tenant that handles supplier invoices in its project application turns it on.
    default_enabled: ClassVar[bool] = False
    natural_key: ClassVar[tuple[str, ...]] = ("supplier_number", "invoice_number")
    natural_key_search: ClassVar[Mapping[str, str]] = {"supplier_number": "suppliernumber"}
    match_existing: ClassVar[bool] = True

    def map(self, record: Mapping[str, Any]) -> dict[str, Any]:
        """Host supplier invoice → Fortnox supplier invoice fields, with the supplier it needs
        (and whether to book it); raises :class:`Excluded` for one not approved yet."""
        if not record.get("approved"):
            raise Excluded("not approved yet: only approved supplier invoices are exported")
        settings = self.settings
        assert isinstance(settings, SupplierInvoiceExportSettings)
        supplier = {
            SUPPLIER_FIELDS[name]: value
            for name, value in dict(record["supplier"]).items()
            if name in SUPPLIER_FIELDS and value not in (None, "")
        }
        fields = {
            "supplier_number": supplier["supplier_number"],
            "invoice_number": record["invoice_number"],
            "invoice_date": str(record["invoice_date"]),
            "due_date": str(record["due_date"]),
            "total": str(Decimal(str(record["total"])).quantize(Decimal("0.01"))),
            "vat": str(Decimal(str(record.get("vat", 0))).quantize(Decimal("0.01"))),
            "currency": record.get("currency"),
            "ocr": record.get("ocr"),
            "project": record.get("project"),
            "cost_center": record.get("cost_center") if settings.cost_centers else None,
            "comments": record.get("comments"),
            "supplier_invoice_rows": self._rows(record, settings),
            SUPPLIER: supplier,
            PAID: str(record["paid_on"]) if record.get("paid_on") else None,
        }
        if settings.bookkeep:
            fields[BOOKED] = True
        return {key: value for key, value in fields.items() if value not in (None, "")}

    def _rows(
        self, record: Mapping[str, Any], settings: SupplierInvoiceExportSettings
    ) -> list[dict[str, Any]]:
        """Fortnox's rows: the payable, the VAT and the cost rows, in that order."""
        rows: list[dict[str, Any]] = [
            {"Account": settings.payable_account, "Code": "TOT",
             **side(record["total"], "Credit", "Debit")},
        ]  # fmt: skip
        if money(record.get("vat", 0)):
            rows.append(
                {"Account": settings.vat_account, "Code": "VAT",
                 **side(record["vat"], "Debit", "Credit")}
            )  # fmt: skip
        for row in record["rows"]:
            cost_center = row.get("cost_center") or record.get("cost_center")
            extra = {
                "Project": row.get("project") or record.get("project"),
                "CostCenter": cost_center if settings.cost_centers else None,
                "TransactionInformation": row.get("description"),
            }
            rows.append(
                {"Account": int(row["account"]), **side(row["amount"], "Debit", "Credit"),
                 **{k: v for k, v in extra.items() if v}}
            )  # fmt: skip
        return rows

    def write_resource(self, client: Any) -> SupplierInvoiceWriter:
        """Writes go through :class:`SupplierInvoiceWriter`: the supplier first, booking after."""
        settings = self.settings
        assert isinstance(settings, SupplierInvoiceExportSettings)
        return SupplierInvoiceWriter(
            client.supplier_invoices, client.suppliers, update_supplier=settings.update_supplier
        )

    def existing_policy(self) -> ExistingPolicy:
        """An invoice Fortnox has with the same supplier and invoice number is this one."""
        return "adopt"

    def after_create(self, record: Mapping[str, Any], fortnox_id: str) -> dict[str, Any]:
        """The host invoice keeps Fortnox's number (``fortnox_given_number``)."""
        if record.get("fortnox_given_number") == fortnox_id:
            return {}
        return {"fortnox_given_number": fortnox_id}

    def reference(self, external_id: str, record: Mapping[str, Any] | None) -> str:
        """``supplier invoice si-7 (F-1001 from Byggvaruhuset AB)``."""
        record = record or {}
        number, supplier = record.get("invoice_number"), (record.get("supplier") or {})
        name = supplier.get("name") or supplier.get("number")
        shown = " from ".join(str(part) for part in (number, name) if part)
        return (
            f"supplier invoice {external_id} ({shown})"
            if shown
            else (f"supplier invoice {external_id}")
        )


class SupplierInvoiceWriter:
    """The supplier-invoice resource as the push writes it: a create makes sure Fortnox has the
    supplier first and books the invoice afterwards when asked to; a delete cancels."""

    def __init__(
        self,
        invoices: SupplierInvoiceResource,
        suppliers: SupplierResource,
        *,
        update_supplier: bool,
    ) -> None:
        self.invoices, self.suppliers = invoices, suppliers
        self.update_supplier = update_supplier

    async def create(self, record: Mapping[str, Any]) -> Any:
        """Supplier, invoice, then the booking (a refused booking fails the record; the next run
        finds the invoice by its numbers and books it then)."""
        fields = dict(record)
        supplier, booked = fields.pop(SUPPLIER, None), fields.pop(BOOKED, None)
        fields.pop(PAID, None)
        if supplier:
            await self.supplier(supplier)
        created = await self.invoices.create(fields)
        if booked:
            return await self.invoices.bookkeep(str(created.given_number))
        return created

    async def update(self, record_id: str, changes: Mapping[str, Any]) -> Any:
        """The supplier when it changed, the invoice's changed fields, then the booking."""
        fields = dict(changes)
        supplier, booked = fields.pop(SUPPLIER, None), fields.pop(BOOKED, None)
        fields.pop(PAID, None)
        if supplier:
            await self.supplier(supplier)
        stored = await self.invoices.update(record_id, fields) if fields else None
        if booked:
            return await self.invoices.bookkeep(record_id)
        return stored

    async def delete(self, record_id: str) -> None:
        """Cancel the invoice (Fortnox refuses for a booked one: credit it there instead)."""
        await self.invoices.cancel(record_id)

    async def get(self, record_id: str) -> Any:
        """Read one invoice."""
        return await self.invoices.get(record_id)

    def iterate(self, **options: Any) -> Any:
        """The invoice list."""
        return self.invoices.iterate(**options)

    async def supplier(self, fields: Mapping[str, Any]) -> None:
        """Create the supplier when Fortnox lacks its number; update what differs when asked."""
        number = str(fields["supplier_number"])
        try:
            current = await self.suppliers.get(number)
        except NotFoundError:
            await self.suppliers.create(dict(fields))
            return
        if not self.update_supplier:
            return
        have = current.model_dump(mode="json")
        changes = {k: v for k, v in fields.items() if k != "supplier_number" and have.get(k) != v}
        if changes:
            await self.suppliers.update(number, changes)
