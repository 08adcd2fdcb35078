"""What an import of a PAXml time file does with each of its rows (pure: the report's shape).

Every ``tidtrans`` of a file becomes one host time entry, or one rejected row with its position
(n-th ``tidtrans``, line and column), the reason and the fix. How rows are planned is
:mod:`~fortnox_bridge.flows.payroll.paxml_plan`; reading the file and storing the accepted rows
is :mod:`fortnox_bridge.services.paxml`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

from fortnox_bridge.formats.findings import Finding

Status = Literal["planned", "created", "updated", "unchanged", "rejected"]


class PaxmlFileRejected(Exception):
    """The file cannot be imported at all (not PAXml, not valid against the XSD, no time
    transactions); :attr:`findings` say what, where and how to fix it."""

    def __init__(self, message: str, findings: list[Finding]) -> None:
        super().__init__(message)
        self.findings = findings


@dataclass
class ImportRow:
    """One ``tidtrans`` of the file and what became of it."""

    #: The n-th ``tidtrans`` of the file (1-based).
    position: int
    line: int | None
    column: int | None
    status: Status
    external_id: str | None = None
    payload: dict[str, Any] | None = None
    reason: str | None = None
    fix: str | None = None
    #: Parts of the row that were not imported (an unknown dimension, ...).
    notes: list[str] = field(default_factory=list)

    def reject(self, reason: str, fix: str) -> ImportRow:
        """Mark the row rejected."""
        self.status, self.reason, self.fix, self.payload = "rejected", reason, fix, None
        return self

    def where(self) -> str:
        """``tidtrans 3 (line 41, column 5)``."""
        at = f" (line {self.line}, column {self.column})" if self.line is not None else ""
        return f"tidtrans {self.position}{at}"

    def to_json(self) -> dict[str, Any]:
        """JSON-ready form (the import report's rows)."""
        return {
            "position": self.position,
            "line": self.line,
            "column": self.column,
            "status": self.status,
            "external_id": self.external_id,
            "time_entry": self.payload,
            "reason": self.reason,
            "fix": self.fix,
            "notes": self.notes,
        }


@dataclass
class ImportReport:
    """What an import did (or, in a dry run, would do) with each row of the file."""

    rows: list[ImportRow]
    dry_run: bool
    #: What the reader said about the file outside its time transactions (warnings).
    findings: list[Finding] = field(default_factory=list)

    @property
    def rejected(self) -> list[ImportRow]:
        """The rows that were not imported."""
        return [row for row in self.rows if row.status == "rejected"]

    @property
    def accepted(self) -> list[ImportRow]:
        """The rows that were (or would be) stored."""
        return [row for row in self.rows if row.status != "rejected"]

    def counts(self) -> dict[str, int]:
        """Rows per status."""
        found = dict.fromkeys(("planned", "created", "updated", "unchanged", "rejected"), 0)
        for row in self.rows:
            found[row.status] += 1
        return found

    def to_json(self) -> dict[str, Any]:
        """The report as the API answers it and ``paxml import --json`` prints it."""
        return {
            "dry_run": self.dry_run,
            "transactions": len(self.rows),
            "accepted": len(self.accepted),
            "rejected": len(self.rejected),
            "counts": self.counts(),
            "rows": [row.to_json() for row in self.rows],
            "warnings": [finding.to_json() for finding in self.findings],
        }
