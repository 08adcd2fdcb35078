"""Which Fortnox absence cause code an absence type is written with.

The tenant's mapping (kind ``absence_cause``, keyed by the absence type's code) decides; an
excluded type is never sent. An unmapped type falls back to
:data:`~fortnox_bridge.flows.common.absence_causes.DEFAULTS`, recognised by its
code or name in English or Swedish (case, spaces, ``_``, ``-`` and ``.`` ignored); a type whose
code is itself a Fortnox cause code uses it. Anything else must be mapped before its absences
can be written.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

# Re-exported for this family's callers: the cause codes and their defaults are shared with
# the payroll family, so they live in flows/common.
from fortnox_bridge.flows.common.absence_causes import CAUSE_CODES as CAUSE_CODES
from fortnox_bridge.flows.common.absence_causes import default_cause as default_cause

#: The mapping kind the tenant sets: ``tenants map T --kind absence_cause --local CODE ...``.
MAPPING_KIND = "absence_cause"


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
