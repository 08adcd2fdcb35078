"""Which PAXml code, and so which Fortnox cause code, a time entry is sent with.

A time entry's own ``paxml_code`` wins; else its project's code; else its absence type's code
(an absence type without one gets the default for its name: SEM for vacation, SJK for sick leave,
VAB, FPE, ...); else ``TID``. The PAXml code is translated with the table of
:mod:`fortnox_bridge.formats.paxml.codes`; its kind (absence or attendance) says whether the
entry becomes an absence or an attendance transaction.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from fortnox_bridge.flows.common.absence_causes import default_cause

# Re-exported for this family's callers: the hr family checks codes too, so they live in
# flows/common.
from fortnox_bridge.flows.common.paxml_codes import VALID_CODES as VALID_CODES
from fortnox_bridge.flows.common.paxml_codes import check_paxml_code as check_paxml_code
from fortnox_bridge.formats.paxml.codes import ABSENCE, to_fortnox, to_paxml

#: Working time within the schedule: the code of time with no project or absence type.
DEFAULT_CODE = "TID"


@dataclass(frozen=True)
class ResolvedCode:
    """The code a time entry is sent with, and where it came from."""

    paxml: str
    #: ``absence`` or ``attendance``: which Fortnox transaction the entry becomes.
    kind: str
    #: The Fortnox ``CauseCode``.
    cause_code: str
    #: ``time entry``, ``project``, ``absence type`` or ``default``.
    source: str


def absence_type_code(absence_type: Mapping[str, Any]) -> str | None:
    """The PAXml code of a host absence type: its own, else the default for its code or name."""
    own = absence_type.get("paxml_code")
    if own:
        return str(own)
    cause = default_cause(str(absence_type.get("code", "")), str(absence_type.get("name", "")))
    if cause is None:
        return None
    return to_paxml(ABSENCE, cause).paxml


def resolve(
    entry: Mapping[str, Any],
    project: Mapping[str, Any] | None = None,
    absence_type: Mapping[str, Any] | None = None,
) -> ResolvedCode:
    """The code of a time entry, given the payloads of its project and absence type.

    Raises ``ValueError`` (saying which record and how to fix it) when no code can be found.
    """
    if entry.get("paxml_code"):
        code, source = str(entry["paxml_code"]), "time entry"
    elif project is not None and project.get("paxml_code"):
        code, source = str(project["paxml_code"]), "project"
    elif entry.get("absence_type"):
        if absence_type is None:
            raise ValueError(
                f"absence type {entry['absence_type']!r} is unknown; send it to "
                "/api/v1/absence-types first"
            )
        found = absence_type_code(absence_type)
        if found is None:
            raise ValueError(
                f"absence type {absence_type.get('code')!r} has no PAXml code and none can be "
                f"guessed from its name; set 'paxml_code' on it (one of "
                f"{', '.join(c for c in VALID_CODES if _kind(c) == ABSENCE)})"
            )
        code, source = found, "absence type"
    else:
        code, source = DEFAULT_CODE, "default"
    row = to_fortnox(check_paxml_code(code))
    return ResolvedCode(paxml=code, kind=row.kind, cause_code=row.fortnox, source=source)


def _kind(code: str) -> str:
    return to_fortnox(code).kind
