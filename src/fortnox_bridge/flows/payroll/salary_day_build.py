"""What a salary day holds, built from the day's time entries (pure).

Host time entries are summed per employee, day, cause code, project and cost centre into one
*salary day* per ``(employee, date)`` (external id ``<employee host id>/<YYYY-MM-DD>``): the
attendance of the day (entity ``salary_day_attendance``) and its absence
(``salary_day_absence``)::

    {"employee": "e1", "date": "2026-03-02",
     "lines": [{"kind": "attendance", "paxml_code": "TID", "cause_code": "TID", "hours": "7.5",
                "project": "P100", "cost_center": "CC1"}, ...],
     "entries": ["te-1", "te-2"],
     "errors": [{"time_entry": "te-3", "kind": "attendance", "message": "..."}]}

A time entry whose code cannot be resolved is kept out of its day and listed under ``errors``.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from decimal import Decimal
from typing import Any

from pydantic import BaseModel, ConfigDict

from fortnox_bridge.flows.payroll.codes import resolve
from fortnox_bridge.formats.paxml.codes import ABSENCE

#: The built entity of each kind of line.
ENTITIES = {"attendance": "salary_day_attendance", ABSENCE: "salary_day_absence"}
TIME_ENTRY, PROJECT, ABSENCE_TYPE = "time_entry", "project", "absence_type"


class SalaryDayLine(BaseModel):
    """Hours of one kind, cause code, project and cost centre on one day."""

    model_config = ConfigDict(extra="forbid")

    kind: str
    paxml_code: str
    cause_code: str
    hours: str
    project: str | None = None
    cost_center: str | None = None


class SalaryDay(BaseModel):
    """A salary day as the mirror keeps it (built by the bridge, not sent by the host)."""

    model_config = ConfigDict(extra="forbid")

    employee: str
    date: str
    lines: list[SalaryDayLine]
    entries: list[str]
    errors: list[dict[str, str]] = []


def kind_of(entry: Mapping[str, Any]) -> str:
    """``absence`` for reported absence (an absence type), else ``attendance``.

    A time entry's code override keeps it on its side: a project entry with an absence code is
    refused when its code is resolved.
    """
    return ABSENCE if entry.get("absence_type") else "attendance"


def day_id(employee: str, day: str) -> str:
    """``e1/2026-03-02``."""
    return f"{employee}/{day}"


def split_day_id(value: str) -> tuple[str, str]:
    """``e1/2026-03-02`` → ``("e1", "2026-03-02")``."""
    employee, _, day = value.rpartition("/")
    return employee, day


def day_key(payload: Mapping[str, Any]) -> str | None:
    """The salary day a time entry is on, ``None`` when it names no employee or date."""
    employee, day = payload.get("employee"), payload.get("date")
    return day_id(str(employee), str(day)) if employee and day else None


def hours_text(value: Decimal) -> str:
    """``Decimal('7.50')`` → ``"7.5"``: hours as Fortnox shows them."""
    text = format(value.normalize(), "f")
    return "0" if text in ("-0", "") else text


def aggregate(
    employee: str,
    day: str,
    entries: Iterable[tuple[str, Mapping[str, Any]]],
    projects: Mapping[str, Mapping[str, Any] | None],
    absence_types: Mapping[str, Mapping[str, Any] | None],
) -> dict[str, Any]:
    """The salary day of ``employee`` on ``day`` from its time entries (``(host id, payload)``).

    Hours are summed per kind, cause code, project and cost centre; lines and ids are sorted,
    so equal entries always give an equal payload. Pure.
    """
    sums: dict[tuple[str, str, str, str], Decimal] = {}
    codes: dict[tuple[str, str, str, str], str] = {}
    ids: list[str] = []
    errors: list[dict[str, str]] = []
    for external_id, entry in sorted(entries, key=lambda pair: pair[0]):
        ids.append(external_id)
        kind = kind_of(entry)
        project_id = entry.get("project")
        project = projects.get(str(project_id)) if project_id else None
        try:
            if project_id and project is None:
                raise ValueError(
                    f"project {project_id!r} is unknown (or deleted); send it to "
                    f"/api/v1/projects/{project_id} first"
                )
            absence_type = (
                absence_types.get(str(entry["absence_type"])) if entry.get("absence_type") else None
            )
            code = resolve(entry, project, absence_type)
        except ValueError as exc:
            errors.append({"time_entry": external_id, "kind": kind, "message": str(exc)})
            continue
        number = str(project["number"]) if project is not None else ""
        key = (code.kind, code.cause_code, number, str(entry.get("cost_center") or ""))
        sums[key] = sums.get(key, Decimal(0)) + Decimal(str(entry["hours"]))
        codes[key] = min(codes.get(key, code.paxml), code.paxml)
    lines = [
        {
            "kind": kind,
            "paxml_code": codes[(kind, cause, project, cost_center)],
            "cause_code": cause,
            "hours": hours_text(hours),
            "project": project or None,
            "cost_center": cost_center or None,
        }
        for (kind, cause, project, cost_center), hours in sorted(sums.items())
    ]
    return {
        "employee": employee,
        "date": day,
        "lines": lines,
        "entries": ids,
        "errors": errors,
    }


def build_day(
    key: str,
    entries: Iterable[tuple[str, Mapping[str, Any]]],
    registers: Mapping[str, Mapping[str, Mapping[str, Any] | None]],
) -> dict[str, Any]:
    """The salary day ``key`` (``e1/2026-03-02``) from its entries and the tenant's projects
    and absence types."""
    employee, day = split_day_id(key)
    return aggregate(employee, day, entries, registers[PROJECT], registers[ABSENCE_TYPE])
