"""``/3/invoices``: defaults and unset values as recorded (``Credit`` as the
string ``"false"``, references as ``"0"``, ``InvoicePeriodStart`` as ``""``), OCR numbers, due
dates from the terms of payment, and the actions in :mod:`~fortnox_bridge.sandbox.rules.invoice`.
"""

from __future__ import annotations

from fortnox_bridge.sandbox.registers.spec import Ctx, IdRule, Record, ResourceSpec
from fortnox_bridge.sandbox.rules.documents import row_blanks
from fortnox_bridge.sandbox.rules.invoice import InvoiceRules


def _today(ctx: Ctx) -> str:
    return ctx.today.isoformat()


def _unpaid(ctx: Ctx, record: Record) -> bool:
    return (
        bool(record.get("Booked")) and not record.get("Cancelled") and record.get("Balance", 0) != 0
    )


READ_ONLY = (
    "AccountingMethod", "AdministrationFeeVAT", "Balance", "BasisTaxReduction", "Booked",
    "Cancelled", "Credit", "CreditInvoiceReference", "ContractReference", "ContributionPercent",
    "ContributionValue", "FinalPayDate", "FreightVAT", "Gross", "HouseWork", "InvoicePeriodEnd",
    "InvoicePeriodStart", "LastRemindDate", "Net", "NoxFinans", "OfferReference",
    "OrderReference", "OrganisationNumber", "Reminders", "RoundOff", "Sent", "TaxReduction",
    "Total", "TotalToPay", "TotalVAT", "VoucherNumber", "VoucherSeries", "VoucherYear",
    "@urlTaxReductionList",
)  # fmt: skip

RESOURCE = ResourceSpec(
    module="invoice",
    scope="invoice",
    not_found=(2000434, "Kan inte hitta fakturan."),
    location="invoices",
    id=IdRule("DocumentNumber"),
    read_only=frozenset(READ_ONLY),
    defaults={
        "InvoiceDate": _today,
        "OutboundDate": _today,
        "AccountingMethod": "ACCRUAL",
        "Credit": "false",
        "CreditInvoiceReference": "0",
        "InvoiceReference": "0",
        "OfferReference": "0",
        "OrderReference": "0",
        "ContractReference": 0,
        "Currency": "SEK",
        "CurrencyRate": 1,
        "CurrencyUnit": 1,
        "InvoiceType": "INVOICE",
        "Language": "SV",
        "PriceList": "A",
        "PrintTemplate": "st",
        "TaxReductionType": "none",
        "WarehouseReady": True,
        "Reminders": 0,
        "EmailInformation": {"EmailSubject": "Faktura {no} bifogas", "EmailBody": " "},
    },
    number_blank=0,
    blanks={
        "DeliveryDate": None,
        "LastRemindDate": None,
        "TaxReduction": None,
        "TimeBasisReference": None,
        "VoucherNumber": None,
        "VoucherSeries": None,
        "VoucherYear": None,
        "FinalPayDate": None,
        "InvoicePeriodStart": "",
        "InvoicePeriodEnd": "",
        "EDIInformation.EDIStatus": "",
        "EmailInformation.EmailAddressTo": "",
        **row_blanks("InvoiceRows"),
    },
    # Declared but never in a recorded answer.
    absent=frozenset({"InvoicePeriodReference"}),
    # Undeclared fields the live API sends (recorded).
    extra_fields={"InvoiceReference": "0", "InvoiceRows.Cost": 0},
    list_strings=frozenset({"CurrencyRate"}),
    filters={
        "cancelled": lambda ctx, r: bool(r.get("Cancelled")),
        "fullypaid": lambda ctx, r: (
            bool(r.get("Booked")) and not r.get("Cancelled") and r.get("Balance", 0) == 0
        ),
        "unpaid": _unpaid,
        "unpaidoverdue": lambda ctx, r: _unpaid(ctx, r) and str(r.get("DueDate")) < _today(ctx),
        "unbooked": lambda ctx, r: not r.get("Booked") and not r.get("Cancelled"),
    },
    search={
        "customername": "CustomerName",
        "customernumber": "CustomerNumber",
        "documentnumber": "DocumentNumber",
        "ourreference": "OurReference",
        "yourreference": "YourReference",
        "ocr": "OCR",
        "project": "Project",
        "costcenter": "CostCenter",
        "externalinvoicereference1": "ExternalInvoiceReference1",
        "externalinvoicereference2": "ExternalInvoiceReference2",
        "invoicetype": "InvoiceType",
        "yourordernumber": "YourOrderNumber",
        "currency": "Currency",
    },
    sort={
        "customername": "CustomerName",
        "customernumber": "CustomerNumber",
        "documentnumber": "DocumentNumber",
        "invoicedate": "InvoiceDate",
        "ocr": "OCR",
        "total": "Total",
    },
    date_field="InvoiceDate",
    lastmodified=True,
    # Recorded: a 300-character row description is cut to 255, not refused.
    truncate={"InvoiceRows.Description": 255},
    free_enums=frozenset({"InvoiceRows.HouseWorkType"}),
    rules=InvoiceRules(),
)
