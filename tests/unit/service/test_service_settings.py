"""The service family's one settings model: every field labelled and grouped in English and
Swedish (the admin UI's catalogue says the same Swedish), lists given as text, and the settings
that contradict each other refused with a sentence that says how to fix them."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from babel.messages.pofile import read_po
from pydantic import ValidationError

from fortnox_bridge.flows.service.settings import GROUPS, SETTINGS_FLOW, ServiceSettings
from fortnox_bridge.web.i18n import LOCALES

PROPERTIES: dict[str, Any] = ServiceSettings.model_json_schema()["properties"]


def _catalogue() -> dict[str, str]:
    texts: dict[str, str] = {}
    for path in sorted((Path(LOCALES) / "sv" / "LC_MESSAGES").glob("*.po")):
        with path.open("rb") as handle:
            for message in read_po(handle, locale="sv"):
                if isinstance(message.id, str) and message.id:
                    texts[message.id] = str(message.string)
    return texts


def test_it_is_stored_on_the_order_push() -> None:
    assert SETTINGS_FLOW == "service.service_order.push"


def test_every_setting_has_a_group_and_both_languages() -> None:
    assert len(PROPERTIES) == 51
    for name, spec in PROPERTIES.items():
        assert spec["group"] in GROUPS, name
        assert spec["title"], name
        assert spec["description"], name
        assert spec["sv"]["title"], name
        assert spec["sv"]["description"], name
        assert spec["sv"]["title"] != spec["title"], name


def test_the_groups_come_in_the_help_pages_order() -> None:
    order = list(dict.fromkeys(spec["group"] for spec in PROPERTIES.values()))
    assert order == list(GROUPS)


def test_the_admin_catalogue_says_what_the_model_says() -> None:
    catalogue = _catalogue()
    for english, swedish in GROUPS.values():
        assert catalogue[english] == swedish
    for name, spec in PROPERTIES.items():
        assert catalogue[spec["title"]] == spec["sv"]["title"], name
        assert catalogue[spec["description"]] == spec["sv"]["description"], name
        for choice in spec.get("choices", {}).values():
            assert catalogue.get(choice), f"{name}: {choice!r} has no Swedish"


def test_defaults() -> None:
    settings = ServiceSettings()
    assert (settings.customers, settings.articles, settings.price_list) == ("both", "both", "A")
    assert settings.invoiced_when == "sent"
    assert settings.serial_number_length == 0
    assert settings.sum_ignore_articles == []
    assert settings.cost_center is None
    assert not settings.create_invoice
    assert not settings.set_prices


@pytest.mark.parametrize(
    ("given", "kept"),
    [
        ("12;13;14", ["12", "13", "14"]),
        (" 12 ; ;13;", ["12", "13"]),
        ("12, 13", ["12", "13"]),  # as the admin form shows a list
        (["A-1", "A-1", "B"], ["A-1", "B"]),
        ("", []),
        (None, []),
    ],
)
def test_lists_are_taken_as_text_separated_by_semicolons(given: Any, kept: list[str]) -> None:
    for name in ("sum_ignore_articles", "no_price_articles", "ignore_cost_centers"):
        assert getattr(ServiceSettings.model_validate({name: given}), name) == kept


def _refusal(**given: Any) -> str:
    with pytest.raises(ValidationError) as caught:
        ServiceSettings.model_validate(given)
    return str(caught.value)


def test_a_list_item_that_is_no_code_is_named() -> None:
    assert "'1 2' is no article number or code" in _refusal(no_price_articles="11;1 2")


def test_contradictions_are_refused_with_the_fix() -> None:
    message = _refusal(omit_order_number=True, order_number_in_comment=True)
    assert "omit_order_number leaves the order number out" in message
    assert "turn one of them off" in message
    assert "turn create_invoice on, or send_invoice off" in _refusal(send_invoice=True)
    message = _refusal(cost_center="20", ignore_cost_centers="10;20")
    assert "cost_center '20' is added to every row but is also in ignore_cost_centers" in message


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("customers", "sideways"),
        ("invoiced_when", "paid"),
        ("serial_number_length", -1),
        ("price_list", "A B"),
        ("cost_center", "1234567"),
        ("order_text", "x" * 1025),
    ],
)
def test_values_out_of_range_are_refused_by_name(name: str, value: Any) -> None:
    assert name in _refusal(**{name: value})


def test_it_round_trips_through_storage() -> None:
    settings = ServiceSettings.model_validate(
        {"sum_article_rows": True, "sum_ignore_articles": "12;13", "cost_center": "20"}
    )
    stored = settings.model_dump(mode="json")
    assert stored["sum_ignore_articles"] == ["12", "13"]
    assert ServiceSettings.model_validate(stored) == settings


def test_the_family_doc_has_a_row_for_every_setting_with_its_swedish_name() -> None:
    doc = (Path(__file__).resolve().parents[3] / "docs" / "flows" / "service.md").read_text()
    for name, spec in PROPERTIES.items():
        assert f"| `{name}` | {spec['sv']['title']} |" in doc, name
    for english, swedish in GROUPS.values():
        assert f"### {english} — *{swedish}*" in doc
