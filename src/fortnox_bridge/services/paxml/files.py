"""A tenant's PAXml files against the store: the export read from the mirror, and an import's
file read and its rows planned against the tenant's registers (nothing written here).

What goes in a file and how a row becomes a time entry are pure and live with the payroll
family (:mod:`~fortnox_bridge.flows.payroll.paxml_export`,
:mod:`~fortnox_bridge.flows.payroll.paxml_plan`).
"""

from __future__ import annotations

import io
from datetime import date, datetime
from pathlib import Path
from typing import IO, Any

from sqlalchemy.orm import Session

from fortnox_bridge.flows.payroll.paxml_export import (
    ExportResult,
    ExportSources,
    build_export,
    check_interval,
    export_header,
    plural,
)
from fortnox_bridge.flows.payroll.paxml_import import ImportReport, PaxmlFileRejected
from fortnox_bridge.flows.payroll.paxml_plan import Place, Registers, plan_rows
from fortnox_bridge.formats.errors import PaxmlSyntaxError
from fortnox_bridge.formats.findings import Finding, FindingLog, Severity
from fortnox_bridge.formats.paxml import PaxmlReader
from fortnox_bridge.formats.paxml.reader import Node
from fortnox_bridge.formats.paxml.validation import check_schema
from fortnox_bridge.formats.paxml.values import ValueReader
from fortnox_bridge.store.mirror import MirrorRepository
from fortnox_bridge.store.tenants import TenantRepository


def _live(mirror: MirrorRepository, tenant_id: int, entity: str) -> dict[str, dict[str, Any]]:
    return {r.external_id: dict(r.payload) for r in mirror.live(tenant_id, entity)}


def export(
    session: Session,
    tenant_id: int,
    start: date,
    end: date,
    *,
    now: datetime | None = None,
) -> ExportResult:
    """The tenant's time entries from ``start`` to ``end`` (both included) and its staff as a
    PAXml 2.0 document; ``now`` is the export time written in the header."""
    problem = check_interval(start, end)
    if problem is not None:
        raise ValueError(problem)
    mirror = MirrorRepository(session)
    sources = ExportSources(
        employees=_live(mirror, tenant_id, "employee"),
        projects=_live(mirror, tenant_id, "project"),
        absence_types=_live(mirror, tenant_id, "absence_type"),
        time_entries=[
            (r.external_id, dict(r.payload)) for r in mirror.live(tenant_id, "time_entry")
        ],
    )
    tenant = TenantRepository(session).get(tenant_id)
    header = export_header(tenant.name if tenant is not None else None, now)
    return build_export(sources, start, end, header)


class _RowLog(FindingLog):
    """A finding log that also keeps the findings of the row being read."""

    def __init__(self) -> None:
        super().__init__(raise_error=PaxmlSyntaxError)
        self.current: list[Finding] = []

    def add(self, finding: Finding) -> None:
        self.current.append(finding)
        super().add(finding)


class _RowReader(PaxmlReader):
    """The PAXml reader, remembering where each ``tidtrans`` is and what was wrong in it."""

    def __init__(self, stream: IO[bytes]) -> None:
        super().__init__(stream)
        self.findings = _RowLog()
        self._values = ValueReader(self.findings)
        self.places: list[Place] = []
        self.outside: list[Finding] = []

    def _read_tidtrans(self, node: Node) -> None:
        log = self.findings
        assert isinstance(log, _RowLog)
        self.outside.extend(log.current)
        log.current = []
        super()._read_tidtrans(node)
        self.places.append((node.line, node.column, log.current))
        log.current = []


def read_rows(data: bytes, *, xsd: Path | None = None) -> _RowReader:
    """Read the file; :class:`PaxmlFileRejected` when it cannot be imported at all."""
    reader = _RowReader(io.BytesIO(data))
    try:
        reader.read()
    except PaxmlSyntaxError as exc:
        raise PaxmlFileRejected("not a readable PAXml file", [exc.finding]) from None
    log = reader.findings
    assert isinstance(log, _RowLog)
    reader.outside.extend(log.current)
    if xsd is not None:
        schema = FindingLog()
        check_schema(data, xsd, schema)
        if schema.findings:
            raise PaxmlFileRejected(
                f"the file is not valid against the PAXml 2.0 XSD ({plural(len(schema), 'error')})",
                schema.findings,
            )
    if not reader.document.time_transactions:
        raise PaxmlFileRejected(
            "the file has no time transactions (tidtransaktioner/tidtrans) to import",
            [
                Finding(
                    Severity.ERROR,
                    "PAXML-NO-TIME",
                    "no <tidtrans> in the file",
                    hint="export the time transactions (tidtransaktioner) from the time system",
                )
            ],
        )
    return reader


def plan_import(
    session: Session, tenant_id: int, data: bytes, *, xsd: Path | None = None
) -> ImportReport:
    """Read ``data`` and turn each ``tidtrans`` into a time entry to store (status
    ``planned``) or a rejected row; nothing is written.

    Raises :class:`PaxmlFileRejected` when the file cannot be imported at all.
    """
    reader = read_rows(data, xsd=xsd)
    mirror = MirrorRepository(session)
    registers = Registers(
        _live(mirror, tenant_id, "employee"),
        _live(mirror, tenant_id, "project"),
        _live(mirror, tenant_id, "absence_type"),
    )
    rows = plan_rows(reader.document.time_transactions, reader.places, registers)
    outside = [f for f in reader.outside if f.severity is not Severity.INFO]
    return ImportReport(rows, dry_run=True, findings=outside)
