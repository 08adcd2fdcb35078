"""The service family's scenario order and what Fortnox should hold for it under three settings
profiles, written by hand row by row.

One service order of twelve rows: actions on three dates by two technicians, repeated
articles, a hidden article, a service object with a serial number and a comment of 1,500
characters. The builder's output must equal :data:`EXPECTED` exactly (``test_document_profiles``),
and the order push's sandbox scenario sends the same order and compares what Fortnox holds with
the same expectations. Import it as ``unit.service.order_fixture`` (the suite puts ``tests`` on
the path).
"""

from __future__ import annotations

from typing import Any

#: The comment of 1,500 characters (Fortnox keeps 1,024).
LONG_COMMENT = ("Kompressorn kontrollerad enligt serviceprotokoll, inga läckage funna. " * 22)[
    :1500
]

CUSTOMER: dict[str, Any] = {
    "number": "1001",
    "name": "Verkstad Nord AB",
    "type": "company",
    "address1": "Industrigatan 4",
    "zip_code": "903 27",
    "city": "Umeå",
    "your_reference": None,
    "active": True,
}

ARTICLES: dict[str, dict[str, Any]] = {
    "ARB": {"number": "ARB", "description": "Servicearbete", "type": "service", "unit": "h"},
    "F100": {"number": "F100", "description": "Oljefilter", "type": "stock", "unit": "st"},
    "R200": {"number": "R200", "description": "Kilrem", "type": "stock", "unit": "st"},
    "MILJO": {
        "number": "MILJO",
        "description": "Miljöavgift",
        "type": "service",
        "unit": "st",
        "hidden": True,
    },
}

SERVICE_OBJECTS: dict[str, dict[str, Any]] = {
    "K1": {
        "number": "K1",
        "name": "ATLAS COPCO GA 10",
        "serial_number": "API123456789",
        "customer_number": "1001",
        "facility": "Fabriken Syd",
        "operating_hours": "1250.5",
        "comment": "Står i kompressorrummet.",
    }
}

#: The cost centres the profiles name (they must exist in Fortnox before the order goes).
COST_CENTERS = ("U10", "SERV", "ADD")

D1, D2, D3 = "2026-03-02", "2026-03-03", "2026-03-04"
ANNA, ERIK = "Anna Berg", "Erik Ek"


def _action(date: str, hours: str, who: str, what: str, labour: bool = True) -> dict[str, Any]:
    row: dict[str, Any] = {
        "type": "action",
        "date": date,
        "hours": hours,
        "technician": who,
        "description": what,
    }
    if labour:
        row.update(article_number="ARB", price="650")
    return row


def _article(number: str, qty: str, price: str, date: str, who: str, **more: Any) -> dict[str, Any]:
    return {
        "type": "article",
        "article_number": number,
        "quantity": qty,
        "price": price,
        "date": date,
        "technician": who,
        **more,
    }


ORDER: dict[str, Any] = {
    "number": "24017",
    "kind": "service",
    "customer_number": "1001",
    "order_date": D3,
    "ready": True,
    "facility": {"name": "Fabriken Syd"},
    "assigned_to": ANNA,
    "signed_by": ERIK,
    "orderer": "Olle Ny",
    "contact_name": "Karin Ek",
    "contact_phone": "070-123 45 67",
    "customer_order_number": "PO-778",
    "description": "Kompressorn larmar för hög temperatur.",
    "fault_cause": "Igensatt filter och slitna remmar.",
    "summary": "Filter och remmar bytta, kompressorn provkörd utan anmärkning.",
    "cost_center": "U10",
    "rows": [
        {"type": "service_object", "service_object": "K1", "comment": "Årlig service."},  # 1
        _action(D1, "2", ANNA, "Felsökning kompressor"),  # 2
        _article("F100", "1", "189.50", D1, ANNA),  # 3
        _article("MILJO", "1", "45", D1, ANNA),  # 4: hidden
        _action(D2, "3.5", ERIK, "Byte av filter och remmar"),  # 5
        _article("F100", "2", "189.50", D2, ERIK),  # 6
        _article("R200", "2", "95", D2, ERIK),  # 7
        _action(D2, "1", ANNA, "Provkörning", labour=False),  # 8: a text row
        _action(D3, "1.5", ERIK, "Efterkontroll"),  # 9
        _article("F100", "1", "189.50", D3, ERIK),  # 10
        _article("R200", "1", "95", D3, ERIK, cost_center="SERV"),  # 11
        {"type": "text", "text": "Kunden informerad om nästa service."},  # 12
    ],
    "comments": [{"text": LONG_COMMENT, "author": ANNA}],
}

#: The settings profiles, by name.
PROFILES: dict[str, dict[str, Any]] = {
    # Nothing set: an order, rows as the host has them.
    "order_defaults": {},
    # An invoice with the host's prices, articles summed, hidden ones left out, the service
    # object described, people and delivery from the order and the customer.
    "invoice_summed": {
        "create_invoice": True,
        "order_text": "Tack för att ni anlitar oss.",
        "operating_hours_in_text": True,
        "set_prices": True,
        "no_price_articles": "R200",
        "sum_article_rows": True,
        "omit_hidden_articles": True,
        "technician_on_rows": True,
        "service_object_on_rows": True,
        "service_object_serial": True,
        "serial_number_length": 8,
        "service_object_prefix": "Maskin: ",
        "service_object_comment": True,
        "comments": True,
        "signed_as_our_reference": True,
        "orderer_as_your_reference": True,
        "contact_phone_in_your_reference": True,
        "customer_name_as_delivery_name": True,
        "customer_address_as_delivery_address": True,
        "user_cost_center_on_rows": True,
    },
    # An order grouped by date with a summary per date, the texts on top and in the remarks,
    # the order number as the customer's order number, an added cost centre.
    "order_by_actions": {
        "order_text": "Service enligt avtal.",
        "order_text_on_top": True,
        "description_and_cause": True,
        "summary_in_text": True,
        "facility_name": True,
        "order_number_as_your_order_number": True,
        "sort_by_actions": True,
        "technician_on_action_summary": True,
        "action_dates": True,
        "service_object_on_rows": True,
        "service_object_serial": True,
        "assigned_as_our_reference": True,
        "user_cost_center_on_rows": True,
        "ignore_cost_centers": "U10",
        "cost_center": "ADD",
    },
}


def _o(number: str, qty: str, text: str, **more: Any) -> dict[str, Any]:
    """An order row."""
    return {
        "ArticleNumber": number,
        "Description": text,
        "OrderedQuantity": qty,
        "DeliveredQuantity": qty,
        **more,
    }


def _i(number: str, qty: str, text: str, **more: Any) -> dict[str, Any]:
    """An invoice row."""
    return {"ArticleNumber": number, "Description": text, "DeliveredQuantity": qty, **more}


def _t(text: str) -> dict[str, Any]:
    """A text row."""
    return {"Description": text}


#: What Fortnox should hold, by profile: the document's kind and its fields as POSTed.
EXPECTED: dict[str, dict[str, Any]] = {
    "order_defaults": {
        "CustomerNumber": "1001",
        "OurReference": "SO 24017",
        "YourReference": "Karin Ek",
        "YourOrderNumber": "PO-778",
        "OrderRows": [
            _o("ARB", "2", "Felsökning kompressor"),
            _o("F100", "1", "Oljefilter"),
            _o("MILJO", "1", "Miljöavgift"),
            _o("ARB", "3.5", "Byte av filter och remmar"),
            _o("F100", "2", "Oljefilter"),
            _o("R200", "2", "Kilrem"),
            _t("Provkörning"),
            _o("ARB", "1.5", "Efterkontroll"),
            _o("F100", "1", "Oljefilter"),
            _o("R200", "1", "Kilrem", CostCenter="SERV"),
            _t("Kunden informerad om nästa service."),
        ],
    },
    "invoice_summed": {
        "CustomerNumber": "1001",
        "OurReference": "SO 24017 / Erik Ek",
        "YourReference": "Olle Ny, 070-123 45 67",
        "YourOrderNumber": "PO-778",
        "DeliveryName": "Verkstad Nord AB",
        "DeliveryAddress1": "Industrigatan 4",
        "DeliveryZipCode": "903 27",
        "DeliveryCity": "Umeå",
        "Remarks": "Tack för att ni anlitar oss.\nDrifttid ATLAS COPCO GA 10: 1250,5 h",
        "Comments": ("Anna Berg: " + LONG_COMMENT)[:1024],
        "InvoiceRows": [
            _t("Maskin: ATLAS COPCO GA 10, serienr API12345"),
            _t("Årlig service."),
            _i("ARB", "2", "Felsökning kompressor (Anna Berg)", Price=650.0, CostCenter="U10"),
            _i("F100", "4", "Oljefilter (Anna Berg, Erik Ek)", Price=189.5, CostCenter="U10"),
            _i("ARB", "3.5", "Byte av filter och remmar (Erik Ek)", Price=650.0, CostCenter="U10"),
            _i("R200", "2", "Kilrem (Erik Ek)", CostCenter="U10"),
            _t("Provkörning (Anna Berg)"),
            _i("ARB", "1.5", "Efterkontroll (Erik Ek)", Price=650.0, CostCenter="U10"),
            _i("R200", "1", "Kilrem (Erik Ek)", CostCenter="SERV"),
            _t("Kunden informerad om nästa service."),
        ],
    },
    "order_by_actions": {
        "CustomerNumber": "1001",
        "OurReference": "Anna Berg",
        "YourReference": "Karin Ek",
        "YourOrderNumber": "SO 24017",
        "Remarks": "Anläggning: Fabriken Syd\n"
        "Ert ordernummer: PO-778\n"
        "Sammanfattning SO 24017: Filter och remmar bytta, kompressorn provkörd utan anmärkning.",
        "OrderRows": [
            _t("Service enligt avtal."),
            _t("Beskrivning: Kompressorn larmar för hög temperatur."),
            _t("Fel/orsak: Igensatt filter och slitna remmar."),
            _t("ATLAS COPCO GA 10, serienr API123456789"),
            _t("Kunden informerad om nästa service."),
            _t("2026-03-02: 2 h, 2 artikelrader (Anna Berg)"),
            _o("ARB", "2", "2026-03-02 Felsökning kompressor", CostCenter="ADD"),
            _o("F100", "1", "Oljefilter", CostCenter="ADD"),
            _o("MILJO", "1", "Miljöavgift", CostCenter="ADD"),
            _t("2026-03-03: 4,5 h, 2 artikelrader (Erik Ek, Anna Berg)"),
            _o("ARB", "3.5", "2026-03-03 Byte av filter och remmar", CostCenter="ADD"),
            _t("2026-03-03 Provkörning"),
            _o("F100", "2", "Oljefilter", CostCenter="ADD"),
            _o("R200", "2", "Kilrem", CostCenter="ADD"),
            _t("2026-03-04: 1,5 h, 2 artikelrader (Erik Ek)"),
            _o("ARB", "1.5", "2026-03-04 Efterkontroll", CostCenter="ADD"),
            _o("F100", "1", "Oljefilter", CostCenter="ADD"),
            _o("R200", "1", "Kilrem", CostCenter="SERV"),
        ],
    },
}

#: The kind of document each profile makes.
EXPECTED_KIND = {
    "order_defaults": "order",
    "invoice_summed": "invoice",
    "order_by_actions": "order",
}
#: The cost centres each profile's document names.
EXPECTED_COST_CENTERS = {
    "order_defaults": frozenset({"SERV"}),
    "invoice_summed": frozenset({"U10", "SERV"}),
    "order_by_actions": frozenset({"ADD", "SERV"}),
}
#: What each profile's build warns of.
EXPECTED_WARNINGS: dict[str, tuple[str, ...]] = {
    "order_defaults": (),
    "invoice_summed": ("Comments cut to 1,024 characters (Fortnox's limit); it had 1,511",),
    "order_by_actions": (),
}
