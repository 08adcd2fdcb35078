"""The service family's demo: a field-service company's customers, articles with their prices,
two service objects (a compressor and a heat pump) and three orders — a service order, a work
order and a sales order, all ready for invoicing — as ``(entity, host id, payload)``.

The customer and article numbers stay clear of the demo company's own (customers 1–4,
articles 101–301) and of the projects family's customers (2001–2003).
"""

from __future__ import annotations

from typing import Any

#: The service order the demo company's office invoices in Fortnox after the sync (the bridge
#: sends every order as an order), and the flow that reads its invoice back.
OFFICE_INVOICES = "SO-1001"
INVOICED_PULL = "service.service_order.pull"
#: The service family's settings in the demo: prices are synchronised with price list A, and
#: each order becomes a Fortnox order (the office invoices it in Fortnox; the demo does one).
DEMO_SERVICE_SETTINGS: dict[str, Any] = {
    "sync_prices": True,
    "price_list": "A",
    "create_invoice": False,
    "invoiced_when": "invoiced",
    "assigned_as_our_reference": True,
    "orderer_as_your_reference": True,
    "order_number_as_your_order_number": True,
    "summary_in_text": True,
    "service_object_on_rows": True,
    "service_object_serial": True,
    "technician_on_rows": True,
    "customer_name_as_delivery_name": True,
}

_CUSTOMERS: tuple[tuple[str, dict[str, Any]], ...] = (
    ("5001", {"name": "Kylteknik i Örebro AB", "organisation_number": "556567-8901",
              "type": "company", "address1": "Elementvägen 7", "zip_code": "702 27",
              "city": "Örebro", "country_code": "SE", "phone": "019-12 34 50",
              "email": "faktura@kylteknik.se", "your_reference": "Lena Holm"}),
    ("5002", {"name": "Brf Solgläntan", "organisation_number": "769612-3456", "type": "company",
              "address1": "Solgläntan 2", "zip_code": "791 31", "city": "Falun",
              "country_code": "SE", "email": "styrelsen@solglantan.se"}),
    ("5003", {"name": "Per Andersson", "type": "private", "address1": "Björkvägen 14",
              "zip_code": "811 34", "city": "Sandviken", "country_code": "SE",
              "phone": "070-123 45 67"}),
)  # fmt: skip

_ARTICLES: tuple[tuple[str, dict[str, Any], str | None], ...] = (
    ("S-100", {"description": "Servicetimme", "unit": "tim", "type": "service", "vat": "25"},
     "795"),
    ("S-110", {"description": "Jourtillägg", "unit": "tim", "type": "service", "vat": "25"},
     "350"),
    ("S-120", {"description": "Resa, fast avgift", "unit": "st", "type": "service", "vat": "25"},
     "450"),
    ("D-200", {"description": "Oljefilter kompressor", "unit": "st", "type": "stock",
               "vat": "25"}, "389"),
    ("D-210", {"description": "Luftfilter kompressor", "unit": "st", "type": "stock",
               "vat": "25"}, "265"),
    ("D-220", {"description": "Köldmedium R32, kg", "unit": "kg", "type": "stock", "vat": "25"},
     "1150"),
)  # fmt: skip

_OBJECTS: tuple[tuple[str, dict[str, Any]], ...] = (
    ("OBJ-1", {"name": "Atlas Copco GA 11 kompressor", "serial_number": "API123456789",
               "customer_number": "5001", "facility": "Verkstaden Elementvägen",
               "operating_hours": "18250", "comment": "Serviceavtal guld"}),
    ("OBJ-2", {"name": "Nibe F2120 värmepump", "serial_number": "NB-2120-0042",
               "customer_number": "5002", "facility": "Undercentralen hus B"}),
)  # fmt: skip

_ORDERS: tuple[tuple[str, dict[str, Any]], ...] = (
    ("SO-1001", {
        "kind": "service", "customer_number": "5001", "order_date": "2026-11-30", "ready": True,
        "assigned_to": "Jonas Berg", "orderer": "Lena Holm", "contact_name": "Lena Holm",
        "contact_phone": "019-12 34 50", "facility": {"name": "Verkstaden Elementvägen"},
        "description": "Årlig service av kompressor.",
        "summary": "Filter bytta, läckagekontroll utan anmärkning.",
        "rows": [
            {"type": "service_object", "service_object": "OBJ-1"},
            {"type": "action", "date": "2026-11-30", "hours": "2.5", "technician": "Jonas Berg",
             "description": "Service enligt avtal", "article_number": "S-100"},
            {"type": "article", "article_number": "D-200", "quantity": "1",
             "technician": "Jonas Berg"},
            {"type": "article", "article_number": "D-210", "quantity": "2",
             "technician": "Jonas Berg"},
        ]}),
    ("AO-1002", {
        "kind": "work", "customer_number": "5002", "order_date": "2026-12-01", "ready": True,
        "assigned_to": "Sara Lind", "orderer": "Styrelsen", "fault_cause": "Lågt tryck i "
        "köldmediekretsen efter läcka vid ventil.",
        "rows": [
            {"type": "service_object", "service_object": "OBJ-2", "comment": "Ventil bytt"},
            {"type": "action", "date": "2026-12-01", "hours": "3", "technician": "Sara Lind",
             "description": "Felsökning och byte av ventil", "article_number": "S-100"},
            {"type": "article", "article_number": "S-110", "quantity": "3"},
            {"type": "article", "article_number": "D-220", "quantity": "1.5"},
            {"type": "article", "article_number": "S-120", "quantity": "1"},
        ]}),
    ("FO-1003", {
        "kind": "sales", "customer_number": "5003", "order_date": "2026-12-02", "ready": True,
        "status": "Levererad", "customer_order_number": "Filter vinter",
        "delivery": {"date": "2026-12-03"},
        "rows": [
            {"type": "article", "article_number": "D-200", "quantity": "2"},
            {"type": "article", "article_number": "D-210", "quantity": "2"},
            {"type": "text", "text": "Levereras till dörren."},
        ]}),
)  # fmt: skip


def demo_service() -> list[tuple[str, str, dict[str, Any]]]:
    """The service family's demo records, in the order they are written."""
    records = [
        ("service_customer", number, {"number": number, **payload})
        for number, payload in _CUSTOMERS
    ]
    records += [
        ("service_article", number, {"number": number, **payload})
        for number, payload, _ in _ARTICLES
    ]
    records += [
        ("service_price", number, {"article_number": number, "price_list": "A",
                                           "price": price})
        for number, _, price in _ARTICLES
    ]  # fmt: skip
    records += [
        ("service_object", number, {"number": number, **payload}) for number, payload in _OBJECTS
    ]
    records += [
        ("service_order", number, {"number": number, **payload}) for number, payload in _ORDERS
    ]
    return records
