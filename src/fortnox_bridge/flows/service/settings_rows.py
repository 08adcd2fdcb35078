"""The service settings of the document's rows, references, delivery and cost centres."""

from __future__ import annotations

from fortnox_bridge.flows.service.settings_base import CodeList, setting
from fortnox_bridge.flows.service.settings_document import DocumentSettings

_R = "rows"
_F = "references"
_L = "delivery"
_C = "cost_centers"


class RowSettings(DocumentSettings):
    """Which rows the document has and what they say."""

    sort_by_actions: bool = setting(
        False,
        _R,
        "Sort by actions",
        "Rows are grouped by date, each date led by a summary of its actions.",
        (
            "Sortera på åtgärder",
            "Raderna grupperas per datum och varje datum inleds av en summering av åtgärderna.",
        ),
    )
    action_dates: bool = setting(
        False,
        _R,
        "Date on actions",
        "An action's row starts with its date.",
        ("Ta med datum på åtgärd", "En åtgärds rad inleds med dess datum."),
    )
    description_and_cause: bool = setting(
        False,
        _R,
        "Description and fault/cause",
        "The order's description and fault/cause become text rows.",
        ("Ta med beskrivning och fel/orsak", "Orderns beskrivning och fel/orsak blir textrader."),
    )
    technician_on_rows: bool = setting(
        False,
        _R,
        "Technician on rows",
        "The technician's name is added to the rows of actions and articles.",
        (
            "Ta med teknikerns namn på orderrader",
            "Teknikerns namn läggs till på åtgärdernas och artiklarnas rader.",
        ),
    )
    technician_on_action_summary: bool = setting(
        False,
        _R,
        "Technician on the action summary",
        "A date's summary (see sort by actions) names its technicians.",
        (
            "Ta med teknikerns namn på åtgärdssummeringen",
            "Ett datums summering (se sortera på åtgärder) nämner dess tekniker.",
        ),
    )
    sort_articles_by_date: bool = setting(
        False,
        _R,
        "Sort articles by date",
        "Article rows are sorted by their date.",
        ("Sortera artiklar på datum", "Artikelraderna sorteras på datum."),
    )
    sum_article_rows: bool = setting(
        False,
        _R,
        "Sum article rows",
        "Rows of the same article become one row.",
        (
            "Summera artikelrader",
            "Rader med samma artikelnummer läggs ihop till en artikelrad.",
        ),
    )
    sum_ignore_articles: CodeList = setting(
        [],
        _R,
        "Do not sum these articles",
        "Article numbers never summed, separated by ; (12;13;14).",
        (
            "Ignorera summering av artikelrader för",
            "Artikelnummer som aldrig summeras, åtskilda med ; (12;13;14).",
        ),
    )
    omit_hidden_articles: bool = setting(
        False,
        _R,
        "Leave hidden articles out",
        "Articles hidden for logged-in customers and on print are left off the document.",
        (
            "Ta ej med gömda artiklar på order",
            "Artiklar som är dolda för inloggad kund och vid utskrift tas inte med.",
        ),
    )
    set_prices: bool = setting(
        False,
        _R,
        "Set prices on rows",
        "Rows get the service system's price instead of Fortnox's standard price.",
        (
            "Sätt priser på orderrader",
            "Raderna får servicesystemets pris i stället för standardpriset i Fortnox.",
        ),
    )
    no_price_articles: CodeList = setting(
        [],
        _R,
        "Do not set prices for these articles",
        "Article numbers whose prices are set in Fortnox only, separated by ; (12;13;14).",
        (
            "Sätt inte pris för artikelnummer",
            "Artikelnummer vars priser bara sätts i Fortnox, åtskilda med ; (12;13;14).",
        ),
    )
    service_object_on_rows: bool = setting(
        False,
        _R,
        "Service object on rows",
        "Each service object of the order becomes a text row.",
        ("Ta med serviceobjekt på orderrad", "Varje serviceobjekt på ordern blir en textrad."),
    )
    service_object_serial: bool = setting(
        False,
        _R,
        "Service object's serial number",
        "A service object's row carries its serial number.",
        (
            "Ta med serviceobjektets maskinnummer",
            "Serviceobjektets rad får med dess maskinnummer.",
        ),
    )
    serial_number_length: int = setting(
        0,
        _R,
        "Longest serial number shown",
        "At most this many characters of a serial number are shown; 0 shows all of it.",
        (
            "Maximalt antal tecken vid visning av serviceobjektets serienummer",
            "Högst så många tecken av serienumret visas; 0 visar hela.",
        ),
        ge=0,
        le=100,
    )
    service_object_prefix: str = setting(
        "",
        _R,
        "Service object prefix",
        'A text put before a service object\'s name ("Machine: ").',
        ("Serviceobjektsprefix", 'En text som läggs före serviceobjektets namn ("Maskin: ").'),
        max_length=50,
    )
    service_object_comment: bool = setting(
        False,
        _R,
        "Service object comment",
        "A service object's comment becomes a text row after it.",
        (
            "Ta med serviceobjektskommentar",
            "Serviceobjektets kommentar blir en textrad efter det.",
        ),
    )
    comments: bool = setting(
        False,
        _R,
        "Comments",
        "The order's comments go to the document's comments (Fortnox keeps 1,024 characters).",
        (
            "Ta med kommentarer",
            "Orderns kommentarer skickas till dokumentets kommentarer (Fortnox har max 1024 "
            "tecken).",
        ),
    )


class ReferenceSettings(RowSettings):
    """Who the document names as our and your reference."""

    assigned_as_our_reference: bool = setting(
        False,
        _F,
        "Assigned as our reference",
        "The name of the person the order is assigned to becomes Our reference.",
        (
            "Lägg tilldelad i vår referens",
            "Namnet på den som är tilldelad ordern blir Vår referens.",
        ),
    )
    signed_as_our_reference: bool = setting(
        False,
        _F,
        "Signed as our reference",
        "The name of the person who signed the order becomes Our reference.",
        (
            "Sätt signerad som vår referens",
            "Namnet på den som signerat ordern blir Vår referens.",
        ),
    )
    orderer_as_your_reference: bool = setting(
        False,
        _F,
        "Orderer as your reference",
        "The orderer becomes Your reference instead of the contact person (the contact "
        "person when there is no orderer).",
        (
            "Sätt beställare som er referens",
            "Beställaren blir Er referens i stället för kontaktpersonen (kontaktpersonen när "
            "beställare saknas).",
        ),
    )
    contact_phone_in_your_reference: bool = setting(
        False,
        _F,
        "Contact phone in your reference",
        "The contact person's phone number is added to Your reference.",
        (
            "Ta med kontaktpersons telefonnummer på er referens",
            "Kontaktpersonens telefonnummer läggs till på Er referens.",
        ),
    )


class DeliverySettings(ReferenceSettings):
    """Where the document says the goods go."""

    customer_name_as_delivery_name: bool = setting(
        False,
        _L,
        "Customer name as delivery name",
        "The customer's name becomes the delivery name.",
        ("Sätt kundnamn i leveransnamn", "Kundens namn blir leveransnamn."),
    )
    customer_address_as_delivery_address: bool = setting(
        False,
        _L,
        "Customer address as delivery address",
        "The customer's address becomes the delivery address.",
        ("Använd kundens adress som leveransadress", "Kundens adress blir leveransadress."),
    )


class CostCenterSettings(DeliverySettings):
    """Which cost centres the rows carry (each must exist in Fortnox)."""

    user_cost_center_on_rows: bool = setting(
        False,
        _C,
        "User's cost centre on rows",
        "The rows get the cost centre of the order's user.",
        (
            "Ta med användarens kostnadsställe på rader",
            "Raderna får orderns användares kostnadsställe.",
        ),
    )
    cost_center: str | None = setting(
        None,
        _C,
        "Add cost centre",
        "This cost centre is put on every row that has none; it must exist in Fortnox.",
        (
            "Lägg till kostnadsställe",
            "Detta kostnadsställe sätts på varje rad som saknar ett; det måste finnas i Fortnox.",
        ),
        min_length=1,
        max_length=6,
        pattern=r"^[\w+/.\-]+$",
    )
    ignore_cost_centers: CodeList = setting(
        [],
        _C,
        "Cost centres never filled in on rows",
        "Cost centres never filled in automatically on rows, separated by ; (12;13;14).",
        (
            "Ignorera kostnadsställen vid autoifyllning på artikelrader",
            "Kostnadsställen som aldrig fylls i automatiskt på rader, åtskilda med ; (12;13;14).",
        ),
    )
