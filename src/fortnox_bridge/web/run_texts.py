"""Run log lines as a person reads them, in the page's language.

The engine writes a run item's reason in English; the lines a catalogue knows by their shape
(a write held back because Fortnox refused it) are shown translated, the others as written.
"""

from __future__ import annotations

import re

from fastapi import Request

from fortnox_bridge.web.i18n import N_
from fortnox_bridge.web.render import gettext

#: ``engine/sync/refusals.py``'s line for a write Fortnox refused and nothing changed since.
_HELD = re.compile(
    r"not sent again: Fortnox refused it on (?P<when>\d{4}-\d\d-\d\d \d\d:\d\d)"
    r"(?: \((?P<code>\d+)\))?: (?P<text>.*); it is sent again when the record changes, when "
    r"the problem is resolved, or after (?P<hours>\d+) hours",
    re.DOTALL,
)
HELD = N_(
    "not sent again: Fortnox refused it on %(when)s%(code)s: %(text)s; it is sent again when "
    "the record changes, when the problem is resolved, or after %(hours)s hours"
)


def run_reason(request: Request, reason: str) -> str:
    """A run item's reason in the page's language (as written when no catalogue knows it)."""
    found = _HELD.fullmatch(reason or "")
    if found is None:
        return reason
    code = f" ({found['code']})" if found["code"] else ""
    return gettext(
        request, HELD, when=found["when"], code=code, text=found["text"], hours=found["hours"]
    )
