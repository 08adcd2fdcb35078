"""The settings form made from a settings model: groups as the model's ``GROUPS`` order them,
labels, help and choices in Swedish from the model's own texts (else the catalogues), lists as
one ``;``-separated text, and form errors in the page's language."""

from __future__ import annotations

from typing import Literal

import pytest
from pydantic import BaseModel, Field, ValidationError, field_validator

from fortnox_bridge.web.forms import field_errors
from fortnox_bridge.web.i18n import translations
from fortnox_bridge.web.settings_form import settings_groups, settings_texts

#: The groups of the model below (English, Swedish), in their order on the form.
GROUPS = {"rows": ("Rows", "Rader"), "document": ("Document", "Dokument")}


class Grouped(BaseModel):
    """A grouped settings model as a family declares it."""

    create_invoice: bool = Field(
        default=False,
        title="Create the invoice directly",
        description="Else an order.",
        json_schema_extra={
            "group": "document",
            "sv": {"title": "Skapa fakturan direkt", "description": "Annars en order."},
        },
    )
    invoiced_when: Literal["sent", "booked"] = Field(
        default="sent",
        title="Invoiced when",
        json_schema_extra={
            "group": "document",
            "sv": {"title": "Fakturerad när"},
            "choices": {"sent": "Sent", "booked": "Booked"},
            "sv_choices": {"sent": "Skickad", "booked": "Bokförd"},
        },
    )
    no_price_articles: list[str] = Field(
        default_factory=list,
        title="Articles without price",
        json_schema_extra={"group": "rows", "sv": {"title": "Artiklar utan pris"}},
    )
    serial_number_length: int = Field(
        default=0,
        ge=0,
        title="Serial number length",
        json_schema_extra={"group": "rows", "sv": {"title": "Serienummerlängd"}},
    )
    note: str | None = Field(default=None, title="Flows")  # no Swedish: from the catalogues

    @field_validator("no_price_articles", mode="before")
    @classmethod
    def _split(cls, value: object) -> object:
        return [part.strip() for part in value.split(";")] if isinstance(value, str) else value


def _swedish(text: str) -> str:
    return translations("sv").gettext(text)


def test_fields_come_in_their_groups_in_the_order_of_groups() -> None:
    groups = settings_groups(Grouped, {"no_price_articles": ["12", "13"]})
    assert [(g["key"], g["title"]) for g in groups] == [
        ("rows", "Rows"),
        ("document", "Document"),
        ("", ""),
    ]
    assert [f["name"] for f in groups[0]["fields"]] == [
        "no_price_articles",
        "serial_number_length",
    ]
    listed = groups[0]["fields"][0]
    assert (listed["kind"], listed["value"]) == ("text", "12; 13")
    assert groups[0]["fields"][1]["attrs"] == 'min="0"'
    select = groups[1]["fields"][1]
    assert select["kind"] == "select"
    assert select["choices"] == [("sent", "Sent"), ("booked", "Booked")]


def test_swedish_comes_from_the_model_and_else_from_the_catalogues() -> None:
    groups = settings_groups(Grouped, {}, _swedish, language="sv")
    assert [g["title"] for g in groups] == ["Rader", "Dokument", ""]
    invoice, when = groups[1]["fields"]
    assert (invoice["label"], invoice["help"]) == ("Skapa fakturan direkt", "Annars en order.")
    assert when["choices"] == [("sent", "Skickad"), ("booked", "Bokförd")]
    assert groups[2]["fields"][0]["label"] == "Flöden"


def test_only_texts_without_swedish_of_their_own_go_to_the_catalogues() -> None:
    assert settings_texts(Grouped) == ["Flows"]


@pytest.mark.parametrize(
    ("data", "field", "english", "swedish"),
    [
        ({"serial_number_length": -1}, "serial_number_length", "greater than or equal to 0", "Ange ett tal som är minst 0."),  # noqa: E501
        ({"serial_number_length": "x"}, "serial_number_length", "valid integer", "Ange ett heltal."),  # noqa: E501
        ({"invoiced_when": "paid"}, "invoiced_when", "'sent' or 'booked'", "Välj ett av: 'sent', 'booked'."),  # noqa: E501
        ({"create_invoice": "maybe"}, "create_invoice", "valid boolean", "Välj ja eller nej."),
    ],
)  # fmt: skip
def test_errors_are_worded_in_the_page_language(
    data: dict[str, object], field: str, english: str, swedish: str
) -> None:
    with pytest.raises(ValidationError) as caught:
        Grouped.model_validate(data)
    assert english in field_errors(caught.value)[field]
    say = lambda text, **values: _swedish(text) % values if values else _swedish(text)  # noqa: E731
    assert field_errors(caught.value, say)[field] == swedish
