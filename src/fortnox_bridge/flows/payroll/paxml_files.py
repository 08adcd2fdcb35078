"""PAXml files of a tenant's time: export to any payroll system, import from other time
systems.

**Export** (:func:`export`): the tenant's host time entries of an interval become PAXml 2.0 time
transactions (``tidtransaktioner/tidtrans``: presence and absence alike — PAXml 2.0 has no
separate absence list; ``schematransaktioner`` is the working-time schedule, which the bridge does
not own). Entries are added up per employee, day, PAXml code, project and cost centre. The
employees become the staff register (``personal/person``). An employee is named in the file by
``anstid`` = the employment id when the employee has one, else the host id, plus ``persnr`` when
the personal identity number is known. The project goes in ``resenheter`` as dimension 6 with the
project's number, the cost centre as dimension 1 (SIE's numbering, which PAXml follows). Entries
that cannot be written (no code can be resolved, unknown employee or project, a project number
longer than PAXml's 10 characters) are left out and listed — never dropped silently.

**Import** (:func:`plan_import`): every ``tidtrans`` of a file becomes one host time entry, or
one rejected row with its position (n-th ``tidtrans``, line and column), the reason and the fix.
The employee is found by employment id, then host id (``anstid``), or by personal identity number
(``persnr`` alone); the project by its number, then host id (dimension 6). The entry's external id
is derived from what it says — ``paxml-`` and the first 20 hex digits of the SHA-256 of employee,
date, hours, code, project and cost centre, with ``-2``, ``-3``... for identical rows of one file
— so importing the same file (or an overlapping one) again finds the entries already stored and
creates nothing new. Storing the accepted rows is the API's ingest path (validation, change
operations, events); :mod:`fortnox_bridge.services.paxml` does it for the API and the command line.
"""

from __future__ import annotations

import hashlib
import io
import json
from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import IO, Any, Literal

from pydantic import ValidationError
from sqlalchemy.orm import Session

from fortnox_bridge.engine.flow.sources import first_error
from fortnox_bridge.flows.payroll import codes
from fortnox_bridge.flows.payroll.records import HostTimeEntry
from fortnox_bridge.formats.errors import PaxmlSyntaxError
from fortnox_bridge.formats.findings import Finding, FindingLog, Severity
from fortnox_bridge.formats.paxml import (
    Dimension,
    Header,
    PaxmlDocument,
    PaxmlReader,
    Person,
    ResultUnit,
    ResultUnitRef,
    TimeTransaction,
    write_paxml,
)
from fortnox_bridge.formats.paxml.codes import ABSENCE, ALIASES, to_fortnox
from fortnox_bridge.formats.paxml.reader import Node
from fortnox_bridge.formats.paxml.validation import check_schema
from fortnox_bridge.formats.paxml.values import ValueReader
from fortnox_bridge.store.mirror import MirrorRepository
from fortnox_bridge.store.tenants import TenantRepository

#: SIE's (and PAXml's) dimension numbers of the cost centre and the project.
COST_CENTER_DIM = 1
PROJECT_DIM = 6
#: PAXml's ``dimidTYPE``: the id of a ``resenhet`` is at most 10 characters.
MAX_UNIT_ID = 10
#: The longest interval one export covers.
MAX_DAYS = 366
PROGRAM = "fortnox-bridge"
ID_PREFIX = "paxml-"

Status = Literal["planned", "created", "updated", "unchanged", "rejected"]


# -- export ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class LeftOut:
    """A time entry the export could not write, and why."""

    external_id: str
    reference: str
    reason: str
    fix: str

    def to_json(self) -> dict[str, str]:
        """JSON-ready form."""
        return {
            "external_id": self.external_id,
            "reference": self.reference,
            "reason": self.reason,
            "fix": self.fix,
        }


@dataclass
class ExportResult:
    """The PAXml document of an interval, and what had to be left out."""

    document: PaxmlDocument
    entries: int
    left_out: list[LeftOut] = field(default_factory=list)

    @property
    def transactions(self) -> int:
        """How many ``tidtrans`` the file has."""
        return len(self.document.time_transactions)

    @property
    def staff(self) -> int:
        """How many ``person`` the file has."""
        return len(self.document.persons)

    def to_bytes(self) -> bytes:
        """The file: PAXml 2.0, UTF-8."""
        out = io.BytesIO()
        write_paxml(self.document, out)
        return out.getvalue()

    def summary(self) -> str:
        """``12 transactions (from 15 time entries), 4 staff, 1 left out``."""
        written = self.entries - len(self.left_out)
        return (
            f"{plural(self.transactions, 'transaction')} (from "
            f"{plural(written, 'time entry', 'time entries')}), {self.staff} staff, "
            f"{len(self.left_out)} left out"
        )


def plural(count: int, one: str, many: str | None = None) -> str:
    """``1 time entry``, ``2 time entries``."""
    return f"{count} {one}" if count == 1 else f"{count} {many or one + 's'}"


def check_interval(start: date, end: date) -> str | None:
    """What is wrong with the interval ``start``–``end``, or ``None``."""
    if end < start:
        return f"'to' ({end}) is before 'from' ({start}); give the first day, then the last"
    if (end - start).days + 1 > MAX_DAYS:
        return (
            f"{start}–{end} is {(end - start).days + 1} days; one file covers at most "
            f"{MAX_DAYS} days: export the interval in parts"
        )
    return None


def employee_key(host_id: str, payload: Mapping[str, Any]) -> str:
    """How the file names an employee (``anstid``): the employment id, else the host id."""
    return str(payload.get("employment_id") or host_id)


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
    employees = {r.external_id: dict(r.payload) for r in mirror.live(tenant_id, "employee")}
    projects = {r.external_id: dict(r.payload) for r in mirror.live(tenant_id, "project")}
    absence_types = {r.external_id: dict(r.payload) for r in mirror.live(tenant_id, "absence_type")}
    totals: defaultdict[tuple[str, date, str, str, str], Decimal] = defaultdict(Decimal)
    left_out: list[LeftOut] = []
    entries = 0
    used: set[str] = set()
    for record in mirror.live(tenant_id, "time_entry"):
        entry = dict(record.payload)
        try:
            day = date.fromisoformat(str(entry.get("date")))
        except ValueError:
            continue
        if not start <= day <= end:
            continue
        entries += 1
        reference = f"time entry {record.external_id} (employee {entry.get('employee')}, {day})"
        row = _export_row(record.external_id, reference, entry, employees, projects, absence_types)
        if isinstance(row, LeftOut):
            left_out.append(row)
            continue
        key, hours = row
        totals[key] += hours
        used.add(str(entry["employee"]))
    document = PaxmlDocument(header=_header(session, tenant_id, now))
    persnr = {
        employee_key(host_id, p): p.get("personal_identity_number")
        for host_id, p in employees.items()
    }
    units: set[tuple[int, str]] = set()
    for postid, (key, hours) in enumerate(sorted(totals.items()), 1):
        anstid, day, code, project, cost_center = key
        refs = []
        if cost_center:
            refs.append(ResultUnitRef(COST_CENTER_DIM, cost_center))
        if project:
            refs.append(ResultUnitRef(PROJECT_DIM, project))
        units.update((ref.dim, ref.id) for ref in refs)
        document.time_transactions.append(
            TimeTransaction(
                code=code,
                anstid=anstid,
                persnr=persnr.get(anstid),
                postid=postid,
                date=day,
                hours=hours,
                result_units=tuple(refs) or None,
            )
        )
    names = {str(p.get("number")): str(p.get("name") or p.get("number")) for p in projects.values()}
    document.dimensions = [
        Dimension(dim, name)
        for dim, name in ((COST_CENTER_DIM, "Kostnadsställe"), (PROJECT_DIM, "Projekt"))
        if any(unit[0] == dim for unit in units)
    ]
    document.result_units = [
        ResultUnit(dim, unit, names.get(unit, unit) if dim == PROJECT_DIM else unit)
        for dim, unit in sorted(units)
    ]
    document.persons = [
        _person(host_id, payload)
        for host_id, payload in sorted(employees.items(), key=lambda i: employee_key(*i))
        if host_id in used or _employed(payload, start, end)
    ]
    if left_out:
        count = plural(len(left_out), "time entry", "time entries")
        reasons = "; ".join(f"{item.reference}: {item.reason}" for item in left_out)
        document.header.info = f"{count} left out: {reasons}"
    return ExportResult(document, entries, left_out)


def _export_row(
    external_id: str,
    reference: str,
    entry: Mapping[str, Any],
    employees: Mapping[str, Mapping[str, Any]],
    projects: Mapping[str, Mapping[str, Any]],
    absence_types: Mapping[str, Mapping[str, Any]],
) -> tuple[tuple[str, date, str, str, str], Decimal] | LeftOut:
    """The key and hours of one entry's transaction, or why it is left out."""

    def leave(reason: str, fix: str) -> LeftOut:
        return LeftOut(external_id, reference, reason, fix)

    employee = employees.get(str(entry.get("employee")))
    if employee is None:
        return leave(
            f"employee {entry.get('employee')!r} is unknown",
            "send the employee to /api/v1/employees, or correct the time entry's employee",
        )
    project_id = entry.get("project")
    project = projects.get(str(project_id)) if project_id else None
    if project_id and project is None:
        return leave(
            f"project {project_id!r} is unknown",
            "send the project to /api/v1/projects, or correct the time entry's project",
        )
    absence_id = entry.get("absence_type")
    try:
        resolved = codes.resolve(
            entry, project, absence_types.get(str(absence_id)) if absence_id else None
        )
    except ValueError as exc:
        return leave(f"no PAXml code: {exc}", "give the entry, its project or absence type a code")
    number = str(project.get("number")) if project is not None else ""
    if len(number) > MAX_UNIT_ID:
        return leave(
            f"project number {number!r} is longer than the {MAX_UNIT_ID} characters PAXml allows "
            "for a project id (resenhet)",
            "give the project a number of at most 10 characters",
        )
    try:
        hours = Decimal(str(entry.get("hours")))
    except InvalidOperation:
        return leave(f"hours {entry.get('hours')!r} is not a number", "send the hours again")
    code = ALIASES.get(resolved.paxml, resolved.paxml)
    key = (
        employee_key(str(entry["employee"]), employee),
        date.fromisoformat(str(entry["date"])),
        code,
        number,
        str(entry.get("cost_center") or ""),
    )
    return key, hours


def _header(session: Session, tenant_id: int, now: datetime | None) -> Header:
    tenant = TenantRepository(session).get(tenant_id)
    return Header(
        format="LÖNIN",
        datum=now.replace(microsecond=0).isoformat() if now is not None else None,
        company_name=tenant.name if tenant is not None else None,
        program_name=PROGRAM,
    )


def _employed(payload: Mapping[str, Any], start: date, end: date) -> bool:
    """Whether the employment (if its dates are known) overlaps the interval."""
    began, ended = payload.get("employment_start"), payload.get("employment_end")
    if began and date.fromisoformat(str(began)) > end:
        return False
    return not (ended and date.fromisoformat(str(ended)) < start)


def _person(host_id: str, p: Mapping[str, Any]) -> Person:
    def text(name: str) -> str | None:
        value = p.get(name)
        return str(value) if value not in (None, "") else None

    def day(name: str) -> date | None:
        value = text(name)
        return date.fromisoformat(value) if value else None

    return Person(
        anstid=employee_key(host_id, p),
        persnr=text("personal_identity_number"),
        first_name=text("given_name"),
        last_name=text("family_name"),
        postal_address=text("address_line1"),
        extra_address=text("address_line2"),
        postal_code=text("postal_code"),
        city=text("city"),
        country=text("country"),
        mobile_phone=text("phone"),
        work_email=text("email"),
        bank_clearing=text("bank_clearing_number"),
        bank_account=text("bank_account_number"),
        employed_from=day("employment_start"),
        employed_to=day("employment_end"),
    )


# -- import ------------------------------------------------------------------------------------


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
        self.places: list[tuple[int, int, list[Finding]]] = []
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


class _Registers:
    """The tenant's employees, projects and absence types, indexed the ways a file names them."""

    def __init__(self, session: Session, tenant_id: int) -> None:
        mirror = MirrorRepository(session)
        self.employees = {
            r.external_id: dict(r.payload) for r in mirror.live(tenant_id, "employee")
        }
        self.by_employment_id: defaultdict[str, list[str]] = defaultdict(list)
        self.by_persnr: defaultdict[str, list[str]] = defaultdict(list)
        for host_id, payload in self.employees.items():
            if payload.get("employment_id"):
                self.by_employment_id[str(payload["employment_id"])].append(host_id)
            if payload.get("personal_identity_number"):
                self.by_persnr[str(payload["personal_identity_number"])].append(host_id)
        self.projects = {r.external_id: dict(r.payload) for r in mirror.live(tenant_id, "project")}
        self.by_number: defaultdict[str, list[str]] = defaultdict(list)
        for host_id, payload in self.projects.items():
            self.by_number[str(payload.get("number"))].append(host_id)
        self.absence_by_code: defaultdict[str, list[str]] = defaultdict(list)
        for record in mirror.live(tenant_id, "absence_type"):
            found = codes.absence_type_code(record.payload)
            if found:
                self.absence_by_code[ALIASES.get(found, found)].append(record.external_id)

    def employee(self, row: TimeTransaction) -> tuple[str | None, str, str]:
        """The host id of the row's employee, or ``None`` with the reason and the fix."""
        fix = (
            "send the employee to /api/v1/employees (with this employment id), or correct "
            "anstid/persnr in the file"
        )
        if row.anstid:
            matches = self.by_employment_id.get(row.anstid) or (
                [row.anstid] if row.anstid in self.employees else []
            )
            if not matches:
                return None, f"unknown employee: no employment id or host id {row.anstid!r}", fix
            if len(matches) > 1:
                return (
                    None,
                    f"employment id {row.anstid!r} is held by {len(matches)} employees",
                    "give each employee its own employment id",
                )
            host_id = matches[0]
            known = self.employees[host_id].get("personal_identity_number")
            if row.persnr and known and known != row.persnr:
                return (
                    None,
                    f"anstid {row.anstid!r} is employee {host_id!r}, whose personal identity "
                    f"number is not {row.persnr}",
                    "correct anstid or persnr in the file so both name the same person",
                )
            return host_id, "", ""
        if row.persnr:
            matches = self.by_persnr.get(row.persnr, [])
            if len(matches) == 1:
                return matches[0], "", ""
            if matches:
                return None, f"persnr {row.persnr} is held by {len(matches)} employees", fix
            return None, f"unknown employee: no personal identity number {row.persnr}", fix
        return (
            None,
            "the row names no employee (neither anstid nor persnr)",
            ('add anstid="<employment id>" to the <tidtrans>'),
        )

    def project(self, unit: str) -> tuple[str | None, str]:
        """The host id of the project numbered (or with host id) ``unit``, or why not."""
        matches = self.by_number.get(unit) or ([unit] if unit in self.projects else [])
        if len(matches) == 1:
            return matches[0], ""
        if matches:
            return None, f"project number {unit!r} is held by {len(matches)} projects"
        return None, f"unknown project {unit!r} (resenhet dim {PROJECT_DIM})"


def plan_import(
    session: Session, tenant_id: int, data: bytes, *, xsd: Path | None = None
) -> ImportReport:
    """Read ``data`` and turn each ``tidtrans`` into a time entry to store (status
    ``planned``) or a rejected row; nothing is written.

    Raises :class:`PaxmlFileRejected` when the file cannot be imported at all.
    """
    reader = read_rows(data, xsd=xsd)
    registers = _Registers(session, tenant_id)
    rows: list[ImportRow] = []
    seen: defaultdict[str, int] = defaultdict(int)
    transactions = reader.document.time_transactions
    for position, (row, (line, column, findings)) in enumerate(
        zip(transactions, reader.places, strict=True), 1
    ):
        result = ImportRow(position, line, column, "planned")
        _plan_row(result, row, findings, registers)
        if result.payload is not None:
            digest = _digest(result.payload)
            seen[digest] += 1
            count = seen[digest]
            result.external_id = ID_PREFIX + digest + (f"-{count}" if count > 1 else "")
        rows.append(result)
    outside = [f for f in reader.outside if f.severity is not Severity.INFO]
    return ImportReport(rows, dry_run=True, findings=outside)


def _plan_row(
    result: ImportRow, row: TimeTransaction, findings: list[Finding], registers: _Registers
) -> None:
    errors = [f for f in findings if f.severity is Severity.ERROR]
    if errors:
        first = errors[0]
        result.reject(first.message, first.hint or "correct the value in the file")
        return
    result.notes.extend(f.message for f in findings if f.severity is Severity.WARNING)
    if not row.code:
        result.reject("no <tidkod>", "give the row a PAXml time code (TID, ÖT1, SEM, SJK, ...)")
        return
    try:
        code = codes.check_paxml_code(row.code)
    except ValueError as exc:
        result.reject(
            f"untranslatable code {row.code!r}: {exc}",
            "use a code with a Fortnox counterpart, or translate the code in the time system",
        )
        return
    day, hours, problem = _day_and_hours(row)
    if problem is not None:
        result.reject(*problem)
        return
    employee, reason, fix = registers.employee(row)
    if employee is None:
        result.reject(reason, fix)
        return
    entry: dict[str, Any] = {"employee": employee, "date": day, "hours": hours, "paxml_code": code}
    for unit in row.result_units or ():
        if unit.dim == PROJECT_DIM:
            project, why = registers.project(unit.id)
            if project is None:
                result.reject(
                    why, "send the project to /api/v1/projects with this number, or fix the file"
                )
                return
            entry["project"] = project
        elif unit.dim == COST_CENTER_DIM:
            entry["cost_center"] = unit.id
        else:
            result.notes.append(f"resenhet dim {unit.dim} id {unit.id!r} not imported")
    if "project" not in entry and to_fortnox(code).kind == ABSENCE:
        types = registers.absence_by_code.get(ALIASES.get(code, code), [])
        if len(types) == 1:
            entry["absence_type"] = types[0]
    for name, what in (("samlingsid", row.collection_id), ("info", row.info)):
        if what:
            result.notes.append(f"{name} {what!r} not imported")
    try:
        model = HostTimeEntry.model_validate(entry)
    except ValidationError as exc:
        result.reject(
            f"not a valid time entry: {first_error(exc)}",
            "hours are above 0 and at most 24 with at most two decimals; the cost centre is "
            "at most 6 characters",
        )
        return
    result.payload = model.model_dump(mode="json", exclude_none=True)


def _day_and_hours(
    row: TimeTransaction,
) -> tuple[date | None, Decimal | None, tuple[str, str] | None]:
    """The row's day and hours, or why a time entry cannot be made of it."""
    one_day = "send one <tidtrans> per day, with <datum> and <timmar>"
    if row.date_from is not None or row.date_to is not None:
        return (
            None,
            None,
            (f"an interval ({row.date_from}–{row.date_to}): a time entry is one day", one_day),
        )
    if row.start is not None or row.end is not None:
        if row.start is None or row.end is None or row.date is not None:
            return None, None, ("starttid and sluttid must come together, without datum", one_day)
        span = f"{row.start}–{row.end}"
        try:
            begin, finish = _moment(row.start), _moment(row.end)
            ordered = begin < finish
        except (ValueError, TypeError):  # an unreadable fraction, one with and one without zone
            return None, None, (f"{span} is not a time span", "give both times in the same form")
        if begin.date() != finish.date() or not ordered:
            return None, None, (f"{span} is not a time span within one day", one_day)
        hours = Decimal((finish - begin).total_seconds()) / 3600
        return begin.date(), hours.quantize(Decimal("0.01")), None
    if row.date is None:
        return None, None, ("the row has no date", "give the day as <datum>YYYY-MM-DD</datum>")
    if row.hours is None:
        reason = (
            f"omfattning {row.extent} % without hours"
            if row.extent is not None
            else "the row has no hours"
        )
        return (
            None,
            None,
            (
                f"{reason}: the bridge does not know the schedule",
                "give the hours as <timmar> (e.g. <timmar>8</timmar>)",
            ),
        )
    return row.date, row.hours, None


def _moment(text: str) -> datetime:
    """An xs:dateTime (fractions beyond microseconds cut)."""
    head, dot, rest = text.partition(".")
    if dot:
        digits = len(rest) - len(rest.lstrip("0123456789"))
        text = f"{head}.{rest[:digits][:6].ljust(6, '0')}{rest[digits:]}"
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


def _digest(payload: Mapping[str, Any]) -> str:
    """20 hex digits of the SHA-256 of what the entry says (its identity in the file)."""
    hours = format(Decimal(str(payload["hours"])).normalize(), "f")
    code = str(payload.get("paxml_code") or "")
    key = [
        payload["employee"],
        payload["date"],
        hours,
        ALIASES.get(code, code),
        payload.get("project"),
        payload.get("cost_center"),
    ]
    text = json.dumps(key, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(text.encode()).hexdigest()[:20]
