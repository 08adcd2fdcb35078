"""One test per setting of the document, references and delivery groups: the exact Fortnox
head fields (and the top rows) each setting gives."""

from __future__ import annotations

from typing import Any

import pytest

from unit.service.document_cases import CUSTOMER, article, build, rows, text

PLAIN = [article("F1", "1", "Oljefilter")]


# -- document ------------------------------------------------------------------------------------


def test_order_text_goes_to_remarks() -> None:
    document = build({"order_text": "Betalning inom 30 dagar.\nTack!"})
    assert document.fields["Remarks"] == "Betalning inom 30 dagar.\nTack!"
    assert rows(document) == PLAIN


def test_order_text_on_top_makes_text_rows_without_line_breaks() -> None:
    document = build({"order_text": "Betalning inom 30 dagar.\nTack!", "order_text_on_top": True})
    assert "Remarks" not in document.fields
    assert rows(document) == [text("Betalning inom 30 dagar. Tack!"), *PLAIN]


def test_internal_customer_takes_the_document_and_names_the_orders_customer() -> None:
    document = build({"internal_customer": "9000"})
    assert document.fields["CustomerNumber"] == "9000"
    assert document.fields["Remarks"] == "Kund: 1001 Verkstad AB"


def test_omit_order_number_leaves_it_out_but_keeps_the_customers() -> None:
    document = build({"omit_order_number": True}, customer_order_number="PO-778")
    assert "OurReference" not in document.fields
    assert document.fields["YourOrderNumber"] == "PO-778"


def test_order_number_as_your_order_number_moves_the_customers_to_remarks() -> None:
    document = build({"order_number_as_your_order_number": True}, customer_order_number="PO-778")
    assert document.fields["YourOrderNumber"] == "SO 1234"
    assert "OurReference" not in document.fields
    assert document.fields["Remarks"] == "Ert ordernummer: PO-778"


def test_order_number_in_comment_moves_it_to_remarks() -> None:
    document = build({"order_number_in_comment": True}, customer_order_number="PO-778")
    assert document.fields["Remarks"] == "Ordernummer: SO 1234"
    assert "OurReference" not in document.fields
    assert document.fields["YourOrderNumber"] == "PO-778"


def test_summary_in_text_appends_the_summary_with_the_order_number() -> None:
    document = build(
        {"summary_in_text": True, "order_text": "Tack!"}, summary="Filter bytt, allt ok."
    )
    assert document.fields["Remarks"] == "Tack!\nSammanfattning SO 1234: Filter bytt, allt ok."
    omitted = build({"summary_in_text": True, "omit_order_number": True}, summary="Ok.")
    assert omitted.fields["Remarks"] == "Sammanfattning: Ok."


def test_description_in_text_appends_description_and_cause() -> None:
    document = build(
        {"description_in_text": True}, description="Läcker olja", fault_cause="Trasig packning"
    )
    assert document.fields["Remarks"] == "Beskrivning: Läcker olja\nFel/orsak: Trasig packning"


def test_operating_hours_in_text_names_each_service_object() -> None:
    document = build(
        {"operating_hours_in_text": True},
        rows=[{"type": "service_object", "service_object": "K1"}],
    )
    assert document.fields["Remarks"] == "Drifttid ATLAS COPCO GA 10: 1250,5 h"
    assert rows(document) == []  # the object's row is another setting
    twice = build(
        {"operating_hours_in_text": True},
        rows=[{"type": "service_object", "service_object": "K1"}] * 2,
    )
    assert twice.fields["Remarks"] == "Drifttid ATLAS COPCO GA 10: 1250,5 h"


def test_sales_order_status_only_on_sales_orders() -> None:
    document = build({"sales_order_status": True}, kind="sales", status="Levererad")
    assert document.fields["Remarks"] == "Status: Levererad"
    assert "Remarks" not in build({"sales_order_status": True}, status="Levererad").fields
    assert "Remarks" not in build(kind="sales", status="Levererad").fields


def test_facility_name_goes_to_remarks() -> None:
    document = build({"facility_name": True}, facility={"name": "Fabriken Syd"})
    assert document.fields["Remarks"] == "Anläggning: Fabriken Syd"
    assert "Remarks" not in build(facility={"name": "Fabriken Syd"}).fields


def test_remarks_keep_their_order() -> None:
    document = build(
        {
            "order_text": "Tack!",
            "internal_customer": "9000",
            "facility_name": True,
            "sales_order_status": True,
            "order_number_in_comment": True,
            "summary_in_text": True,
            "description_in_text": True,
            "operating_hours_in_text": True,
        },
        kind="sales",
        status="Klar",
        facility={"name": "Syd"},
        summary="Ok",
        description="D",
        fault_cause="F",
        rows=[{"type": "service_object", "service_object": "K1"}],
    )
    assert document.fields["Remarks"].split("\n") == [
        "Tack!",
        "Kund: 1001 Verkstad AB",
        "Anläggning: Syd",
        "Status: Klar",
        "Ordernummer: FO 1234",
        "Sammanfattning FO 1234: Ok",
        "Beskrivning: D",
        "Fel/orsak: F",
        "Drifttid ATLAS COPCO GA 10: 1250,5 h",
    ]


def test_remarks_are_cut_to_1024_characters_with_a_warning() -> None:
    document = build({"order_text": "x" * 1000, "description_in_text": True}, description="y" * 50)
    assert document.fields["Remarks"] == "x" * 1000 + "\n" + "Beskrivning: " + "y" * 10
    assert document.warnings == ("Remarks cut to 1,024 characters (Fortnox's limit); it had 1,064",)


@pytest.mark.parametrize(
    "flag",
    [
        {"send_invoice": True, "create_invoice": True},
        {"invoiced_at_send": True},
        {"invoiced_when": "booked"},
        {"send_before_ready": True},
        {"create_order_from_reference": True},
    ],
    ids=lambda flag: next(iter(flag)),
)
def test_settings_of_the_order_flows_leave_the_document_as_it_is(flag: dict[str, Any]) -> None:
    plain = build({"create_invoice": "create_invoice" in flag})
    assert build(flag).fields == plain.fields


# -- references ----------------------------------------------------------------------------------


def test_assigned_as_our_reference_follows_the_order_number() -> None:
    document = build({"assigned_as_our_reference": True}, assigned_to="Anna Berg")
    assert document.fields["OurReference"] == "SO 1234 / Anna Berg"
    moved = build(
        {"assigned_as_our_reference": True, "order_number_as_your_order_number": True},
        assigned_to="Anna Berg",
    )
    assert moved.fields["OurReference"] == "Anna Berg"


def test_signed_as_our_reference_wins_over_assigned() -> None:
    settings = {"signed_as_our_reference": True, "assigned_as_our_reference": True}
    signed = build(settings, assigned_to="Anna Berg", signed_by="Erik Ek")
    assert signed.fields["OurReference"] == "SO 1234 / Erik Ek"
    unsigned = build(settings, assigned_to="Anna Berg")
    assert unsigned.fields["OurReference"] == "SO 1234 / Anna Berg"
    assert build(signed_by="Erik Ek").fields["OurReference"] == "SO 1234"


def test_our_reference_is_cut_to_50_characters() -> None:
    document = build({"signed_as_our_reference": True}, signed_by="E" * 50)
    assert document.fields["OurReference"] == "SO 1234 / " + "E" * 40
    assert document.warnings == ("OurReference cut to 50 characters (Fortnox's limit); it had 60",)


NO_REF: dict[str, Any] = {**CUSTOMER, "your_reference": None}


def test_your_reference_is_the_contact_without_any_er_referens() -> None:
    document = build(customer=NO_REF, contact_name="Karin Ek", orderer="Olle Ny")
    assert document.fields["YourReference"] == "Karin Ek"


def test_orderer_as_your_reference_takes_the_orderer_else_the_contact() -> None:
    settings = {"orderer_as_your_reference": True}
    document = build(settings, customer=NO_REF, contact_name="Karin Ek", orderer="Olle Ny")
    assert document.fields["YourReference"] == "Olle Ny"
    fallback = build(settings, customer=NO_REF, contact_name="Karin Ek")
    assert fallback.fields["YourReference"] == "Karin Ek"


def test_er_referens_comes_from_order_then_facility_then_customer() -> None:
    people = {"contact_name": "Karin Ek", "orderer": "Olle Ny"}
    settings = {"orderer_as_your_reference": True}
    facility = {"name": "Syd", "your_reference": "Anl-ref"}
    assert (
        build(settings, your_reference="Order-ref", facility=facility, **people).fields[
            "YourReference"
        ]
        == "Order-ref"
    )
    assert build(settings, facility=facility, **people).fields["YourReference"] == "Anl-ref"
    assert build(settings, **people).fields["YourReference"] == "Kund-ref"


def test_contact_phone_in_your_reference_follows_after_a_comma() -> None:
    settings = {"contact_phone_in_your_reference": True}
    document = build(settings, customer=NO_REF, contact_name="Karin Ek", contact_phone="070-1")
    assert document.fields["YourReference"] == "Karin Ek, 070-1"
    alone = build(settings, customer=NO_REF, contact_phone="070-1")
    assert alone.fields["YourReference"] == "070-1"
    assert (
        build(customer=NO_REF, contact_name="K", contact_phone="070-1").fields["YourReference"]
        == "K"
    )


# -- delivery ------------------------------------------------------------------------------------


def test_customer_name_as_delivery_name() -> None:
    document = build({"customer_name_as_delivery_name": True})
    assert document.fields["DeliveryName"] == "Verkstad AB"
    assert "DeliveryName" not in build().fields


def test_customer_address_as_delivery_address() -> None:
    document = build({"customer_address_as_delivery_address": True})
    delivery = {k: v for k, v in document.fields.items() if k.startswith("Delivery")}
    assert delivery == {
        "DeliveryAddress1": "Storgatan 1",
        "DeliveryAddress2": "Box 7",
        "DeliveryZipCode": "111 22",
        "DeliveryCity": "Stockholm",
    }


def test_an_unknown_customer_fills_in_no_delivery_and_says_so() -> None:
    document = build({"customer_name_as_delivery_name": True}, customer=None, contact_name="K")
    assert "DeliveryName" not in document.fields
    assert document.warnings == (
        "customer 1001 is unknown to the bridge: the delivery name and address are not "
        "filled in from it",
    )


def test_delivery_date_terms_and_way_always_go() -> None:
    document = build(delivery={"date": "2026-03-10", "terms": "FVL", "way": "DHL"})
    assert document.fields["DeliveryDate"] == "2026-03-10"
    assert document.fields["TermsOfDelivery"] == "FVL"
    assert document.fields["WayOfDelivery"] == "DHL"
    assert "TermsOfDelivery" not in build(delivery={"date": "2026-03-10"}).fields


def test_your_order_number_is_cut_to_75_characters() -> None:
    document = build(customer_order_number="P" * 75)
    assert document.fields["YourOrderNumber"] == "P" * 75
    assert document.warnings == ()
