"""``/3/supplierinvoicefileconnections``: a file of the archive connected to a supplier invoice
(the scanned invoice), by the file's archive ``Id`` (``FileId``) and the invoice's
``GivenNumber`` (``SupplierInvoiceNumber``); ``Name`` and ``SupplierName`` are Fortnox's.

Guesses (no recorded answers): the list narrows by ``?supplierinvoicenumber=`` (the OpenAPI
document declares no parameter); an unknown file or supplier invoice is refused with the
sandbox's own code below; a file is connected to one supplier invoice at a time. A file connected
to a booked invoice is connected to the invoice's voucher too (``rules.voucher_documents``).
"""

from __future__ import annotations

from fortnox_bridge.sandbox.messages import refuse
from fortnox_bridge.sandbox.registers.spec import Ctx, IdRule, Record, ResourceSpec, Rules
from fortnox_bridge.sandbox.rules.voucher_documents import connect_to_voucher

NOT_CONNECTABLE = (2990151, "Filen {file} kan inte kopplas till leverantörsfakturan: {reason}.")


class SupplierInvoiceFileConnectionRules(Rules):
    """Checks the file and the supplier invoice; fills the read-only names."""

    def prepare(self, ctx: Ctx, record: Record, sent: Record, old: Record | None) -> None:
        """The file and the supplier invoice must exist."""
        file_id = str(record.get("FileId") or "")
        found = ctx.record("inbox", file_id)
        if found is None:
            raise refuse(NOT_CONNECTABLE, file=file_id, reason="filen finns inte")
        invoice = ctx.record("supplierinvoices", str(record.get("SupplierInvoiceNumber") or ""))
        if invoice is None:
            raise refuse(NOT_CONNECTABLE, file=file_id, reason="fakturan finns inte")
        record["Name"] = found.get("Name")
        record["SupplierName"] = invoice.get("SupplierName")
        if invoice.get("Booked"):  # the file joins the booked invoice's voucher too
            connect_to_voucher(ctx, found, invoice["VoucherYear"], str(invoice["VoucherSeries"]),
                               invoice["VoucherNumber"])  # fmt: skip


RESOURCE = ResourceSpec(
    module="supplier_invoice_file_connection",
    scope="connectfile",
    # No recorded not-found answer: the sandbox's own code.
    not_found=(2990152, "Kan inte hitta filkopplingen."),
    location="supplierinvoicefileconnections",
    id=IdRule("FileId", kind="given"),
    read_only=frozenset({"Name", "SupplierName"}),
    required=("FileId", "SupplierInvoiceNumber"),
    exact_search={"supplierinvoicenumber": "SupplierInvoiceNumber"},
    rules=SupplierInvoiceFileConnectionRules(),
)
