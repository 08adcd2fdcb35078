"""PAXml 2.0 code lists and the translation PAXml time code ↔ Fortnox API cause code.

PAXml names absence and presence with ``tidkod`` values; the Fortnox API's
absence and attendance transactions take a three-letter ``CauseCode`` from a fixed enum
of its OpenAPI document. Most codes are the same, some are not:

- Fortnox writes Swedish letters in ASCII: PAXml ``NÄR`` is ``NAR``; overtime ``ÖT1``–``ÖT5``
  is ``OT1``–``OT5`` and comp-time overtime ``ÖK1``–``ÖK5`` is ``OK1``–``OK5``. Fortnox's own
  PAXml import register uses ``ÖB1``–``ÖB5`` for paid overtime; those are read as ``OT1``–``OT5``
  too.
- PAXml's "other absence 1" ``FR1`` is Fortnox's ``FRA``.
- Fortnox documents ``UTB`` as "UTB or FAC – facklig utbildning, FAC used in PAXml": PAXml
  ``FAC`` (union work) becomes ``UTB``, and ``UTB`` back becomes ``FAC``. PAXml's own ``UTB``
  (vacation-qualifying training) has no exact counterpart; it is sent as ``UTB`` and marked
  approximate.
- On-call, standby and travel time: PAXml ``JR1``/``JR2`` ↔ ``JOR``/``JO2``, ``BE1``/``BE2`` ↔
  ``BER``/``BE2``, ``RE1`` ↔ ``RES``. ``JR3``, ``BE3``, ``RE2``, ``RE3`` have no counterpart.
- No counterpart either: the sick sub-codes ``SJK_*``, vacation sub-codes ``SEM_*``, ``KON``,
  ``ATK``, ``ATF`` (not in the API enum), ``JS1``–``JS3``, ``BS1``–``BS3``, ``FR2``–``FR9``,
  time balances ``TS1``–``TS9``, ``NV1``–``NV9``, ``LT1``–``LT9``, ``SKI``; and Fortnox's ``OK0``
  has no PAXml code. Translating those raises :class:`UnmappedCodeError` with the reason.
"""

from __future__ import annotations

from typing import NamedTuple

from fortnox_bridge.formats.errors import UnmappedCodeError

ABSENCE = "absence"
ATTENDANCE = "attendance"


def _series(prefix: str, count: int) -> tuple[str, ...]:
    return tuple(f"{prefix}{number}" for number in range(1, count + 1))


# PAXml 2.0 XSD, tidkodTYPE (absence and time-balance codes are tidkod only).
ABSENCE_CODES = (
    "SJK",
    "SJK_KAR",
    "SJK_LÖN",
    "SJK_ERS",
    "SJK_PEN",
    "ASK",
    "HAV",
    "FPE",
    "VAB",
    "SMB",
    "UTB",
    "MIL",
    "SVE",
    "NÄR",
    "TJL",
    "SEM",
    "SEM_BET",
    "SEM_SPA",
    "SEM_OBE",
    "SEM_FÖR",
    "KOM",
    "PEM",
    "PER",
    "FAC",
    "ATK",
    "KON",
    "PAP",
    "ATF",
    *_series("FR", 9),
    *_series("JS", 3),
    *_series("BS", 3),
    *_series("OS", 5),
)
BALANCE_CODES = ("FLX", *_series("TS", 9))
PRESENCE_CODES = (
    "TID",
    "ARB",
    "MER",
    *_series("ÖT", 5),
    *_series("ÖK", 5),
    *_series("JR", 3),
    *_series("BE", 3),
    *_series("RE", 3),
    *_series("NV", 9),
    *_series("OB", 5),
    "HLG",
    "SKI",
    *_series("LT", 9),
)
TIME_CODES = frozenset(ABSENCE_CODES + BALANCE_CODES + PRESENCE_CODES)
"""Every ``tidkod`` the PAXml 2.0 XSD allows."""

# Fortnox OpenAPI enums.
FORTNOX_ABSENCE = frozenset(
    [
        "ASK",
        "FPE",
        "FRA",
        "HAV",
        "KOM",
        "MIL",
        "NAR",
        "OS1",
        "OS2",
        "OS3",
        "OS4",
        "OS5",
        "PAP",
        "PEM",
        "PER",
        "SEM",
        "SJK",
        "SMB",
        "SVE",
        "TJL",
        "UTB",
        "VAB",
    ]
)
FORTNOX_ATTENDANCE = frozenset(
    [
        "ARB",
        "BE2",
        "BER",
        "FLX",
        "HLG",
        "JO2",
        "JOR",
        "MER",
        "OB1",
        "OB2",
        "OB3",
        "OB4",
        "OB5",
        "OK0",
        "OK1",
        "OK2",
        "OK3",
        "OK4",
        "OK5",
        "OT1",
        "OT2",
        "OT3",
        "OT4",
        "OT5",
        "RES",
        "TID",
    ]
)


class Translation(NamedTuple):
    """One row of the table: PAXml code → Fortnox cause code, and how exact it is."""

    paxml: str
    kind: str
    fortnox: str
    exact: bool = True
    note: str = ""


def _same(kind: str, codes: str) -> list[Translation]:
    return [Translation(code, kind, code) for code in codes.split()]


TABLE: tuple[Translation, ...] = (
    *_same(ABSENCE, "ASK FPE HAV KOM MIL PAP PEM PER SEM SJK SMB SVE TJL VAB"),
    *_same(ABSENCE, "OS1 OS2 OS3 OS4 OS5"),
    Translation("NÄR", ABSENCE, "NAR", note="Fortnox writes Ä as A"),
    Translation("FR1", ABSENCE, "FRA", note="other absence 1 is Fortnox's FRA"),
    Translation("FAC", ABSENCE, "UTB", note="Fortnox: 'UTB or FAC, FAC used in PAXml'"),
    Translation(
        "UTB",
        ABSENCE,
        "UTB",
        exact=False,
        note="PAXml UTB is vacation-qualifying training, Fortnox UTB union training",
    ),
    *_same(ATTENDANCE, "TID ARB MER HLG FLX OB1 OB2 OB3 OB4 OB5"),
    *(
        Translation(f"ÖT{n}", ATTENDANCE, f"OT{n}", note="Fortnox writes Ö as O")
        for n in range(1, 6)
    ),
    *(
        Translation(f"ÖK{n}", ATTENDANCE, f"OK{n}", note="overtime as comp time")
        for n in range(1, 6)
    ),
    Translation("JR1", ATTENDANCE, "JOR", note="on-call (jour)"),
    Translation("JR2", ATTENDANCE, "JO2", note="on-call 2"),
    Translation("BE1", ATTENDANCE, "BER", note="standby (beredskap)"),
    Translation("BE2", ATTENDANCE, "BE2", note="standby 2"),
    Translation("RE1", ATTENDANCE, "RES", note="travel time (restid)"),
)
"""PAXml → Fortnox, one row per PAXml code that has a counterpart."""

# Fortnox's PAXml import register calls paid overtime ÖB1–ÖB5.
ALIASES = {f"ÖB{n}": f"ÖT{n}" for n in range(1, 6)}
_BY_PAXML = {row.paxml: row for row in TABLE}
# Fortnox → PAXml: the first row naming a Fortnox code wins, except UTB → FAC (Fortnox's doc).
_BY_FORTNOX = {(row.kind, row.fortnox): row for row in reversed(TABLE) if row.paxml != "UTB"}


def to_fortnox(code: str) -> Translation:
    """The Fortnox cause code for a PAXml ``tidkod`` (absence or attendance).

    Raises :class:`UnmappedCodeError` for codes without a counterpart, saying why.
    """
    row = _BY_PAXML.get(ALIASES.get(code, code))
    if row is not None:
        return row
    if code in TIME_CODES:
        hint = (
            "Fortnox's absence and attendance transactions have no cause code for it; map it "
            "to a salary code (löneart) in Fortnox Lön, or to a nearby cause code you choose"
        )
    else:
        hint = "it is not a PAXml 2.0 tidkod either; check the spelling (ÖT1, NÄR, SJK ...)"
    raise UnmappedCodeError(code, "PAXml → Fortnox", hint)


def to_paxml(kind: str, code: str) -> Translation:
    """The PAXml ``tidkod`` for a Fortnox cause code of ``kind`` (absence or attendance)."""
    row = _BY_FORTNOX.get((kind, code))
    if row is not None:
        return row
    known = FORTNOX_ABSENCE if kind == ABSENCE else FORTNOX_ATTENDANCE
    if code in known:
        hint = "PAXml 2.0 has no tidkod for it (Fortnox's OK0, extra time as comp time)"
    else:
        hint = f"it is not a Fortnox {kind} cause code; expected one of {', '.join(sorted(known))}"
    raise UnmappedCodeError(code, "Fortnox → PAXml", hint)


def kind_of(code: str) -> str | None:
    """``"absence"``, ``"presence"``, ``"balance"`` for a PAXml 2.0 tidkod, else ``None``."""
    code = ALIASES.get(code, code)
    if code in ABSENCE_CODES:
        return ABSENCE
    if code in PRESENCE_CODES:
        return "presence"
    if code in BALANCE_CODES:
        return "balance"
    return None
