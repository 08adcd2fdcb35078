"""PAXml validation: the reader's findings, the document rules of the PAXml 2.0 description
(listed in docs/formats.md), and — when a schema path is given — the official XSD.

The product does not ship the XSD (it is not ours to redistribute); pass its path
(``paxml validate FILE --xsd paxml.xsd``). Schema errors name the element by its path, e.g.
``/paxml/lonetransaktioner/lonetrans[1]``.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

from fortnox_bridge.formats.errors import SchemaError
from fortnox_bridge.formats.findings import Finding, FindingLog, Severity
from fortnox_bridge.formats.paxml.codes import TIME_CODES, kind_of
from fortnox_bridge.formats.paxml.model import PaxmlDocument, TimeTransaction, person_key
from fortnox_bridge.formats.paxml.reader import read_paxml


@dataclass
class PaxmlReport:
    """What validation found."""

    version: str
    findings: list[Finding]
    schema_checked: bool

    @property
    def errors(self) -> list[Finding]:
        """Findings of severity error."""
        return [f for f in self.findings if f.severity is Severity.ERROR]

    @property
    def ok(self) -> bool:
        """No error."""
        return not self.errors


def check_rules(document: PaxmlDocument, log: FindingLog) -> None:
    """The description's rules that the XSD cannot express (no line numbers: model level)."""
    for index, row in enumerate(document.time_transactions, 1):
        _check_time_row(f"tidtrans {index} ({person_key(row)}, {row.code})", row, log)
    for index, salary in enumerate(document.salary_transactions, 1):
        if not salary.salary_code and not salary.pay_type:
            log.report(
                Severity.ERROR,
                "PAXML-SALARY-CODE",
                f"lonetrans {index} ({person_key(salary)}) has neither lonkod nor lonart",
                hint="say what the row is: a standard lonkod or the receiver's lonart",
            )


def _check_time_row(where: str, row: TimeTransaction, log: FindingLog) -> None:
    def error(code: str, message: str, hint: str) -> None:
        log.report(Severity.ERROR, code, f"{where}: {message}", hint=hint)

    forms = [
        row.date is not None,
        row.date_from is not None or row.date_to is not None,
        row.start is not None or row.end is not None,
    ]
    if sum(forms) != 1:
        error(
            "PAXML-DATE-FORM",
            "give exactly one of datum, datumfrom+datumtom, starttid+sluttid",
            "one row is one day, one interval, or one start/end time",
        )
    elif forms[1] and (row.date_from is None or row.date_to is None):
        error("PAXML-DATE-FORM", "interval lacks an end", "give both datumfrom and datumtom")
    if row.hours is not None and row.date is None:
        error("PAXML-HOURS", "timmar only with a single datum", "one row per day")
    if row.extent is not None:
        if row.hours is not None:
            error("PAXML-EXTENT", "omfattning and timmar", "give hours or extent, not both")
        exponent = row.extent.as_tuple().exponent
        if not 0 < row.extent <= 100 or (isinstance(exponent, int) and exponent < -2):
            error(
                "PAXML-EXTENT",
                f"omfattning {row.extent}",
                "extent is a percentage above 0, at most 100, two decimals",
            )
        if kind_of(row.code) == "presence":
            error("PAXML-EXTENT", "omfattning on presence", "presence is always in hours")
    if row.code and row.code not in TIME_CODES:
        log.report(
            Severity.WARNING,
            "PAXML-CODE",
            f"{where}: {row.code!r} is not a 2.0 tidkod",
            hint="use a PAXml 2.0 code, or declare it in <koder> for the receiver",
        )


def check_schema(data: bytes, xsd: Path, log: FindingLog) -> None:
    """Validate ``data`` against the XSD at ``xsd``."""
    import xmlschema  # imported here: only validation with an XSD needs it

    try:
        schema = xmlschema.XMLSchema(str(xsd))
    except (OSError, xmlschema.XMLSchemaException) as exc:
        raise SchemaError(f"cannot load the XSD {xsd}: {exc}") from None
    for error in schema.iter_errors(io.BytesIO(data)):
        reason = getattr(error, "reason", None) or str(error).splitlines()[0]
        path = getattr(error, "path", None) or "/"
        log.report(
            Severity.ERROR,
            "PAXML-XSD",
            f"{path}: {reason}",
            _line(error),
            None,
            "make the element conform to the PAXml 2.0 schema",
        )


def _line(error: Any) -> int | None:
    line = getattr(error, "sourceline", None)
    return line if isinstance(line, int) else None


def validate_paxml(stream: IO[bytes], *, xsd: Path | None = None) -> PaxmlReport:
    """Read and check a PAXml file; with ``xsd``, also validate against that schema.

    Input that is not well-formed XML raises :class:`PaxmlSyntaxError` (it cannot be judged).
    """
    data = stream.read()
    log = FindingLog()
    result = read_paxml(io.BytesIO(data))
    for finding in result.findings:
        log.add(finding)
    check_rules(result.document, log)
    if xsd is not None:
        check_schema(data, xsd, log)
    return PaxmlReport(result.document.header.version, log.findings, xsd is not None)
