"""The PAXml codes the bridge can send to Fortnox, and the check of one a host sends.

Both the hr family (the PAXml code of an absence type) and the payroll family (time entries,
projects, resolving an entry's code) check codes against the table of
:mod:`fortnox_bridge.formats.paxml.codes`.
"""

from __future__ import annotations

from fortnox_bridge.formats.errors import UnmappedCodeError
from fortnox_bridge.formats.paxml.codes import ALIASES, TABLE, to_fortnox

#: Every PAXml code the bridge can send to Fortnox, in table order.
VALID_CODES: tuple[str, ...] = (*(row.paxml for row in TABLE), *ALIASES)


def check_paxml_code(value: str) -> str:
    """``value`` upper-cased when it is a PAXml code with a Fortnox counterpart; else a
    ``ValueError`` that lists the valid codes."""
    code = value.strip().upper()
    try:
        to_fortnox(code)
    except UnmappedCodeError as exc:
        raise ValueError(
            f"PAXml code {value!r} cannot be sent to Fortnox ({exc.hint}); use one of "
            f"{', '.join(VALID_CODES)}"
        ) from None
    return code
