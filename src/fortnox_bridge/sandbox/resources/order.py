"""``/3/orders``: defaults as recorded (``DeliveryState`` ``delivery``,
``OrderType`` ``Order``, ``PrintTemplate`` ``oc``, references ``"0"``), housework rules, and the
actions in :mod:`~fortnox_bridge.sandbox.rules.order`."""

from __future__ import annotations

from fortnox_bridge.sandbox.registers.spec import Ctx, IdRule, ResourceSpec
from fortnox_bridge.sandbox.rules.documents import row_blanks
from fortnox_bridge.sandbox.rules.order import OrderRules


def _today(ctx: Ctx) -> str:
    return ctx.today.isoformat()


READ_ONLY = (
    "AdministrationFeeVAT", "BasisTaxReduction", "Cancelled", "ContributionPercent",
    "ContributionValue", "FreightVAT", "Gross", "HouseWork", "InvoiceReference", "Net",
    "OfferReference", "OrderType", "OrganisationNumber", "RoundOff", "Sent", "TaxReduction",
    "Total", "TotalToPay", "TotalVAT", "WarehouseReady", "@urlTaxReductionList",
)  # fmt: skip

RESOURCE = ResourceSpec(
    module="order",
    scope="order",
    not_found=(2000439, "Kan inte hitta ordern."),
    location="orders",
    id=IdRule("DocumentNumber"),
    read_only=frozenset(READ_ONLY),
    defaults={
        "OrderDate": _today,
        "OutboundDate": _today,
        "DeliveryState": "delivery",
        "OrderType": "Order",
        "PrintTemplate": "oc",
        "PriceList": "A",
        "Currency": "SEK",
        "CurrencyRate": 1,
        "CurrencyUnit": 1,
        "Language": "SV",
        "InvoiceReference": "0",
        "OfferReference": "0",
        "TaxReductionType": "none",
        "WarehouseReady": True,
        "EmailInformation": {"EmailSubject": "Order {no} bifogas", "EmailBody": " "},
    },
    number_blank=0,
    blanks={
        "DeliveryDate": None,
        "TaxReduction": None,
        "TimeBasisReference": None,
        "StockPointCode": None,
        "StockPointId": None,
        "EmailInformation.EmailAddressTo": "",
        **row_blanks("OrderRows"),
    },
    # Recorded order rows carry an undeclared Cost and no VATCode.
    extra_fields={"OrderRows.Cost": 0},
    absent=frozenset({"OrderRows.VATCode"}),
    filters={
        "cancelled": lambda ctx, r: bool(r.get("Cancelled")),
        "expired": lambda ctx, r: (
            not r.get("Cancelled") and str(r.get("DeliveryDate") or "9999") < _today(ctx)
        ),
        "invoicecreated": lambda ctx, r: str(r.get("InvoiceReference", "0")) != "0",
        "invoicenotcreated": lambda ctx, r: (
            str(r.get("InvoiceReference", "0")) == "0" and not r.get("Cancelled")
        ),
    },
    search={
        "customername": "CustomerName",
        "customernumber": "CustomerNumber",
        "documentnumber": "DocumentNumber",
        "ourreference": "OurReference",
        "yourreference": "YourReference",
        "project": "Project",
        "costcenter": "CostCenter",
        "externalinvoicereference1": "ExternalInvoiceReference1",
        "externalinvoicereference2": "ExternalInvoiceReference2",
        "ordertype": "OrderType",
    },
    sort={
        "customername": "CustomerName",
        "customernumber": "CustomerNumber",
        "orderdate": "OrderDate",
        "documentnumber": "DocumentNumber",
        "total": "Total",
    },
    date_field="OrderDate",
    lastmodified=True,
    truncate={"OrderRows.Description": 255},
    free_enums=frozenset({"OrderRows.HouseWorkType"}),
    rules=OrderRules(),
)
