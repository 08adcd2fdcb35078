"""Findings: what a reader repaired, what a validator found — each with its line and a fix.

A :class:`Finding` is plain data (severity, code, line, column, message, hint). A
:class:`FindingLog` collects them for one read; in strict mode it turns the first violation into
an exception instead. The log keeps at most ``limit`` findings so that a huge file full of the same
quirk still reads in constant memory; the rest are only counted.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from enum import StrEnum


class Severity(StrEnum):
    """How bad a finding is."""

    ERROR = "error"  # the data is wrong or was lost; strict reading stops here
    WARNING = "warning"  # the input breaks the spec and was repaired (lenient mode)
    INFO = "info"  # worth knowing, not a violation


@dataclass(frozen=True, slots=True)
class Finding:
    """One thing a reader or validator has to say about the input."""

    severity: Severity
    code: str
    message: str
    line: int | None = None
    column: int | None = None
    hint: str = ""

    def describe(self) -> str:
        """One line for humans: ``line 12, column 7: error SIE-DATE: ... Fix: ...``."""
        where = ""
        if self.line is not None:
            where = f"line {self.line}"
            if self.column is not None:
                where += f", column {self.column}"
            where += ": "
        fix = f" Fix: {self.hint}" if self.hint else ""
        return f"{where}{self.severity.value} {self.code}: {self.message}{fix}"

    def to_json(self) -> dict[str, object]:
        """A JSON-ready dict (the shape the CLI prints)."""
        return {
            "severity": self.severity.value,
            "code": self.code,
            "line": self.line,
            "column": self.column,
            "message": self.message,
            "hint": self.hint,
        }


class FindingLog:
    """Collects findings of one read or validation; raises on violations when strict.

    ``raise_error`` builds the exception for strict mode from the violating finding; it is
    injected so that the SIE and PAXml readers can raise their own error types.
    """

    def __init__(
        self,
        *,
        strict: bool = False,
        raise_error: Callable[[Finding], Exception] | None = None,
        limit: int = 1000,
    ) -> None:
        self.strict = strict
        self._raise_error = raise_error
        self._limit = limit
        self._kept: list[Finding] = []
        self.counts: Counter[Severity] = Counter()
        self.dropped = 0

    def add(self, finding: Finding) -> None:
        """Record ``finding``; in strict mode a warning or error is raised instead."""
        if self.strict and finding.severity is not Severity.INFO and self._raise_error:
            raise self._raise_error(
                Finding(
                    Severity.ERROR,
                    finding.code,
                    finding.message,
                    finding.line,
                    finding.column,
                    finding.hint,
                )
            )
        self.counts[finding.severity] += 1
        if len(self._kept) < self._limit:
            self._kept.append(finding)
        else:
            self.dropped += 1

    def report(
        self,
        severity: Severity,
        code: str,
        message: str,
        line: int | None = None,
        column: int | None = None,
        hint: str = "",
    ) -> None:
        """Shorthand for ``add(Finding(...))``."""
        self.add(Finding(severity, code, message, line, column, hint))

    @property
    def findings(self) -> list[Finding]:
        """The kept findings, in the order they were found."""
        return list(self._kept)

    @property
    def has_errors(self) -> bool:
        """Whether any finding of severity error was recorded."""
        return self.counts[Severity.ERROR] > 0

    def __iter__(self) -> Iterator[Finding]:
        return iter(self._kept)

    def __len__(self) -> int:
        return len(self._kept) + self.dropped
