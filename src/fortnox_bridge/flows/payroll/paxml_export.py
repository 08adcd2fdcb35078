"""The PAXml 2.0 file of a tenant's time, built from its records (pure: no store, no files).

The tenant's host time entries of an interval become PAXml 2.0 time transactions
(``tidtransaktioner/tidtrans``: presence and absence alike — PAXml 2.0 has no separate absence
list; ``schematransaktioner`` is the working-time schedule, which the bridge does not own).
Entries are added up per employee, day, PAXml code, project and cost centre. The employees become
the staff register (``personal/person``). An employee is named in the file by ``anstid`` = the
employment id when the employee has one, else the host id, plus ``persnr`` when the personal
identity number is known. The project goes in ``resenheter`` as dimension 6 with the project's
number, the cost centre as dimension 1 (SIE's numbering, which PAXml follows). Entries that
cannot be written (no code can be resolved, unknown employee or project, a project number longer
than PAXml's 10 characters) are left out and listed — never dropped silently.

:mod:`fortnox_bridge.services.paxml` reads the records from the store and calls
:func:`build_export`.
"""

from __future__ import annotations

import io
from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from fortnox_bridge.flows.payroll import codes
from fortnox_bridge.formats.paxml import (
    Dimension,
    Header,
    PaxmlDocument,
    Person,
    ResultUnit,
    ResultUnitRef,
    TimeTransaction,
    write_paxml,
)
from fortnox_bridge.formats.paxml.codes import ALIASES

#: SIE's (and PAXml's) dimension numbers of the cost centre and the project.
COST_CENTER_DIM = 1
PROJECT_DIM = 6
#: PAXml's ``dimidTYPE``: the id of a ``resenhet`` is at most 10 characters.
MAX_UNIT_ID = 10
#: The longest interval one export covers.
MAX_DAYS = 366
PROGRAM = "fortnox-bridge"

#: A transaction's key: ``anstid``, day, PAXml code, project number, cost centre.
Key = tuple[str, date, str, str, str]
Payloads = Mapping[str, Mapping[str, Any]]


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


@dataclass(frozen=True)
class ExportSources:
    """What an export is built from: the tenant's live records by host id (time entries in
    the store's order)."""

    employees: Payloads
    projects: Payloads
    absence_types: Payloads
    time_entries: Sequence[tuple[str, Mapping[str, Any]]]


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


def export_header(company_name: str | None, now: datetime | None) -> Header:
    """The file's header; ``now`` is the export time."""
    return Header(
        format="LÖNIN",
        datum=now.replace(microsecond=0).isoformat() if now is not None else None,
        company_name=company_name,
        program_name=PROGRAM,
    )


@dataclass
class _Totals:
    """The hours per transaction key, and the entries looked at and left out."""

    hours: defaultdict[Key, Decimal] = field(default_factory=lambda: defaultdict(Decimal))
    left_out: list[LeftOut] = field(default_factory=list)
    entries: int = 0
    used: set[str] = field(default_factory=set)


def build_export(sources: ExportSources, start: date, end: date, header: Header) -> ExportResult:
    """The time entries from ``start`` to ``end`` (both included) and the staff as a PAXml 2.0
    document with ``header``."""
    totals = _totals(sources, start, end)
    document = PaxmlDocument(header=header)
    persnr = {
        employee_key(host_id, p): p.get("personal_identity_number")
        for host_id, p in sources.employees.items()
    }
    units = _add_transactions(document, totals.hours, persnr)
    names = {
        str(p.get("number")): str(p.get("name") or p.get("number"))
        for p in sources.projects.values()
    }
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
        for host_id, payload in sorted(sources.employees.items(), key=lambda i: employee_key(*i))
        if host_id in totals.used or _employed(payload, start, end)
    ]
    if totals.left_out:
        count = plural(len(totals.left_out), "time entry", "time entries")
        reasons = "; ".join(f"{item.reference}: {item.reason}" for item in totals.left_out)
        document.header.info = f"{count} left out: {reasons}"
    return ExportResult(document, totals.entries, totals.left_out)


def _totals(sources: ExportSources, start: date, end: date) -> _Totals:
    """The hours of the interval's entries per transaction key, and what is left out."""
    totals = _Totals()
    for external_id, entry in sources.time_entries:
        try:
            day = date.fromisoformat(str(entry.get("date")))
        except ValueError:
            continue
        if not start <= day <= end:
            continue
        totals.entries += 1
        reference = f"time entry {external_id} (employee {entry.get('employee')}, {day})"
        row = _export_row(external_id, reference, entry, sources)
        if isinstance(row, LeftOut):
            totals.left_out.append(row)
            continue
        key, hours = row
        totals.hours[key] += hours
        totals.used.add(str(entry["employee"]))
    return totals


def _add_transactions(
    document: PaxmlDocument, totals: Mapping[Key, Decimal], persnr: Mapping[str, Any]
) -> set[tuple[int, str]]:
    """Add a ``tidtrans`` per key; the result units (dimension, id) they name."""
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
    return units


def _export_row(
    external_id: str, reference: str, entry: Mapping[str, Any], sources: ExportSources
) -> tuple[Key, Decimal] | LeftOut:
    """The key and hours of one entry's transaction, or why it is left out."""

    def leave(reason: str, fix: str) -> LeftOut:
        return LeftOut(external_id, reference, reason, fix)

    employee = sources.employees.get(str(entry.get("employee")))
    if employee is None:
        return leave(
            f"employee {entry.get('employee')!r} is unknown",
            "send the employee to /api/v1/employees, or correct the time entry's employee",
        )
    project_id = entry.get("project")
    project = sources.projects.get(str(project_id)) if project_id else None
    if project_id and project is None:
        return leave(
            f"project {project_id!r} is unknown",
            "send the project to /api/v1/projects, or correct the time entry's project",
        )
    absence_id = entry.get("absence_type")
    absence_type = sources.absence_types.get(str(absence_id)) if absence_id else None
    try:
        resolved = codes.resolve(entry, project, absence_type)
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
