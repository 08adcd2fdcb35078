"""``/3/customers``. Defaults on create and how unset fields show are taken
from the recorded ``save_new`` answer; numbers stay reserved after a delete (2000637)."""

from __future__ import annotations

from fortnox_bridge.sandbox.messages import NUMBER_TAKEN
from fortnox_bridge.sandbox.registers.spec import IdRule, ResourceSpec
from fortnox_bridge.sandbox.rules.customer import CustomerRules

# Recorded as "" when unset; every other unset text field is null.
EMPTY_TEXT = (
    "Email", "EmailInvoice", "EmailInvoiceBCC", "EmailInvoiceCC", "EmailOffer", "EmailOfferBCC",
    "EmailOfferCC", "EmailOrder", "EmailOrderBCC", "EmailOrderCC", "InvoiceRemark",
    "OrganisationNumber", "OurReference", "Project", "TermsOfDelivery", "TermsOfPayment",
    "VATNumber", "WayOfDelivery", "WWW", "YourReference",
)  # fmt: skip

RESOURCE = ResourceSpec(
    module="customer",
    scope="customer",
    not_found=(2000433, "Kan inte hitta kunden."),
    location="customers",
    id=IdRule("CustomerNumber", max_length=1024, allowed="\\w+/.\\-–", reserved=NUMBER_TAKEN),
    read_only=frozenset({"Country", "DeliveryCountry", "VisitingCountry"}),
    defaults={
        "Active": True,
        "Currency": "SEK",
        "PriceList": "A",
        "Type": "COMPANY",
        "VATType": "SEVAT",
        "ShowPriceVATIncluded": False,
        "DefaultDeliveryTypes": {"Invoice": "PRINT", "Order": "PRINT", "Offer": "PRINT"},
        "DefaultTemplates": {
            "Order": "DEFAULTTEMPLATE",
            "Offer": "DEFAULTTEMPLATE",
            "Invoice": "DEFAULTTEMPLATE",
            "CashInvoice": "DEFAULTTEMPLATE",
        },
    },
    blanks=dict.fromkeys(EMPTY_TEXT, ""),
    string_blank=None,
    list_empty_strings=True,
    filters={
        "active": lambda ctx, r: bool(r.get("Active", True)),
        "inactive": lambda ctx, r: not r.get("Active", True),
    },
    search={
        "customernumber": "CustomerNumber",
        "name": "Name",
        "zipcode": "ZipCode",
        "city": "City",
        "email": "Email",
        "phone": "Phone1",
        "organisationnumber": "OrganisationNumber",
        "gln": "GLN",
        "glndelivery": "GLNDelivery",
    },
    sort={"customernumber": "CustomerNumber", "name": "Name"},
    lastmodified=True,
    rules=CustomerRules(),
)
