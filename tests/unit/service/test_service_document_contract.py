"""The builder's contract: an order with default settings becomes an order with the host's
order number as our reference, the contact as your reference and rows as Fortnox takes them."""

from __future__ import annotations

from decimal import Decimal

from fortnox_bridge.flows.service.document_text import price, quantity, split_text
from unit.service.document_cases import article, build, rows, text


def test_defaults_make_an_order() -> None:
    document = build(
        contact_name="Karin Ek",
        customer_order_number="PO-778",
        rows=[
            {"type": "article", "article_number": "F1", "quantity": "2.500", "price": "89.9"},
            {"type": "text", "text": "Kontrollerat\nallt"},
        ],
    )
    assert document.kind == "order"
    assert document.fields == {
        "CustomerNumber": "1001",
        "OurReference": "SO 1234",
        "YourReference": "Kund-ref",
        "YourOrderNumber": "PO-778",
        "OrderRows": [article("F1", "2.5", "Oljefilter"), text("Kontrollerat allt")],
    }
    assert document.cost_centers == frozenset()
    assert document.warnings == ()


def test_create_invoice_makes_an_invoice_with_delivered_quantities_only() -> None:
    document = build({"create_invoice": True})
    assert document.kind == "invoice"
    assert document.fields["InvoiceRows"] == [
        {"ArticleNumber": "F1", "Description": "Oljefilter", "DeliveredQuantity": "1"}
    ]
    assert "OrderRows" not in document.fields


def test_an_article_unknown_to_the_bridge_goes_without_a_description() -> None:
    document = build(rows=[{"type": "article", "article_number": "X9", "quantity": "3"}])
    assert rows(document) == [
        {"ArticleNumber": "X9", "OrderedQuantity": "3", "DeliveredQuantity": "3"}
    ]


def test_the_row_description_is_the_rows_own_before_the_articles() -> None:
    document = build(
        rows=[{"type": "article", "article_number": "F1", "quantity": "1", "description": "Filter"}]
    )
    assert rows(document) == [article("F1", "1", "Filter")]


def test_work_and_sales_orders_are_named_ao_and_fo() -> None:
    assert build(kind="work").fields["OurReference"] == "AO 1234"
    assert build(kind="sales").fields["OurReference"] == "FO 1234"


def test_numbers_as_fortnox_takes_them() -> None:
    assert quantity(Decimal("100")) == "100"
    assert quantity(Decimal("2.500")) == "2.5"
    assert quantity(Decimal("0.25")) == "0.25"
    assert price(Decimal("10.005")) == 10.0
    assert price(Decimal("99.999")) == 100.0
    assert price(Decimal("12.3")) == 12.3


def test_a_long_text_is_spread_at_spaces_within_255_characters() -> None:
    words = " ".join(["abcdefghi"] * 60)  # 599 characters
    pieces = split_text(words)
    assert [len(p) for p in pieces] == [249, 249, 99]
    assert " ".join(pieces) == words
    assert split_text("x" * 300) == ["x" * 255, "x" * 45]


def test_a_long_description_continues_in_text_rows() -> None:
    long = " ".join(["abcdefghi"] * 30)  # 299 characters
    document = build(
        rows=[{"type": "article", "article_number": "F1", "quantity": "1", "description": long}]
    )
    assert rows(document) == [
        article("F1", "1", " ".join(["abcdefghi"] * 25)),
        text(" ".join(["abcdefghi"] * 5)),
    ]
