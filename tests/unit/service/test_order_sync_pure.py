"""The order sync's pure parts: a host order made of a Fortnox order, the document's wire
fields as the client's fields, and the invoiced state the pull compares."""

from __future__ import annotations

from datetime import date

import pytest

from fortnox_bridge.flows.service.order_from_fortnox import host_order_from
from fortnox_bridge.flows.service.order_invoiced import ServiceOrderInvoiced
from fortnox_bridge.flows.service.order_push import ServiceOrderPush
from fortnox_bridge.flows.service.order_records import HostServiceOrder
from fortnox_bridge.flows.service.order_writer import pulled_field, snake_fields
from fortnox_bridge.flows.service.settings import ServiceSettings

FORTNOX_ORDER = {
    "DocumentNumber": "57",
    "CustomerNumber": "1001",
    "OrderDate": "2026-03-02",
    "YourReference": "Karin",
    "YourOrderNumber": "PO-9",
    "CostCenter": "",
    "ExternalInvoiceReference1": "",
    "OrderRows": [
        {"ArticleNumber": "A-10", "OrderedQuantity": "2", "DeliveredQuantity": "0",
         "Price": 450, "Description": "Filter", "CostCenter": "NORR"},
        {"ArticleNumber": "", "Description": "Byte av filter", "OrderedQuantity": "0"},
        {"ArticleNumber": "", "Description": ""},
    ],
}  # fmt: skip


def test_a_fortnox_order_becomes_a_valid_host_order_linked_to_it() -> None:
    payload = host_order_from(FORTNOX_ORDER)
    order = HostServiceOrder.model_validate(payload)
    assert (order.number, order.customer_number, str(order.order_date)) == (
        "57",
        "1001",
        "2026-03-02",
    )
    assert (order.fortnox_reference, order.fortnox_document, order.ready) == ("57", "order", False)
    assert (order.your_reference, order.customer_order_number, order.cost_center) == (
        "Karin",
        "PO-9",
        None,
    )
    article, text = payload["rows"]
    assert article == {"type": "article", "article_number": "A-10", "quantity": "2",
                       "price": "450", "description": "Filter", "cost_center": "NORR"}  # fmt: skip
    assert text == {"type": "text", "text": "Byte av filter"}  # the empty row is left out


def test_the_order_number_is_the_fortnox_reference_when_it_has_one() -> None:
    payload = host_order_from({**FORTNOX_ORDER, "ExternalInvoiceReference1": "SO-7"})
    assert payload["number"] == "SO-7"
    assert host_order_from(FORTNOX_ORDER, number="X-1")["number"] == "X-1"


def test_wire_fields_become_model_fields_and_unknown_ones_are_refused() -> None:
    rows = [{"ArticleNumber": "A-10", "OrderedQuantity": "1"}]
    assert snake_fields("order", {"CustomerNumber": "1", "OrderRows": rows, "Remarks": "x"}) == {
        "customer_number": "1",
        "order_rows": rows,  # nested rows stay as Fortnox spells them
        "remarks": "x",
    }
    assert snake_fields("invoice", {"InvoiceRows": []}) == {"invoice_rows": []}
    with pytest.raises(ValueError, match="OrderRows"):
        snake_fields("invoice", {"OrderRows": []})


@pytest.mark.parametrize(
    ("when", "record", "expected"),
    [
        ("sent", {"invoiced": True}, ("sent", True)),
        ("sent", {}, ("sent", False)),
        ("booked", {"invoiced": False}, ("booked", False)),
        (
            "invoiced",
            {"invoiced": True, "invoiced_on": "2026-03-04"},
            ("invoice_date", "2026-03-04"),
        ),
        ("invoiced", {"invoiced": False, "invoiced_on": "2026-03-04"}, ("invoice_date", None)),
    ],
)
def test_the_pulled_field_stands_for_the_host_invoiced_state(
    when: str, record: dict[str, object], expected: tuple[str, object]
) -> None:
    assert pulled_field(when, record) == expected


def _pull(**settings: object) -> ServiceOrderInvoiced:
    pull = ServiceOrderInvoiced(ServiceSettings.model_validate(settings))
    pull.today = date(2026, 3, 10)
    return pull


def test_the_pull_compares_the_field_its_setting_names_and_reads_a_year_back() -> None:
    assert _pull().pull_fields == {"sent"}
    assert _pull(invoiced_when="booked").pull_fields == {"booked"}
    assert _pull(invoiced_when="invoiced").pull_fields == {"invoice_date"}
    assert _pull().pull_params() == {"fromdate": "2025-03-09"}
    assert _pull().topic_target("invoices", "17", {}) == "17"
    assert _pull().topic_target("orders", "5", {}) is None  # its invoice has an event


def test_the_pull_marks_invoiced_and_never_undoes_it() -> None:
    assert _pull().unmap({"sent": True}) == {"invoiced": True, "invoiced_on": "2026-03-10"}
    assert _pull().unmap({"sent": False}) == {}
    assert _pull(invoiced_when="invoiced").unmap({"invoice_date": "2026-03-04"}) == {
        "invoiced": True,
        "invoiced_on": "2026-03-04",
    }
    assert _pull().imports("None", {}) is False
    assert _pull().imports("24017", {}) is True


def test_the_push_reads_the_customer_articles_and_service_objects_the_order_names() -> None:
    push = ServiceOrderPush(ServiceSettings())
    keys = push.related_keys(
        {
            "customer_number": "1001",
            "rows": [
                {"type": "article", "article_number": "F1"},
                {"type": "action", "article_number": "ARB"},
                {"type": "service_object", "service_object": "K1"},
                {"type": "text", "text": "x"},
            ],
        }
    )
    assert keys == {
        "service_customer": {"1001"},
        "service_article": {"F1", "ARB"},
        "service_object": {"K1"},
    }
