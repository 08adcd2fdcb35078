"""The scenario order under each settings profile: the builder's document equals, field by
field and row by row, the one written by hand in ``order_fixture``."""

from __future__ import annotations

import pytest

from fortnox_bridge.flows.service.document import DocumentInputs, build_document
from fortnox_bridge.flows.service.order_records import HostServiceObject, HostServiceOrder
from fortnox_bridge.flows.service.settings import ServiceSettings
from unit.service.order_fixture import (
    ARTICLES,
    CUSTOMER,
    EXPECTED,
    EXPECTED_COST_CENTERS,
    EXPECTED_KIND,
    EXPECTED_WARNINGS,
    LONG_COMMENT,
    ORDER,
    PROFILES,
    SERVICE_OBJECTS,
)

INPUTS = DocumentInputs(ORDER, CUSTOMER, ARTICLES, SERVICE_OBJECTS)


def test_the_order_is_the_one_the_scenario_asks_for() -> None:
    order = HostServiceOrder.model_validate(ORDER)
    assert len(order.rows) == 12
    actions = [row for row in order.rows if row.type == "action"]
    assert len({row.date for row in actions}) == 3
    assert {row.technician for row in actions} == {"Anna Berg", "Erik Ek"}
    numbers = [row.article_number for row in order.rows if row.type == "article"]
    assert numbers.count("F100") == 3
    assert ARTICLES["MILJO"]["hidden"] is True
    assert "MILJO" in numbers
    assert HostServiceObject.model_validate(SERVICE_OBJECTS["K1"]).serial_number
    assert len(LONG_COMMENT) == 1500
    assert order.comments[0].text == LONG_COMMENT


@pytest.mark.parametrize("profile", list(PROFILES))
def test_the_document_is_the_hand_written_one(profile: str) -> None:
    document = build_document(INPUTS, ServiceSettings.model_validate(PROFILES[profile]))
    assert document.kind == EXPECTED_KIND[profile]
    expected = EXPECTED[profile]
    rows_key = "InvoiceRows" if document.kind == "invoice" else "OrderRows"
    assert document.fields[rows_key] == expected[rows_key]  # row by row first: a clearer diff
    assert document.fields == expected
    assert document.cost_centers == EXPECTED_COST_CENTERS[profile]
    assert document.warnings == EXPECTED_WARNINGS[profile]


def test_the_profiles_differ_in_every_part_of_the_document() -> None:
    heads = [
        {key: value for key, value in fields.items() if not key.endswith("Rows")}
        for fields in EXPECTED.values()
    ]
    assert len({repr(sorted(head.items())) for head in heads}) == 3
    assert len(EXPECTED["order_defaults"]["OrderRows"]) == 11
    assert len(EXPECTED["invoice_summed"]["InvoiceRows"]) == 10
    assert len(EXPECTED["order_by_actions"]["OrderRows"]) == 18
