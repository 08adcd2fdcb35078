"""What orders and invoices share: customer data copied on create, rows (``RowId`` semantics,
article defaults, row ids regenerated on every update), totals, and the housework rules.

Rows (as ``PUT /3/invoices`` documents them): without any ``RowId`` the sent array replaces
the rows position by position; with ``RowId`` s, rows are matched by id, rows without one are
new and rows left out are deleted. Every write gives all rows new ids.
"""

from __future__ import annotations

from typing import Any

from fortnox_bridge.sandbox.messages import (
    ACCOUNT_MISSING,
    DOCUMENT_LOCKED,
    HOUSEWORK_DISCONTINUED,
    HOUSEWORK_MISMATCH,
    HOUSEWORK_OTHERCOSTS,
    NOT_ALLOWED,
    UNKNOWN_REFERENCE,
    refuse,
    refuse_code,
)
from fortnox_bridge.sandbox.registers.render import number_text, to_number
from fortnox_bridge.sandbox.registers.spec import Ctx, Record, Rules
from fortnox_bridge.sandbox.registers.writes import merge
from fortnox_bridge.sandbox.rules.customer import COUNTRY_NAMES

CUSTOMERS, ARTICLES, ACCOUNTS, TERMS = "customers", "articles", "accounts", "termsofpayments"
#: Registers a document or a row may name, with the word Fortnox uses for each.
DIMENSIONS = (("CostCenter", "costcenters", "Kostnadsställe"), ("Project", "projects", "Projekt"))
ROW_IDS = "documentrows"
DEFAULT_SALES_ACCOUNT = 3001
DEFAULT_TERMS = "30"
#: Customer fields copied to a new document unless the document sends its own.
CUSTOMER_COPY = {
    "CustomerName": "Name", "Address1": "Address1", "Address2": "Address2", "City": "City",
    "ZipCode": "ZipCode", "Phone1": "Phone1", "Phone2": "Phone2",
    "OrganisationNumber": "OrganisationNumber", "DeliveryName": "DeliveryName",
    "DeliveryAddress1": "DeliveryAddress1", "DeliveryAddress2": "DeliveryAddress2",
    "DeliveryCity": "DeliveryCity", "DeliveryZipCode": "DeliveryZipCode",
    "OurReference": "OurReference", "YourReference": "YourReference",
    "Currency": "Currency", "PriceList": "PriceList", "TermsOfDelivery": "TermsOfDelivery",
    "WayOfDelivery": "WayOfDelivery", "CostCenter": "CostCenter", "Project": "Project",
}  # fmt: skip
# Which housework types belong to which tax reduction (Skatteverket's ROT/RUT/green lists).
ROT = {"CONSTRUCTION", "ELECTRICITY", "GLASSMETALWORK", "GROUNDDRAINAGEWORK", "MASONRY",
       "PAINTINGWALLPAPERING", "HVAC"}  # fmt: skip
RUT = {"CLEANING", "TEXTILECLOTHING", "SNOWPLOWING", "GARDENING", "BABYSITTING", "OTHERCARE",
       "MOVINGSERVICES", "ITSERVICES", "MAJORAPPLIANCEREPAIR", "HOMEMAINTENANCE",
       "FURNISHING", "TRANSPORTATIONSERVICES", "WASHINGANDCAREOFCLOTHING"}  # fmt: skip
GREEN = {"SOLARCELLS", "STORAGESELFPRODUCEDELECTRICITY", "CHARGINGSTATIONELECTRICVEHICLE"}
# Recorded: COOKING and TUTORING are refused with 2003157 (tax reduction discontinued).
DISCONTINUED = {"COOKING", "TUTORING"}
NEUTRAL = {"OTHERCOSTS", "EMPTYHOUSEWORK"}


def row_blanks(rows: str) -> dict[str, None]:
    """Row fields recorded as ``null`` when unset (other row fields show ``""``, ``0``)."""
    names = ("HouseWorkHoursToReport", "HouseWorkType", "StockPointCode", "StockPointId", "VATCode")
    return {f"{rows}.{name}": None for name in names}


class DocumentRules(Rules):
    """Shared by orders and invoices; subclasses name the rows and the document date."""

    rows_field = "InvoiceRows"
    date_field = "InvoiceDate"
    kind = "invoices"

    def prepare(self, ctx: Ctx, record: Record, sent: Record, old: Record | None) -> None:
        """Customer, rows, housework rules and totals."""
        customer = _customer(ctx, record)
        check_dimensions(ctx, sent)
        if old is None:
            _copy_customer(record, customer, sent)
            record.setdefault("TermsOfPayment", customer.get("TermsOfPayment") or DEFAULT_TERMS)
        if self.rows_field in sent:
            before = [] if old is None else list(old.get(self.rows_field, []))
            record[self.rows_field] = self._rows(ctx, before, sent[self.rows_field])
        elif old is not None and record.get(self.rows_field):
            record[self.rows_field] = _renumber(ctx, record[self.rows_field])
        _housework(record, self.rows_field)
        totals(record, self.rows_field)

    def derive(self, ctx: Ctx, record: Record, out: Record) -> None:
        """The tax-reduction list URL Fortnox includes in every document."""
        number = record.get("DocumentNumber", "")
        out["@urlTaxReductionList"] = (
            f"https://api.fortnox.se/3/taxreductions?filter={self.kind}&referencenumber={number}"
        )

    def _rows(self, ctx: Ctx, old: list[Record], sent: list[Record]) -> list[Record]:
        if any("RowId" in row for row in sent):
            by_id = {str(row.get("RowId")): row for row in old}
            merged = [merge(by_id.get(str(row.get("RowId")), {}), row) for row in sent]
        else:
            merged = [merge(old[i] if i < len(old) else {}, row) for i, row in enumerate(sent)]
        return _renumber(ctx, [self._row(ctx, row) for row in merged])

    def _row(self, ctx: Ctx, row: Record) -> Record:
        article = None
        number = row.get("ArticleNumber")
        if number:
            article = ctx.record(ARTICLES, str(number))
            if article is None:
                raise refuse_code(2000428, "Kan inte hitta artikeln.")
        article = article or {}
        check_dimensions(ctx, row)
        row.setdefault("Description", article.get("Description", ""))
        row.setdefault("AccountNumber", article.get("SalesAccount", DEFAULT_SALES_ACCOUNT))
        row.setdefault("VAT", article.get("VAT", 25) if article else 25)
        row.setdefault("Unit", article.get("Unit") or "")
        row.setdefault("DiscountType", "PERCENT")
        account = str(row.get("AccountNumber"))
        if ctx.record(ACCOUNTS, account) is None:
            raise refuse(ACCOUNT_MISSING, value=account)
        for name in ("DeliveredQuantity", "OrderedQuantity", "ReservedQuantity"):
            if name in row:
                row[name] = number_text(round(to_number(row[name]) or 0, 2))
        if "Price" in row:
            row["Price"] = to_number(round(to_number(row["Price"]) or 0, 2))
        return row

    def check_change(self, ctx: Ctx, record: Record) -> None:
        """Cancelled documents cannot change."""
        if record.get("Cancelled"):
            raise refuse(DOCUMENT_LOCKED, state="makulerat")


def check_dimensions(ctx: Ctx, record: Record) -> None:
    """A cost centre or project the document or row names must exist (the sandbox's code and
    wording, as for payroll rows: nobody recorded Fortnox's)."""
    for field, register, what in DIMENSIONS:
        value = record.get(field)
        if value not in (None, "") and ctx.record(register, str(value)) is None:
            raise refuse(UNKNOWN_REFERENCE, what=what, value=value)


def _customer(ctx: Ctx, record: Record) -> Record:
    number = str(record.get("CustomerNumber", ""))
    customer = ctx.record(CUSTOMERS, number)
    if customer is None:
        raise refuse_code(2000433, "Kan inte hitta kunden.")
    return customer


def _copy_customer(record: Record, customer: Record, sent: Record) -> None:
    for target, source in CUSTOMER_COPY.items():
        if target not in sent and customer.get(source) not in (None, ""):
            record[target] = customer[source]
    if "Country" not in sent and customer.get("CountryCode"):
        code = str(customer["CountryCode"]).upper()
        record["Country"] = COUNTRY_NAMES.get(code, code)
    address = customer.get("EmailInvoice") or customer.get("Email")
    if address:
        record.setdefault("EmailInformation", {}).setdefault("EmailAddressTo", address)


def _renumber(ctx: Ctx, rows: list[Record]) -> list[Record]:
    """New ``RowId`` s for every row (Fortnox regenerates them on every update)."""
    register = ctx.register(ROW_IDS)
    return [{**row, "RowId": int(register.take_number())} for row in rows]


def _housework(record: Record, rows_field: str) -> None:
    reduction = record.get("TaxReductionType") or "none"
    allowed = {"rot": ROT, "rut": RUT, "green": GREEN}.get(reduction)
    for row in record.get(rows_field, []):
        work = row.get("HouseWorkType")
        if not work:
            continue
        if work in DISCONTINUED:
            raise refuse(HOUSEWORK_DISCONTINUED)
        if work not in ROT | RUT | GREEN | NEUTRAL:
            raise refuse(NOT_ALLOWED, field=f"{rows_field}.HouseWorkType", value=work)
        if work in NEUTRAL:
            if row.get("HouseWork"):
                raise refuse(HOUSEWORK_OTHERCOSTS)
            continue
        if allowed is not None and work not in allowed:
            raise refuse(HOUSEWORK_MISMATCH, reduction=reduction, work=work)


def totals(record: Record, rows_field: str) -> None:
    """Row totals and document totals; the total is rounded to whole kronor (öresavrundning)."""
    net = vat = 0.0
    included = bool(record.get("VATIncluded"))
    for row in record.get(rows_field, []):
        quantity = to_number(row.get("DeliveredQuantity")) or 0
        price = to_number(row.get("Price")) or 0
        rate = (to_number(row.get("VAT")) or 0) / 100
        total = _discounted(quantity * price, row, quantity)
        excluding = total / (1 + rate) if included else total
        row["Total"] = _money(total)
        if rows_field == "InvoiceRows":  # order rows have no excluding-VAT fields
            row["PriceExcludingVAT"] = _money(price / (1 + rate) if included else price)
            row["TotalExcludingVAT"] = _money(excluding)
        row.setdefault("ContributionValue", "0")
        row.setdefault("ContributionPercent", "0")
        net += excluding
        vat += excluding * rate
    freight = to_number(record.get("Freight")) or 0
    fee = to_number(record.get("AdministrationFee")) or 0
    record["FreightVAT"] = _money(freight * 0.25)
    record["AdministrationFeeVAT"] = _money(fee * 0.25)
    vat += (freight + fee) * 0.25
    gross = net + freight + fee
    exact = gross + vat
    record.update(
        Net=_money(net), Gross=_money(gross), TotalVAT=_money(vat),
        RoundOff=_money(round(exact) - exact), Total=_money(round(exact)),
        TotalToPay=_money(round(exact)), ContributionValue=_money(net),
        ContributionPercent=100 if net else 0,
    )  # fmt: skip
    if not record.get("Booked") or "Balance" not in record:
        record["Balance"] = 0 if record.get("Cancelled") else _money(round(exact))


def _discounted(amount: float, row: Record, quantity: float) -> float:
    discount = to_number(row.get("Discount")) or 0
    if row.get("DiscountType") == "AMOUNT":
        return amount - discount * (1 if quantity >= 0 else -1)
    return amount * (1 - discount / 100)


def _money(value: float) -> Any:
    return to_number(round(value, 2))
