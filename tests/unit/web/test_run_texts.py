"""The run log's common reasons are shown in Swedish by their shape; unknown ones as written,
marked English."""

from __future__ import annotations

import pytest

from fortnox_bridge.web.i18n import translations
from fortnox_bridge.web.run_texts import SHAPES, reason_words

SWEDISH = translations("sv").gettext

#: Every shape with an engine reason and how a Swedish page shows it.
EXAMPLES = [
    ("not in Fortnox yet", "finns inte i Fortnox än"),
    ("new in Fortnox", "ny i Fortnox"),
    ("unchanged", "oförändrade"),
    ("no change", "ingen ändring"),
    ("no change since the last agreed snapshot", "ingen ändring sedan senast avstämda läge"),
    ("no row on a project yet", "ingen rad på något projekt än"),
    ("created in Fortnox", "skapad i Fortnox"),
    ("updated in Fortnox", "uppdaterad i Fortnox"),
    ("deleted in Fortnox", "borttagen i Fortnox"),
    ("deactivated in Fortnox", "inaktiverad i Fortnox"),
    ("already gone from Fortnox", "redan borta ur Fortnox"),
    (
        "deleted in Fortnox; the host record is no longer synchronised",
        "borttagen i Fortnox; posten i värdapplikationen synkas inte längre",
    ),
    ("deleted; nothing left in Fortnox", "borttagen; inget kvar i Fortnox"),
    (
        "another worker is writing this record right now",
        "en annan process skriver den här posten just nu",
    ),
    (
        "matched by natural key (first sync)",
        "matchad på naturlig nyckel (första synkroniseringen)",
    ),
    ("changed in Fortnox: invoice_date", "ändrad i Fortnox: invoice_date"),
    ("updated in Fortnox: name, email", "uppdaterad i Fortnox: name, email"),
    (
        "nothing in Fortnox: not approved (status requested)",
        "inget i Fortnox: inte godkänd (status requested)",
    ),
    ("not approved (status requested)", "inte godkänd (status requested)"),
    ("nothing in Fortnox: no end date yet", "inget i Fortnox: inget slutdatum än"),
    ("no end date yet", "inget slutdatum än"),
    (
        "nothing in Fortnox: absence type course does not count as work days",
        "inget i Fortnox: frånvarotypen course räknas inte som arbetsdagar",
    ),
    (
        "absence type course does not count as work days",
        "frånvarotypen course räknas inte som arbetsdagar",
    ),
    ("held back: no end date yet", "hålls tillbaka: inget slutdatum än"),
    (
        "waiting for employee emp-3 to reach Fortnox first",
        "väntar på att employee emp-3 först når Fortnox",
    ),
    ("days of employee emp-0001 got through", "dagarna för anställd emp-0001 kom fram"),
    ("Fortnox project 2101_1", "Fortnox-projekt 2101_1"),
    ("deleted: no end date yet", "borttagen: inget slutdatum än"),
    ("excluded: not approved yet", "undantagen: not approved yet"),
    (
        "created 2026-03-16 … 2026-03-27 (10) (FPE at 50%)",
        'skapade 2026-03-16 … 2026-03-27 (10) (<span lang="en">FPE at 50%</span>)',
    ),
    (
        "created 2026-03-02, 2026-03-03; deleted 2026-03-04",
        "skapade 2026-03-02, 2026-03-03; tog bort 2026-03-04",
    ),
    (
        "updated TID|1002| (TID: 8 h)",
        'uppdaterade TID projekt 1002 (<span lang="en">TID: 8 h</span>)',
    ),
    ("created project (Fortnox project 2101_1)", "skapade project (Fortnox-projekt 2101_1)"),
]


@pytest.mark.parametrize(("english", "swedish"), EXAMPLES)
def test_a_known_shape_is_shown_in_swedish(english: str, swedish: str) -> None:
    assert str(reason_words(english, SWEDISH)) == swedish
    shown = str(reason_words(english, str))
    assert 'lang="en"' in shown or shown == english  # English pages: the words as logged


def test_every_shape_has_an_example() -> None:
    used = {
        index
        for english, _swedish in EXAMPLES
        for index, shape in enumerate(SHAPES)
        if shape.pattern.fullmatch(english)
    }
    assert used == set(range(len(SHAPES)))


def test_an_unknown_reason_stays_as_written_and_marked_english() -> None:
    shown = reason_words("the printer caught fire <b>", SWEDISH)
    assert str(shown) == '<span lang="en">the printer caught fire &lt;b&gt;</span>'
    assert str(reason_words("", SWEDISH)) == ""


def test_the_held_back_line_keeps_its_parts() -> None:
    held = (
        "not sent again: Fortnox refused it on 2026-01-01 09:30 (2000588): Ogiltigt konto; it is "
        "sent again when the record changes, when the problem is resolved, or after 24 hours"
    )
    assert str(reason_words(held, SWEDISH)).startswith(
        "skickas inte igen: Fortnox nekade den 2026-01-01 09:30 (2000588): Ogiltigt konto;"
    )
