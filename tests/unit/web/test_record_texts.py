"""A run item's record reference and a webhook event's meaning in Swedish: the kind of
record and the joining words are translated, while ids, names, e-mail addresses and dates stay as
the flow wrote them; every event meaning has its Swedish words."""

from __future__ import annotations

import pytest

from fortnox_bridge.engine.outbox.events import EVENT_TYPES
from fortnox_bridge.web.event_texts import EVENT_MEANINGS
from fortnox_bridge.web.i18n import translations
from fortnox_bridge.web.record_texts import reference_words

SWEDISH = translations("sv").gettext


@pytest.mark.parametrize(
    ("reference", "swedish"),
    [
        (
            "supplier invoice si-betong-1 (B-4711 from Uppsala Betong AB)",
            "leverantörsfaktura si-betong-1 (B-4711 från Uppsala Betong AB)",
        ),
        (
            "employee emp-1 (erik.project@demo-ab.se): absence abs-1, 2026-03-02–2026-03-04",
            "anställd emp-1 (erik.project@demo-ab.se): frånvaro abs-1, 2026-03-02–2026-03-04",
        ),
        (
            "absence abs-7 (employee emp-3, 2026-01-05–open)",
            "frånvaro abs-7 (anställd emp-3, 2026-01-05–öppen)",
        ),
        ("customer invoice ci-7 (H-1001 to customer K1)", "kundfaktura ci-7 (H-1001 till kund K1)"),
        ("price p-7 (S-1 in list A)", "pris p-7 (S-1 i lista A)"),
        (
            "change order co-1 (2101_Ä001 Extra dränering)",
            "ÄTA-order co-1 (2101_Ä001 Extra dränering)",
        ),
        ("cost centre ADM", "kostnadsställe ADM"),
        ("voucher A 1 (2026)", "verifikation A 1 (2026)"),
        ("account-7 Projectors AB", "account-7 Projectors AB"),
    ],
)
def test_a_reference_in_swedish(reference: str, swedish: str) -> None:
    assert reference_words(reference, SWEDISH) == swedish


def test_in_english_a_reference_is_as_written() -> None:
    text = "supplier invoice si-7 (F-1 from Bygg AB)"
    assert reference_words(text, translations("en").gettext) == text


def test_the_event_meanings_are_the_engines_and_have_swedish_words() -> None:
    assert set(EVENT_MEANINGS) == set(EVENT_TYPES.values())
    for meaning in EVENT_MEANINGS:
        assert SWEDISH(meaning) != meaning, meaning
