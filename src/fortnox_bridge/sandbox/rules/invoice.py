"""Invoice rules: OCR numbers, due dates from the terms of payment, and the actions — bookkeep
(the invoice becomes immutable and gets a voucher in series B, with its PDF connected to it:
``rules.voucher_documents``), cancel, credit, external print,
send and print (PDF) — as Fortnox documents them."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, timedelta

from starlette.datastructures import QueryParams
from starlette.responses import Response

from fortnox_bridge.formats.pdf import text_pdf
from fortnox_bridge.sandbox.messages import (
    ACTION_REFUSED,
    DOCUMENT_LOCKED,
    NO_EMAIL_ADDRESS,
    refuse,
    refuse_code,
)
from fortnox_bridge.sandbox.registers.ops import (
    answer,
    check_dated,
    financial_year,
    parse_date,
    store,
)
from fortnox_bridge.sandbox.registers.render import number_text, to_number
from fortnox_bridge.sandbox.registers.spec import Action, Ctx, Record
from fortnox_bridge.sandbox.rules.documents import TERMS, DocumentRules, totals
from fortnox_bridge.sandbox.rules.payments import final_pay_dates
from fortnox_bridge.sandbox.rules.voucher_documents import book_customer_invoice

VOUCHER_SERIES = "B"  # customer invoices


class InvoiceRules(DocumentRules):
    """Invoices: dated by ``InvoiceDate``; booked and cancelled invoices cannot change."""

    rows_field = "InvoiceRows"
    date_field = "InvoiceDate"
    kind = "invoices"

    def prepare(self, ctx: Ctx, record: Record, sent: Record, old: Record | None) -> None:
        """Documents' rules, then the terms of payment, due date and OCR."""
        super().prepare(ctx, record, sent, old)
        terms = str(record.get("TermsOfPayment", ""))
        if terms and ctx.record(TERMS, terms) is None:
            raise refuse_code(2000429, "Kan inte hitta betalningsvillkoret.")
        invoice_date = parse_date(record.get("InvoiceDate")) or ctx.today
        if "DueDate" not in record or ("DueDate" not in sent and _moved(sent)):
            record["DueDate"] = (invoice_date + timedelta(days=due_days(terms))).isoformat()
        if not record.get("OCR"):
            record["OCR"] = ocr(str(record["DocumentNumber"]))

    def narrow(
        self, ctx: Ctx, params: QueryParams, rows: list[tuple[str, Record]]
    ) -> list[tuple[str, Record]]:
        """``fromfinalpaydate`` / ``tofinalpaydate``: invoices fully paid within the dates."""
        return final_pay_dates(params, rows)

    def dated(self, record: Record) -> date | None:
        """Invoices are checked against financial years and the locked period by invoice date."""
        return parse_date(record.get("InvoiceDate"))

    def check_change(self, ctx: Ctx, record: Record) -> None:
        """A booked invoice is immutable (correct it with a credit invoice)."""
        super().check_change(ctx, record)
        if record.get("Booked"):
            raise refuse(DOCUMENT_LOCKED, state="bokfört")

    def actions(self) -> Mapping[str, Action]:
        """The invoice actions of the catalogue."""
        return {
            "bookkeep": Action("PUT", _bookkeep),
            "cancel": Action("PUT", _cancel),
            "credit": Action("PUT", _credit),
            "externalprint": Action("PUT", _mark_sent),
            "warehouseready": Action("PUT", _warehouse_ready),
            "email": Action("GET", _email),
            "einvoice": Action("GET", _mark_sent),
            "eprint": Action("GET", _mark_sent),
            "print": Action("GET", _print),
            "preview": Action("GET", _preview),
            "printreminder": Action("GET", _reminder),
        }


def ocr(number: str) -> str:
    """Document number + length digit + Luhn check digit (fits the recorded 1→133, 32→3244)."""
    body = number + str((len(number) + 2) % 10)
    total = 0
    for position, digit in enumerate(reversed(body)):
        value = int(digit) * (2 if position % 2 == 0 else 1)
        total += value - 9 if value > 9 else value
    return body + str((10 - total % 10) % 10)


def due_days(terms: str) -> int:
    """Days of credit of a terms-of-payment code: its leading digits (``30``, ``21DAYS``)."""
    digits = ""
    for char in terms:
        if not char.isdigit():
            break
        digits += char
    return int(digits) if digits else 30


def _moved(sent: Record) -> bool:
    return "InvoiceDate" in sent or "TermsOfPayment" in sent


def _refuse_if(condition: object, reason: str) -> None:
    if condition:
        raise refuse(ACTION_REFUSED, reason=reason)


def _bookkeep(ctx: Ctx, number: str, record: Record) -> Response:
    _refuse_if(record.get("Cancelled"), "fakturan är makulerad")
    _refuse_if(record.get("Booked"), "fakturan är redan bokförd")
    invoice_date = parse_date(record.get("InvoiceDate")) or ctx.today
    check_dated(ctx, invoice_date)
    year = financial_year(ctx, invoice_date)
    assert year is not None
    series = ctx.register(f"vouchers-{VOUCHER_SERIES}-{year['Id']}")
    booked = {
        **record,
        "Booked": True,
        "VoucherSeries": VOUCHER_SERIES,
        "VoucherNumber": int(series.take_number()),
        "VoucherYear": int(year["Id"]),
    }
    store(ctx, number, booked)
    if ctx.company.settings.invoice_vouchers:
        book_customer_invoice(ctx, number, booked, invoice_pdf(number, booked))
    return answer(ctx, booked)


def _cancel(ctx: Ctx, number: str, record: Record) -> Response:
    _refuse_if(record.get("Booked"), "en bokförd faktura krediteras i stället")
    _refuse_if(record.get("Cancelled"), "fakturan är redan makulerad")
    cancelled = {**record, "Cancelled": True, "Balance": 0}
    store(ctx, number, cancelled)
    return answer(ctx, cancelled)


def _credit(ctx: Ctx, number: str, record: Record) -> Response:
    _refuse_if(record.get("Cancelled"), "fakturan är makulerad")
    _refuse_if(str(record.get("Credit")) == "true", "en kreditfaktura kan inte krediteras")
    _refuse_if(record.get("CreditInvoiceReference", "0") != "0", "fakturan är redan krediterad")
    check_dated(ctx, ctx.today)
    credit_number = ctx.register(ctx.resource.name).take_number()
    rows = [
        {**row, "DeliveredQuantity": number_text(-(to_number(row.get("DeliveredQuantity")) or 0))}
        for row in record.get("InvoiceRows", [])
    ]
    credit = {
        key: value
        for key, value in record.items()
        if key not in ("Booked", "Sent", "VoucherNumber", "VoucherSeries", "VoucherYear", "OCR")
    }
    credit.update(
        DocumentNumber=credit_number, Credit="true", CreditInvoiceReference=number,
        InvoiceDate=ctx.today.isoformat(), DueDate=ctx.today.isoformat(),
        OCR=ocr(credit_number), InvoiceRows=rows,
    )  # fmt: skip
    totals(credit, "InvoiceRows")
    store(ctx, credit_number, credit)
    updated = {**record, "CreditInvoiceReference": credit_number}
    store(ctx, number, updated)
    return answer(ctx, updated)


def _mark_sent(ctx: Ctx, number: str, record: Record) -> Response:
    sent = {**record, "Sent": True}
    store(ctx, number, sent)
    return answer(ctx, sent)


def _email(ctx: Ctx, number: str, record: Record) -> Response:
    """Send the invoice to ``EmailInformation.EmailAddressTo``; refused without an address
    (the code is the sandbox's own), refused for a cancelled invoice; marks it sent."""
    _refuse_if(record.get("Cancelled"), "fakturan är makulerad")
    information = record.get("EmailInformation") or {}
    if not str(information.get("EmailAddressTo") or "").strip():
        raise refuse(NO_EMAIL_ADDRESS)
    return _mark_sent(ctx, number, record)


def _warehouse_ready(ctx: Ctx, number: str, record: Record) -> Response:
    ready = {**record, "WarehouseReady": True}
    store(ctx, number, ready)
    return answer(ctx, ready)


def _print(ctx: Ctx, number: str, record: Record) -> Response:
    store(ctx, number, {**record, "Sent": True})  # print marks the invoice sent; preview does not
    return _preview(ctx, number, record)


def _preview(ctx: Ctx, number: str, record: Record) -> Response:
    return Response(invoice_pdf(number, record), media_type="application/pdf")


def invoice_pdf(number: str, record: Record) -> bytes:
    """The one-page PDF of invoice ``number`` (print, preview, the booked invoice's document)."""
    lines = [
        f"Faktura {number}",
        f"Kund {record.get('CustomerNumber', '')} {record.get('CustomerName', '')}",
        f"Fakturadatum {record.get('InvoiceDate', '')}  Förfallodatum {record.get('DueDate', '')}",
        f"OCR {record.get('OCR', '')}",
        f"Att betala {record.get('TotalToPay', 0)} {record.get('Currency', 'SEK')}",
    ]
    return text_pdf(lines)


def _reminder(ctx: Ctx, number: str, record: Record) -> Response:
    _refuse_if(not record.get("Booked"), "påminnelse kräver en bokförd faktura")
    reminded = {
        **record,
        "Reminders": int(record.get("Reminders", 0)) + 1,
        "LastRemindDate": ctx.today.isoformat(),
    }
    store(ctx, number, reminded)
    return Response(text_pdf([f"Påminnelse faktura {number}"]), media_type="application/pdf")
