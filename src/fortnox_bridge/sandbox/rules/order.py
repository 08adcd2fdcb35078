"""Order rules and actions: cancel, create an invoice from the order, external print, send and
print."""

from __future__ import annotations

from collections.abc import Mapping

from starlette.responses import Response

from fortnox_bridge.formats.pdf import text_pdf
from fortnox_bridge.sandbox.messages import ACTION_REFUSED, DOCUMENT_LOCKED, refuse
from fortnox_bridge.sandbox.registers.ops import answer, check_dated, store
from fortnox_bridge.sandbox.registers.render import number_text, to_number
from fortnox_bridge.sandbox.registers.spec import Action, Ctx, Record
from fortnox_bridge.sandbox.registers.writes import new_record, require
from fortnox_bridge.sandbox.rules.documents import CUSTOMER_COPY, DocumentRules

#: Order fields an invoice made from the order takes over.
INVOICE_COPY = (
    "CustomerNumber", *CUSTOMER_COPY, "Country", "Comments", "Remarks", "YourOrderNumber",
    "ExternalInvoiceReference1", "ExternalInvoiceReference2", "Freight", "AdministrationFee",
    "Language", "TermsOfPayment", "VATIncluded", "TaxReductionType", "Labels",
    "EmailInformation",
)  # fmt: skip
ROW_COPY = (
    "ArticleNumber", "Description", "AccountNumber", "Price", "Discount", "DiscountType", "VAT",
    "Unit", "CostCenter", "Project", "HouseWork", "HouseWorkType", "HouseWorkHoursToReport",
)  # fmt: skip


class OrderRules(DocumentRules):
    """Orders: cancelled or invoiced orders cannot change."""

    rows_field = "OrderRows"
    date_field = "OrderDate"
    kind = "orders"

    def check_change(self, ctx: Ctx, record: Record) -> None:
        """An invoiced order is closed."""
        super().check_change(ctx, record)
        if str(record.get("InvoiceReference", "0")) != "0":
            raise refuse(DOCUMENT_LOCKED, state="fakturerat")

    def actions(self) -> Mapping[str, Action]:
        """The order actions of the catalogue."""
        return {
            "cancel": Action("PUT", _cancel),
            "createinvoice": Action("PUT", _create_invoice),
            "externalprint": Action("PUT", _mark_sent),
            "email": Action("GET", _mark_sent),
            "print": Action("GET", _print),
            "preview": Action("GET", _preview),
        }


def _refuse_if(condition: object, reason: str) -> None:
    if condition:
        raise refuse(ACTION_REFUSED, reason=reason)


def _cancel(ctx: Ctx, number: str, record: Record) -> Response:
    _refuse_if(record.get("Cancelled"), "ordern är redan makulerad")
    _refuse_if(str(record.get("InvoiceReference", "0")) != "0", "ordern är fakturerad")
    cancelled = {**record, "Cancelled": True}
    store(ctx, number, cancelled)
    return answer(ctx, cancelled)


def _create_invoice(ctx: Ctx, number: str, record: Record) -> Response:
    """Create an invoice of the order's (delivered, else ordered) quantities; answers with it."""
    _refuse_if(record.get("Cancelled"), "ordern är makulerad")
    _refuse_if(str(record.get("InvoiceReference", "0")) != "0", "ordern är redan fakturerad")
    invoices = ctx.switch("invoice")
    rows = []
    for row in record.get("OrderRows", []):
        delivered = to_number(row.get("DeliveredQuantity")) or 0
        quantity = delivered or to_number(row.get("OrderedQuantity")) or 0
        copied = {key: row[key] for key in ROW_COPY if key in row}
        rows.append({**copied, "DeliveredQuantity": number_text(quantity)})
    sent = {key: record[key] for key in INVOICE_COPY if key in record}
    sent["InvoiceRows"] = rows
    invoice_number = invoices.register(invoices.resource.name).take_number()
    invoice = new_record(invoices, sent)
    invoice.update(DocumentNumber=invoice_number, OrderReference=number)
    require(invoices.resource, invoice)
    invoices.resource.spec.rules.prepare(invoices, invoice, sent, None)
    check_dated(invoices, ctx.today)
    store(invoices, invoice_number, invoice)
    store(ctx, number, {**record, "InvoiceReference": invoice_number})
    return answer(invoices, invoice)


def _mark_sent(ctx: Ctx, number: str, record: Record) -> Response:
    sent = {**record, "Sent": True}
    store(ctx, number, sent)
    return answer(ctx, sent)


def _print(ctx: Ctx, number: str, record: Record) -> Response:
    store(ctx, number, {**record, "Sent": True})
    return _preview(ctx, number, record)


def _preview(ctx: Ctx, number: str, record: Record) -> Response:
    lines = [
        f"Order {number}",
        f"Kund {record.get('CustomerNumber', '')} {record.get('CustomerName', '')}",
        f"Orderdatum {record.get('OrderDate', '')}",
        f"Summa {record.get('Total', 0)} {record.get('Currency', 'SEK')}",
    ]
    return Response(text_pdf(lines), media_type="application/pdf")
