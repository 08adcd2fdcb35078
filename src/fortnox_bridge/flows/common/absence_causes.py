"""The absence cause codes Fortnox knows, and the default one for an absence type's name.

An absence type is recognised by its code or name in English or Swedish (case, spaces, ``_``,
``-`` and ``.`` ignored); a type whose code is itself a Fortnox cause code uses it. The hr family
writes absences with these codes; the payroll family guesses a type's PAXml code from them.
"""

from __future__ import annotations

import re

from fortnox_bridge.fortnox.models.absence_transaction import AbsenceTransactionSingleItem

#: Fortnox's absence cause codes, as the OpenAPI document lists them.
CAUSE_CODES = frozenset(AbsenceTransactionSingleItem.wire_limits["CauseCode"]["enum"])

#: Fortnox cause code → names an absence type is recognised by (normalised: lower case, words).
DEFAULTS: dict[str, tuple[str, ...]] = {
    "SJK": (
        "sick", "sick leave", "sickness", "illness", "self certification",
        "self certified sick leave", "self certified sickness", "sjuk", "sjukdom",
        "sjukfrånvaro", "sjukskrivning", "egenanmälan", "egen sjukanmälan",
    ),
    "SEM": ("vacation", "holiday", "holidays", "annual leave", "paid leave", "semester"),
    "VAB": (
        "vab", "care of sick child", "care of a sick child", "sick child", "child sick",
        "vård av barn", "vård av sjukt barn",
    ),
    "FPE": (
        "parental leave", "parental", "maternity leave", "föräldraledig", "föräldraledighet",
        "föräldrapenning",
    ),
    "PAP": ("paternity leave", "paternity days", "pappadagar", "tiodagar", "10 dagar"),
    "TJL": ("unpaid leave", "leave without pay", "tjänstledig", "tjänstledighet"),
    "PEM": ("leave with permission", "permission"),
    "KOM": ("comp leave", "compensatory leave", "time off in lieu", "kompledig", "komp"),
    "MIL": ("military service", "militärtjänst", "värnplikt"),
    "NAR": ("care of close relative", "care of relative", "närståendevård", "närstående"),
    "UTB": ("trade union training", "union training", "facklig utbildning"),
    "SVE": ("swedish for immigrants", "sfi", "svenska för invandrare"),
    "SMB": ("infection carrier", "smittbärare", "smittbärarpenning"),
    "HAV": ("pregnancy benefit", "pregnancy", "graviditetspenning", "havandeskapspenning"),
    "ASK": ("work injury", "occupational injury", "arbetsskada"),
    "PER": ("laid off", "furlough", "permitterad", "permittering"),
    "FRA": ("other absence", "other", "annan frånvaro", "övrig frånvaro"),
}  # fmt: skip
_BY_NAME = {name: code for code, names in DEFAULTS.items() for name in names}


def normalise(text: str) -> str:
    """``Self-certified_SICK.leave`` → ``self certified sick leave``."""
    return " ".join(re.split(r"[\s_.\-]+", text.strip().lower())).strip()


def default_cause(code: str, name: str) -> str | None:
    """The default cause code of an unmapped absence type, or ``None`` when none fits."""
    if code.upper() in CAUSE_CODES:
        return code.upper()
    return _BY_NAME.get(normalise(code)) or _BY_NAME.get(normalise(name))
