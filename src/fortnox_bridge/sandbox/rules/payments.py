"""Payment rules, shared by ``/3/invoicepayments`` and ``/3/supplierinvoicepayments``.

A payment names its invoice (``InvoiceNumber``) and takes the invoice's details (customer or
supplier, due date, total, OCR). Its amount lowers the invoice's ``Balance``; the payment that
brings the balance to zero sets the invoice's ``FinalPayDate`` to its payment date. A change or
delete of an unbooked payment moves the balance back; a booked payment cannot change.

Guesses (no recorded answer): a payment of an unbooked, cancelled or unknown invoice is refused
with the sandbox's own codes below, as is a date before the invoice date.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal

from starlette.datastructures import QueryParams
from starlette.responses import Response

from fortnox_bridge.sandbox.messages import INVALID_PARAMETER, refuse
from fortnox_bridge.sandbox.registers.ops import answer, parse_date, store
from fortnox_bridge.sandbox.registers.spec import Action, Ctx, Record, Rules
from fortnox_bridge.sandbox.rules.supplier_invoice import to_decimal

INVOICE_MISSING = (2990140, "Fakturan {value} finns inte.")
INVOICE_NOT_PAYABLE = (2990141, "Fakturan {value} kan inte betalas: {reason}.")
PAYMENT_BOOKED = (2990142, "Betalningen är bokförd och kan inte ändras.")
PAYMENT_BEFORE_INVOICE = (2990143, "Betaldatum {value} är före fakturadatum.")


@dataclass(frozen=True)
class PaymentRules(Rules):
    """Payments of the invoices of ``invoices`` (a register name), copying ``copied``
    (payment field → invoice field) from the invoice."""

    invoices: str = "invoices"
    copied: Mapping[str, str] = field(default_factory=dict)

    def prepare(self, ctx: Ctx, record: Record, sent: Record, old: Record | None) -> None:
        """Check the invoice, copy its details and move its balance."""
        if old is not None and old.get("Booked"):
            raise refuse(PAYMENT_BOOKED)
        number = str(record.get("InvoiceNumber") or "")
        invoice = ctx.record(self.invoices, number)
        if invoice is None:
            raise refuse(INVOICE_MISSING, value=number)
        if not invoice.get("Booked") or invoice.get("Cancelled"):
            reason = "den är makulerad" if invoice.get("Cancelled") else "den är inte bokförd"
            raise refuse(INVOICE_NOT_PAYABLE, value=number, reason=reason)
        record.setdefault("PaymentDate", ctx.today.isoformat())
        if str(record["PaymentDate"]) < str(invoice.get("InvoiceDate") or ""):
            raise refuse(PAYMENT_BEFORE_INVOICE, value=record["PaymentDate"])
        for name, source in self.copied.items():
            record[name] = invoice.get(source)
        record.setdefault("Booked", False)
        record["Currency"] = invoice.get("Currency") or "SEK"
        before = to_decimal(old.get("Amount")) if old is not None else Decimal(0)
        self._move(ctx, number, invoice, to_decimal(record.get("Amount")) - before, record)

    def check_change(self, ctx: Ctx, record: Record) -> None:
        """A booked payment is final."""
        if record.get("Booked"):
            raise refuse(PAYMENT_BOOKED)

    def check_delete(self, ctx: Ctx, record: Record) -> None:
        """A booked payment is final; an unbooked one gives its amount back to the invoice."""
        self.check_change(ctx, record)
        number = str(record.get("InvoiceNumber") or "")
        invoice = ctx.record(self.invoices, number)
        if invoice is not None:
            self._move(ctx, number, invoice, -to_decimal(record.get("Amount")), record)

    def actions(self) -> Mapping[str, Action]:
        """``PUT /{Number}/bookkeep``."""
        return {"bookkeep": Action("PUT", _bookkeep)}

    def _move(self, ctx: Ctx, number: str, invoice: Record, paid: Decimal, payment: Record) -> None:
        balance = to_decimal(invoice.get("Balance")) - paid
        changed = {**invoice, "Balance": _same_type(invoice.get("Balance"), balance)}
        changed["FinalPayDate"] = payment.get("PaymentDate") if balance == 0 else None
        store(ctx, number, changed, register=self.invoices)


def _same_type(old: object, value: Decimal) -> object:
    """The balance in the stored shape: text for supplier invoices, a number for invoices."""
    if isinstance(old, str):
        return str(value.quantize(Decimal("0.01")))
    return float(value)


def _bookkeep(ctx: Ctx, number: str, record: Record) -> Response:
    if record.get("Booked"):
        raise refuse(PAYMENT_BOOKED)
    booked = {**record, "Booked": True}
    store(ctx, number, booked)
    return answer(ctx, booked)


def final_pay_dates(
    params: QueryParams, rows: list[tuple[str, Record]]
) -> list[tuple[str, Record]]:
    """The rows whose ``FinalPayDate`` is within ``fromfinalpaydate``/``tofinalpaydate``
    (inclusive; an invoice not fully paid has none and is left out when either is given)."""
    low, high = params.get("fromfinalpaydate"), params.get("tofinalpaydate")
    if low is None and high is None:
        return rows
    bounds = [parse_date(bound) if bound is not None else None for bound in (low, high)]
    if any(
        given is not None and bound is None
        for given, bound in zip((low, high), bounds, strict=True)
    ):
        raise refuse(INVALID_PARAMETER)
    start, end = (bound.isoformat() if bound else None for bound in bounds)
    return [
        (key, row)
        for key, row in rows
        if row.get("FinalPayDate")
        and (start is None or str(row["FinalPayDate"]) >= start)
        and (end is None or str(row["FinalPayDate"]) <= end)
    ]
