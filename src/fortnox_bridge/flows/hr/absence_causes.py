"""Which Fortnox absence cause code an absence type is written with.

The tenant's mapping (kind ``absence_cause``, keyed by the absence type's code) decides; an
excluded type is never sent. An unmapped type falls back to :data:`DEFAULTS`, recognised by its
code or name in English or Swedish (case, spaces, ``_``, ``-`` and ``.`` ignored); a type whose
code is itself a Fortnox cause code uses it. Anything else must be mapped before its absences
can be written.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from fortnox_bridge.fortnox.models.absence_transaction import AbsenceTransactionSingleItem

#: The mapping kind the tenant sets: ``tenants map T --kind absence_cause --local CODE ...``.
MAPPING_KIND = "absence_cause"
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


class UnmappedType(ValueError):
    """An absence type with no mapping and no default; the message says how to map it."""


def cause_for(
    absence_type: Mapping[str, Any], mappings: Mapping[str, Mapping[str, str | None]]
) -> tuple[str | None, str]:
    """``(cause code or None when excluded, how it was chosen)`` for a host absence type."""
    code, name = str(absence_type.get("code", "")), str(absence_type.get("name", ""))
    table = mappings.get(MAPPING_KIND, {})
    if code in table:
        mapped = table[code]
        if mapped is None:
            return None, f"the tenant's {MAPPING_KIND} mapping excludes type {code}"
        if mapped not in CAUSE_CODES:
            raise UnmappedType(
                f"the {MAPPING_KIND} mapping of absence type {code} gives {mapped!r}, which is not "
                f"a Fortnox absence cause code; map it to one of {', '.join(sorted(CAUSE_CODES))}"
            )
        return mapped, f"mapped {code} → {mapped}"
    default = default_cause(code, name)
    if default is None:
        raise UnmappedType(
            f"absence type {code} ({name}) has no Fortnox cause code: map it with "
            f"'fortnox-bridge tenants map TENANT --kind {MAPPING_KIND} --local {code} "
            f"--fortnox SJK' (one of {', '.join(sorted(CAUSE_CODES))}), or exclude it with "
            "--exclude"
        )
    return default, f"default for {code} ({name}) → {default}"
