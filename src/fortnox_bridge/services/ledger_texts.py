"""The words the ledger's write side refuses with (English; the Swedish are in
``web/locales/sv/LC_MESSAGES/ledger_sync.po`` under the same text, for the admin UI to show).

Each is a ``str.format`` template: translate first, then fill in.
"""

from __future__ import annotations

from collections.abc import Sequence

from fortnox_bridge.formats.findings import Finding

AMBIGUOUS = "two financial years start in {year} ({days}): name one by its first day"
NO_YEAR = "the bridge knows no financial year that starts in {year}: refresh the years first"
FAMILY_OFF = "the tenant does not use the ledger family: add 'ledger' to its flow families first"
RUNNING = "a ledger sync of this tenant is running: wait for it to finish"
WRITER_BUSY = (
    "another job is writing this tenant's data (a sync or a push): send the file again when "
    "it has finished"
)
SIE_OVERWRITE = (
    "{years}: the ledger was loaded from a SIE file; syncing from Fortnox replaces it: "
    "send overwrite=true to confirm, or documents_only=true to fetch the documents only"
)
FORTNOX_OVERWRITE = (
    "{year}: the ledger was synced from Fortnox; loading the file replaces it: send "
    "overwrite=true to confirm"
)
NO_OPERATION = "no ledger sync operation {id}"
SIE_YEAR_MISMATCH = (
    "the file is for the financial year that starts {first}, not {year}: upload it to that "
    "year, or check #RAR 0 in the file"
)
SIE_INVALID = "the file cannot be read as a SIE 4 file ({count} errors): {findings}"
#: A finding in words: where, what, how to fix.
FINDING = "line {line}: {message} (fix: {hint})"
#: The most findings named in one answer.
NAMED = 20


def describe_findings(findings: Sequence[Finding]) -> str:
    """The errors of a refused file in words (the first :data:`NAMED` of them)."""
    named = "; ".join(
        FINDING.format(line=f.line if f.line is not None else "?", message=f.message,
                       hint=f.hint or "-")
        for f in findings[:NAMED]
    )  # fmt: skip
    return SIE_INVALID.format(count=len(findings), findings=named)
