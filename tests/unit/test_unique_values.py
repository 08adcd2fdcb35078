"""How unique host values are normalised before the database compares them."""

from __future__ import annotations

import pytest

from fortnox_bridge.engine.flow.entities import discover_entities
from fortnox_bridge.store.unique import (
    UNIQUE_FIELDS,
    Taken,
    ValueTaken,
    email_value,
    phone_value,
    text_value,
    values_of,
)


@pytest.mark.parametrize(
    "given",
    ["karin.ek@example.se", "Karin.Ek@Example.SE", "  KARIN.EK@EXAMPLE.SE\t"],
)
def test_spellings_of_one_email_address_are_one_value(given: str) -> None:
    assert email_value(given) == "karin.ek@example.se"


@pytest.mark.parametrize(
    ("given", "normalised"),
    [
        ("070-000 00 01", "+46700000001"),
        ("0700000001", "+46700000001"),
        ("+46 70 000 00 01", "+46700000001"),
        ("+46 (0)70-000 00 01", "+46700000001"),
        ("0046 70 000 00 01", "+46700000001"),
        ("(08) 555 12 12", "+4685551212"),
        ("08-555.12.12", "+4685551212"),
        ("+47 22 33 44 55", "+4722334455"),
        ("700000001", "700000001"),  # no trunk zero, no country code: the digits as they are
        ("  Växel, ank. 12 ", "växel, ank. 12"),  # not a number: trimmed, without regard to case
    ],
)
def test_phone_numbers_are_compared_in_international_form(given: str, normalised: str) -> None:
    assert phone_value(given) == normalised


def test_employment_ids_are_trimmed_and_otherwise_as_given() -> None:
    assert text_value(" A-17 ") == "A-17"
    assert text_value("a-17") != text_value("A-17")


@pytest.mark.parametrize("blank", [None, "", "   "])
def test_a_blank_value_is_no_value(blank: str | None) -> None:
    assert email_value(blank) is None
    assert phone_value(blank) is None
    assert text_value(blank) is None
    assert values_of("employee", {"email": blank, "phone": blank}) == {}


def test_values_of_a_record_are_its_filled_unique_fields_normalised() -> None:
    payload = {"email": "Karin@Example.se", "phone": "070-000 00 01", "city": "Lund"}
    assert values_of("employee", payload) == {"email": "karin@example.se", "phone": "+46700000001"}
    assert values_of("absence", {"employee": "e1"}) == {}  # an entity without unique fields
    assert values_of("employee", None) == {}


def test_every_declared_unique_field_is_kept_by_the_store() -> None:
    declared = {e.entity: e.unique_fields for e in discover_entities() if e.unique_fields}
    kept = {entity: tuple(u.name for u in fields) for entity, fields in UNIQUE_FIELDS.items()}
    assert declared == kept == {"employee": ("email", "phone", "employment_id")}


def test_the_store_error_names_the_record_that_holds_the_value() -> None:
    taken = Taken("e2", "phone", "070-000 00 01", "+46700000001", "e1")
    message = str(ValueTaken("employee", [taken, taken]))
    assert message == (
        "employee 'e2' cannot have phone '070-000 00 01': employee 'e1' has it (and 1 more); "
        "each employee needs its own phone"
    )
