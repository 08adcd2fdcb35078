"""Form errors in Swedish: pydantic words its errors in English only, so a page that is not
English words them from the catalogues. Every form of the UI is checked with typical bad input
(missing, too long, not a number, not an e-mail, out of range, not one of the choices), the
flows' settings forms field by field."""

from __future__ import annotations

import types
import typing
from typing import Any

import pytest
from pydantic import BaseModel

from fortnox_bridge.engine.flow.registry import discover_flows
from fortnox_bridge.web.forms import WORDING, field_errors, parse_form
from fortnox_bridge.web.i18n import translations
from fortnox_bridge.web.pages.maintenance import ResyncForm
from fortnox_bridge.web.pages.sync_options import DigestForm, IntervalForm, PolicyForm
from fortnox_bridge.web.pages.tenants import NewTenant
from fortnox_bridge.web.views import KeyForm

#: What pydantic's own English starts with; none of it may reach a Swedish page.
PYDANTIC_ENGLISH = ("Input should be", "Field required", "value is not a valid", "String should")


def swedish(text: str, **values: Any) -> str:
    """A message in Swedish, as the pages say it."""
    words = translations("sv").gettext(text)
    return words % values if values else words


def _no_english(errors: dict[str, str]) -> None:
    for message in errors.values():
        for english in PYDANTIC_ENGLISH:
            assert english.lower() not in message.lower(), message


@pytest.mark.parametrize(
    ("model", "data", "field", "expected"),
    [
        (NewTenant, {}, "name", "Fältet måste fyllas i."),
        (NewTenant, {"name": "x" * 201}, "name", "Ange högst 200 tecken."),
        (NewTenant, {"name": "AB", "recipients": "ekonomi@"}, "recipients", "Ange en e-postadress"),
        (KeyForm, {"label": "x" * 101}, "label", "Ange högst 100 tecken."),
        (KeyForm, {"label": "a", "scope": "admin"}, "scope", "Välj ett av: 'read', 'read_write'."),
        (IntervalForm, {"sweep_interval_minutes": "tio"}, "sweep_interval_minutes", "heltal"),
        (IntervalForm, {"sweep_interval_minutes": "0"}, "sweep_interval_minutes", "minst 1"),
        (IntervalForm, {"sweep_interval_minutes": "9999"}, "sweep_interval_minutes", "högst 1440"),
        (IntervalForm, {}, "sweep_interval_minutes", "Fältet måste fyllas i."),
        (PolicyForm, {"conflict_policy": "newest"}, "conflict_policy", "Välj ett av"),
        (DigestForm, {"digest": "hourly"}, "digest", "Välj ett av"),
        (ResyncForm, {"flow": "x", "from": "igår", "to": "2026-01-01"}, "from", "ÅÅÅÅ-MM-DD"),
    ],
)
def test_typical_bad_input_is_worded_in_swedish(
    model: type[BaseModel], data: dict[str, str], field: str, expected: str
) -> None:
    parsed, errors = parse_form(model, data, swedish)
    assert parsed is None
    assert expected in errors[field], errors
    _no_english(errors)


def test_the_request_wording_reaches_forms_that_do_not_pass_it() -> None:
    english = parse_form(IntervalForm, {"sweep_interval_minutes": "x"})[1]
    assert english["sweep_interval_minutes"].startswith("Input should be")  # an English page
    token = WORDING.set(swedish)
    try:
        worded = parse_form(IntervalForm, {"sweep_interval_minutes": "x"})[1]
    finally:
        WORDING.reset(token)
    assert worded == {"sweep_interval_minutes": "Ange ett heltal."}


def _bad_values(annotation: Any) -> list[Any]:
    """Values a field of ``annotation`` refuses: a word for a number, a choice not listed."""
    origin = typing.get_origin(annotation)
    if origin is typing.Literal:
        return ["not-a-choice"]
    if annotation in (int, float):
        return ["many"]
    if origin in (typing.Union, types.UnionType):
        return [v for arg in typing.get_args(annotation) for v in _bad_values(arg)][:1]
    return []


def test_no_flow_settings_form_shows_pydantic_english_on_a_swedish_page() -> None:
    checked = 0
    for flow in discover_flows():
        for name, info in flow.Settings.model_fields.items():
            for bad in _bad_values(info.annotation):
                try:
                    flow.Settings.model_validate({name: bad})
                except Exception as exc:  # a ValidationError
                    errors = field_errors(exc, swedish)  # type: ignore[arg-type]
                    _no_english(errors)
                    checked += 1
    assert checked > 10
