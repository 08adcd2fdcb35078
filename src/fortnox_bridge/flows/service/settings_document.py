"""The service settings of the registers (customers, articles, prices, time reports) and of
the Fortnox document an order becomes."""

from __future__ import annotations

from typing import Literal

from fortnox_bridge.engine.flow.base import FlowSettings
from fortnox_bridge.flows.service.settings_base import (
    INVOICED_CHOICES,
    SYNC_CHOICES,
    SyncDirection,
    setting,
)

_R = "registers"
_D = "document"


class RegisterSettings(FlowSettings):
    """How the customer, article and price registers and the time reports are synchronised."""

    customers: SyncDirection = setting(
        "both",
        _R,
        "Customers",
        "Which way the customer register is synchronised with Fortnox.",
        ("Kunder", "Åt vilket håll kundregistret synkas med Fortnox."),
        choices=SYNC_CHOICES,
    )
    articles: SyncDirection = setting(
        "both",
        _R,
        "Articles",
        "Which way the article register is synchronised with Fortnox.",
        ("Artiklar", "Åt vilket håll artikelregistret synkas med Fortnox."),
        choices=SYNC_CHOICES,
    )
    disable_article_creation: bool = setting(
        False,
        _R,
        "Disable article creation",
        "Articles added or changed in the service system are not sent to Fortnox.",
        (
            "Inaktivera artikelskapande",
            "Artiklar som läggs till eller ändras i servicesystemet skickas inte till Fortnox.",
        ),
    )
    sync_prices: bool = setting(
        False,
        _R,
        "Synchronise prices",
        "Prices changed in Fortnox are brought into the service system and prices changed "
        "there are sent to Fortnox. Export the article register as a backup first.",
        (
            "Synka priser",
            "Priser som ändras i Fortnox förs in i servicesystemet och priser som ändras där "
            "skickas till Fortnox. Exportera artikelregistret som säkerhetskopia först.",
        ),
    )
    price_list: str = setting(
        "A",
        _R,
        "Price list",
        "The Fortnox price list whose prices are synchronised.",
        ("Prislista", "Den prislista i Fortnox vars priser synkas."),
        min_length=1,
        max_length=10,
        pattern=r"^[A-Za-z0-9]+$",
    )
    accept_empty_fortnox_prices: bool = setting(
        False,
        _R,
        "Let Fortnox articles without a price erase prices",
        "A Fortnox article without a price erases the article's price in the service system. "
        "Off: such an article leaves the price as it is and is reported.",
        (
            "Låt artiklar utan pris i Fortnox radera priser",
            "En artikel utan pris i Fortnox raderar artikelns pris i servicesystemet. Av: en "
            "sådan artikel lämnar priset orört och rapporteras.",
        ),
    )
    sub_group_on_sync: str | None = setting(
        None,
        _R,
        "Sub-group set on synchronisation",
        "Customers brought in from Fortnox get this sub-group.",
        ("Sätt undergrupp vid synkning", "Kunder som hämtas från Fortnox får denna undergrupp."),
        min_length=1,
        max_length=50,
    )
    time_reports: bool = setting(
        False,
        _R,
        "Send time reports",
        "Time reports are sent to Fortnox as attendance; the employees need their Fortnox "
        "employee number and the reports Fortnox's codes.",
        (
            "Skicka tidsrapport",
            "Tidsrapporter skickas till Fortnox som närvaro; de anställda behöver sitt "
            "anställningsnummer i Fortnox och rapporterna Fortnox koder.",
        ),
    )


class DocumentSettings(RegisterSettings):
    """What the Fortnox order or invoice made of an order is, and what its texts say."""

    order_text: str = setting(
        "",
        _D,
        "Order text",
        "A text put on every order sent to Fortnox (in its remarks).",
        ("Ordertext", "En text som följer med alla ordrar som skickas till Fortnox."),
        max_length=1024,
    )
    internal_customer: str | None = setting(
        None,
        _D,
        "Internally invoiced customer",
        "The customer number of the company invoiced between sub-groups.",
        (
            "Internfakturerad kund",
            "Kundnumret på det bolag som faktureras mellan undergrupper.",
        ),
        min_length=1,
        max_length=20,
        pattern=r"^[\w+/.\-]+$",
    )
    create_invoice: bool = setting(
        False,
        _D,
        "Create the invoice directly",
        "An order sent becomes a Fortnox invoice. Off: a Fortnox order.",
        ("Skapa faktura direkt", "En skickad order blir en faktura i Fortnox. Av: en order."),
    )
    send_invoice: bool = setting(
        False,
        _D,
        "Send the invoice at once",
        "The invoice is e-mailed from Fortnox as soon as it is created.",
        (
            "Skicka fakturan direkt efter sändning",
            "Fakturan e-postas från Fortnox så snart den skapats.",
        ),
    )
    invoiced_at_send: bool = setting(
        False,
        _D,
        "Mark as invoiced when sent",
        "An order is marked invoiced as soon as it is sent to Fortnox.",
        (
            "Sätt som fakturerad vid sändning",
            "En order markeras som fakturerad så snart den skickats till Fortnox.",
        ),
    )
    invoiced_when: Literal["sent", "booked", "invoiced"] = setting(
        "sent",
        _D,
        "Invoiced when",
        "When Fortnox's invoice makes the order count as invoiced.",
        ("Fakturerad när", "När fakturan i Fortnox gör att ordern räknas som fakturerad."),
        choices=INVOICED_CHOICES,
    )
    send_before_ready: bool = setting(
        False,
        _D,
        "Allow sending before ready",
        "An order may be sent before it is ready for invoicing, and sent again to bring "
        "its changes.",
        (
            "Möjliggör sändning av order innan den är klar för fakturering",
            "En order kan skickas innan den är klar för fakturering och skickas igen med "
            "ändringarna.",
        ),
    )
    create_order_from_reference: bool = setting(
        False,
        _D,
        "Create order from reference",
        "An order made in Fortnox can be fetched by its number.",
        ("Skapa order från referens", "En order skapad i Fortnox kan hämtas med sitt nummer."),
    )
    omit_order_number: bool = setting(
        False,
        _D,
        "Do not send the order number",
        "The service system's order number is left out; the customer's order number still goes.",
        (
            "Skicka inte ordernummer",
            "Servicesystemets ordernummer utelämnas; kundens ordernummer skickas fortfarande.",
        ),
    )
    order_number_as_your_order_number: bool = setting(
        False,
        _D,
        "Order number as your order number",
        "The order number goes to Your order number instead of Our reference.",
        (
            "Flytta AO/SO-nr från Vår referens till Ert ordernummer",
            "Ordernumret skickas som Ert ordernummer i stället för Vår referens.",
        ),
    )
    order_number_in_comment: bool = setting(
        False,
        _D,
        "Order number in the remarks",
        "The order number is put in the document's remarks.",
        (
            "Ta med ordernummer i kommentar vid överföring till Fortnox",
            "Ordernumret läggs i dokumentets kommentar (ordertext).",
        ),
    )
    order_text_on_top: bool = setting(
        False,
        _D,
        "Order text on top",
        "The order text becomes text rows at the top instead of remarks (line breaks are lost).",
        (
            "Lägg ordertexten överst",
            "Ordertexten blir textrader överst i stället för i ordertextrutan (radbrytningar "
            "försvinner).",
        ),
    )
    summary_in_text: bool = setting(
        False,
        _D,
        "Summary in the remarks",
        "The order's summary, with its number, is put in the remarks.",
        (
            "Lägg en sammanfattning i ordertextrutan",
            "Orderns sammanfattning, med ordernumret, läggs i ordertextrutan.",
        ),
    )
    description_in_text: bool = setting(
        False,
        _D,
        "Description and cause in the remarks",
        "The order's description and fault/cause are put in the remarks.",
        (
            "Lägg till beskrivning och fel/orsak i ordertextrutan",
            "Orderns beskrivning och fel/orsak läggs i ordertextrutan.",
        ),
    )
    operating_hours_in_text: bool = setting(
        False,
        _D,
        "Operating hours in the remarks",
        "The service objects' operating hours are put in the remarks.",
        (
            "Ta med serviceobjektens drifttid i ordertext",
            "Serviceobjektens drifttid läggs i ordertextrutan.",
        ),
    )
    sales_order_status: bool = setting(
        False,
        _D,
        "Sales order status",
        "A sales order's status is put in the remarks.",
        ("Ta med status på försäljningsorder", "Försäljningsorderns status läggs i ordertexten."),
    )
    facility_name: bool = setting(
        False,
        _D,
        "Facility name",
        "The facility's name is put in the remarks.",
        ("Ta med anläggningsnamn", "Anläggningens namn läggs i ordertexten."),
    )
