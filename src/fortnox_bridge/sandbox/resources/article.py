"""``/3/articles``. Defaults and unset values as recorded in 2023–2024;
list items send quantities as strings and ``VAT`` as null (recorded)."""

from __future__ import annotations

from fortnox_bridge.sandbox.registers.spec import IdRule, ResourceSpec
from fortnox_bridge.sandbox.rules.article import ArticleRules

RESOURCE = ResourceSpec(
    module="article",
    scope="article",
    not_found=(2000428, "Kan inte hitta artikeln."),
    location="articles",
    id=IdRule("ArticleNumber", max_length=50),
    read_only=frozenset(
        {"DisposableQuantity", "ReservedQuantity", "SalesPrice", "StockValue", "SupplierName"}
    ),
    defaults={
        "Active": True,
        "Type": "STOCK",
        "VAT": 25,
        "SalesAccount": 3001,
        "PurchaseAccount": 4000,
        "EUAccount": 3108,
        "EUVATAccount": 3106,
        "ExportAccount": 3105,
    },
    string_blank=None,
    number_blank=0,
    blanks={
        "EAN": "",
        "ManufacturerArticleNumber": "",
        "Note": "",
        "SalesPrice": None,
        "StockAccount": None,
        "StockChangeAccount": None,
        "DirectCost": None,
        "FreightCost": None,
        "OtherCost": None,
    },
    list_strings=frozenset({"QuantityInStock"}),
    list_constants={"VAT": None},
    filters={
        "active": lambda ctx, r: bool(r.get("Active", True)),
        "inactive": lambda ctx, r: not r.get("Active", True),
    },
    search={
        "articlenumber": "ArticleNumber",
        "description": "Description",
        "ean": "EAN",
        "suppliernumber": "SupplierNumber",
        "manufacturer": "Manufacturer",
        "manufacturerarticlenumber": "ManufacturerArticleNumber",
    },
    sort={
        "articlenumber": "ArticleNumber",
        "quantityinstock": "QuantityInStock",
        "reservedquantity": "ReservedQuantity",
        "stockvalue": "StockValue",
    },
    lastmodified=True,
    rules=ArticleRules(),
)
