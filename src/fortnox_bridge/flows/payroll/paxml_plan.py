"""The rows of a PAXml time file planned as host time entries (pure: given the registers).

The employee is found by employment id, then host id (``anstid``), or by personal identity
number (``persnr`` alone); the project by its number, then host id (dimension 6). The entry's
external id is derived from what it says — ``paxml-`` and the first 20 hex digits of the SHA-256
of employee, date, hours, code, project and cost centre, with ``-2``, ``-3``... for identical rows
of one file — so importing the same file (or an overlapping one) again finds the entries already
stored and creates nothing new.
"""

from __future__ import annotations

import hashlib
import json
from collections import defaultdict
from collections.abc import Mapping, Sequence
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from pydantic import ValidationError

from fortnox_bridge.engine.flow.sources import first_error
from fortnox_bridge.flows.payroll import codes
from fortnox_bridge.flows.payroll.paxml_export import COST_CENTER_DIM, PROJECT_DIM
from fortnox_bridge.flows.payroll.paxml_import import ImportRow
from fortnox_bridge.flows.payroll.records import HostTimeEntry
from fortnox_bridge.formats.findings import Finding, Severity
from fortnox_bridge.formats.paxml import TimeTransaction
from fortnox_bridge.formats.paxml.codes import ABSENCE, ALIASES, to_fortnox

ID_PREFIX = "paxml-"
#: Where a ``tidtrans`` is in the file (line, column) and what the reader found wrong in it.
Place = tuple[int, int, list[Finding]]


class Registers:
    """The tenant's employees, projects and absence types, indexed the ways a file names them."""

    def __init__(
        self,
        employees: Mapping[str, dict[str, Any]],
        projects: Mapping[str, dict[str, Any]],
        absence_types: Mapping[str, Mapping[str, Any]],
    ) -> None:
        self.employees = dict(employees)
        self.by_employment_id: defaultdict[str, list[str]] = defaultdict(list)
        self.by_persnr: defaultdict[str, list[str]] = defaultdict(list)
        for host_id, payload in self.employees.items():
            if payload.get("employment_id"):
                self.by_employment_id[str(payload["employment_id"])].append(host_id)
            if payload.get("personal_identity_number"):
                self.by_persnr[str(payload["personal_identity_number"])].append(host_id)
        self.projects = dict(projects)
        self.by_number: defaultdict[str, list[str]] = defaultdict(list)
        for host_id, payload in self.projects.items():
            self.by_number[str(payload.get("number"))].append(host_id)
        self.absence_by_code: defaultdict[str, list[str]] = defaultdict(list)
        for host_id, absence_type in absence_types.items():
            found = codes.absence_type_code(absence_type)
            if found:
                self.absence_by_code[ALIASES.get(found, found)].append(host_id)

    def employee(self, row: TimeTransaction) -> tuple[str | None, str, str]:
        """The host id of the row's employee, or ``None`` with the reason and the fix."""
        fix = (
            "send the employee to /api/v1/employees (with this employment id), or correct "
            "anstid/persnr in the file"
        )
        if row.anstid:
            return self._by_anstid(row, fix)
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

    def _by_anstid(self, row: TimeTransaction, fix: str) -> tuple[str | None, str, str]:
        assert row.anstid
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

    def project(self, unit: str) -> tuple[str | None, str]:
        """The host id of the project numbered (or with host id) ``unit``, or why not."""
        matches = self.by_number.get(unit) or ([unit] if unit in self.projects else [])
        if len(matches) == 1:
            return matches[0], ""
        if matches:
            return None, f"project number {unit!r} is held by {len(matches)} projects"
        return None, f"unknown project {unit!r} (resenhet dim {PROJECT_DIM})"


def plan_rows(
    transactions: Sequence[TimeTransaction], places: Sequence[Place], registers: Registers
) -> list[ImportRow]:
    """Each ``tidtrans`` as a time entry to store (status ``planned``) or a rejected row."""
    rows: list[ImportRow] = []
    seen: defaultdict[str, int] = defaultdict(int)
    for position, (row, (line, column, findings)) in enumerate(
        zip(transactions, places, strict=True), 1
    ):
        result = ImportRow(position, line, column, "planned")
        _plan_row(result, row, findings, registers)
        if result.payload is not None:
            digest = _digest(result.payload)
            seen[digest] += 1
            count = seen[digest]
            result.external_id = ID_PREFIX + digest + (f"-{count}" if count > 1 else "")
        rows.append(result)
    return rows


def _plan_row(
    result: ImportRow, row: TimeTransaction, findings: list[Finding], registers: Registers
) -> None:
    entry = _checked(result, row, findings, registers)
    if entry is None or not _add_units(result, row, entry, registers):
        return
    code = str(entry["paxml_code"])
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


def _checked(
    result: ImportRow, row: TimeTransaction, findings: list[Finding], registers: Registers
) -> dict[str, Any] | None:
    """The row's employee, day, hours and code as an entry, or ``None`` (the row rejected)."""
    errors = [f for f in findings if f.severity is Severity.ERROR]
    if errors:
        first = errors[0]
        result.reject(first.message, first.hint or "correct the value in the file")
        return None
    result.notes.extend(f.message for f in findings if f.severity is Severity.WARNING)
    if not row.code:
        result.reject("no <tidkod>", "give the row a PAXml time code (TID, ÖT1, SEM, SJK, ...)")
        return None
    try:
        code = codes.check_paxml_code(row.code)
    except ValueError as exc:
        result.reject(
            f"untranslatable code {row.code!r}: {exc}",
            "use a code with a Fortnox counterpart, or translate the code in the time system",
        )
        return None
    day, hours, problem = _day_and_hours(row)
    if problem is not None:
        result.reject(*problem)
        return None
    employee, reason, fix = registers.employee(row)
    if employee is None:
        result.reject(reason, fix)
        return None
    return {"employee": employee, "date": day, "hours": hours, "paxml_code": code}


def _add_units(
    result: ImportRow, row: TimeTransaction, entry: dict[str, Any], registers: Registers
) -> bool:
    """Put the row's project and cost centre on the entry; ``False``: the row is rejected."""
    for unit in row.result_units or ():
        if unit.dim == PROJECT_DIM:
            project, why = registers.project(unit.id)
            if project is None:
                result.reject(
                    why, "send the project to /api/v1/projects with this number, or fix the file"
                )
                return False
            entry["project"] = project
        elif unit.dim == COST_CENTER_DIM:
            entry["cost_center"] = unit.id
        else:
            result.notes.append(f"resenhet dim {unit.dim} id {unit.id!r} not imported")
    return True


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
        return _span(row, one_day)
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


def _span(
    row: TimeTransaction, one_day: str
) -> tuple[date | None, Decimal | None, tuple[str, str] | None]:
    """The day and hours of a row given as ``starttid``–``sluttid``."""
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
