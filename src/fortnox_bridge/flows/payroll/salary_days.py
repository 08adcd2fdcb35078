"""Salary days: the reported time of one employee on one day, as Fortnox salary data wants it.

Host time entries are summed per employee, day, cause code, project and cost centre into one
*salary day* per ``(employee, date)`` (external id ``<employee host id>/<YYYY-MM-DD>``), kept in
the mirror as the bridge's own records, never shown in the host API: the attendance of the day
(entity ``salary_day_attendance``) and its absence (``salary_day_absence``), each read by its
own flow, so a change of one kind never makes the other flow look::

    {"employee": "e1", "date": "2026-03-02",
     "lines": [{"kind": "attendance", "paxml_code": "TID", "cause_code": "TID", "hours": "7.5",
                "project": "P100", "cost_center": "CC1"}, ...],
     "entries": ["te-1", "te-2"],
     "errors": [{"time_entry": "te-3", "kind": "attendance", "message": "..."}]}

The payroll flows write the lines as Fortnox attendance and absence transactions.

:func:`refresh` recomputes the days touched by time entries, projects and absence types changed
since the last refresh (by version: each source record's version built in is kept, so a change
committed while a refresh runs is seen by the next) and stores a day only when it really
changed, so a day's version — and so "needs a look" of the payroll flows — moves only for real
changes. A day left without entries is deleted. A time entry whose code cannot be resolved is
kept out of its day and listed under ``errors`` (the flows report it); the other entries and days
go on.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from pydantic import BaseModel, ConfigDict
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from fortnox_bridge.clock import Clock
from fortnox_bridge.engine.flow.base import Builder
from fortnox_bridge.engine.flow.results import FlowResult
from fortnox_bridge.engine.sync.change_status import Settlement
from fortnox_bridge.flows.payroll.absence_use import (
    ABSENCE_FLOW,
    AbsenceUse,
    absence_use,
    in_fortnox,
)
from fortnox_bridge.flows.payroll.codes import resolve
from fortnox_bridge.formats.paxml.codes import ABSENCE
from fortnox_bridge.store.built import BuiltSourceRepository
from fortnox_bridge.store.links import LinkRepository
from fortnox_bridge.store.mirror import MirrorRepository
from fortnox_bridge.store.models import ChangeOperation, MirrorRecord

#: The built entity of each kind of line.
ENTITIES = {"attendance": "salary_day_attendance", ABSENCE: "salary_day_absence"}
#: The builder's name: what it built in is kept under it (``built_sources``).
CURSOR = "payroll.salary_days"
TIME_ENTRY, PROJECT, ABSENCE_TYPE = "time_entry", "project", "absence_type"
#: Who wrote a salary day in the mirror.
ORIGIN = "derived"


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


@dataclass
class RefreshResult:
    """What a refresh did."""

    #: Days looked at.
    looked_at: int = 0
    #: Host ids of the days stored anew, changed or deleted.
    changed: list[str] = field(default_factory=list)


class SalaryDays(Builder):
    """The builder of salary days (the engine calls :meth:`refresh` before the payroll flows)."""

    name = CURSOR
    entity = "salary_day"
    built_from = (TIME_ENTRY, PROJECT, ABSENCE_TYPE)

    def settle(
        self,
        session: Session,
        tenant_id: int,
        operations: Sequence[ChangeOperation],
        results: Sequence[FlowResult],
    ) -> dict[int, Settlement]:
        """Where the changes of time entries (and of the projects and absence types they name)
        stand after a run, from their salary days (see :func:`settle`)."""
        return settle(session, tenant_id, operations, results)

    def refresh(
        self, sessions: sessionmaker[Session], tenant_id: int, clock: Clock
    ) -> RefreshResult:
        """Recompute the days touched since the last refresh and store those that changed."""
        return refresh(sessions, tenant_id, clock)


SALARY_DAYS = SalaryDays()
#: The flow that writes the days of each kind of line.
FLOWS = {"attendance": "payroll.attendance.push", ABSENCE: "payroll.absence.push"}
#: The time entry field that names a record of each register.
REGISTER_FIELDS = {PROJECT: "project", ABSENCE_TYPE: "absence_type"}


def settle(
    session: Session,
    tenant_id: int,
    operations: Sequence[ChangeOperation],
    results: Sequence[FlowResult],
) -> dict[int, Settlement]:
    """The settlement of each change of a time entry, project or absence type.

    A time entry is written as part of its salary day: it ``succeeded`` once the day (of its
    kind) is linked to Fortnox at the day's current version; it is ``held`` while it is left out
    of the day (a project or absence type unknown, a code that cannot be sent) or while the run
    held its day back (the employee not in Fortnox yet, a locked period), and ``failed`` when
    Fortnox refused the day. A project or absence type succeeds once the days of every time
    entry on it are in Fortnox, and is held while one of them is left out.
    """
    days = _DayStates(session, tenant_id, results)
    decided: dict[int, Settlement] = {}
    for op in operations:
        if op.entity_type == TIME_ENTRY:
            found = days.of_entry(op.external_id, deleted=op.action == "delete")
        elif op.entity_type in REGISTER_FIELDS:
            found = days.of_register(op.entity_type, op.external_id, op.action == "delete")
        else:
            continue
        if found is not None:
            decided[op.id] = found
    return decided


class _DayStates:
    """The salary days, their links and the run's items, read as needed."""

    def __init__(self, session: Session, tenant_id: int, results: Sequence[FlowResult]) -> None:
        self.session = session
        self.mirror = MirrorRepository(session)
        self.links = LinkRepository(session)
        self.tenant_id = tenant_id
        self.items = {result.flow: result.items for result in results}

    def of_entry(self, external_id: str, *, deleted: bool) -> Settlement | None:
        record = self.mirror.get(self.tenant_id, TIME_ENTRY, external_id)
        if record is None:
            return None
        key = _key(record.payload)
        if key is None:
            return None
        kind = kind_of(record.payload)
        entity, flow = ENTITIES[kind], FLOWS[kind]
        day = self.mirror.get(self.tenant_id, entity, key)
        listed = day is not None and not day.deleted
        if not deleted and listed and day is not None:
            for error in day.payload.get("errors", []):
                if error.get("time_entry") == external_id:
                    return Settlement(
                        "held",
                        f"left out of the salary day {key}: {error.get('message')}",
                        flow,
                    )
            if external_id not in day.payload.get("entries", []):
                return Settlement("pending", f"waiting for its salary day {key} to be built")
        link = self.links.get(self.tenant_id, entity, key)
        if deleted and not listed:
            if link is None:
                return Settlement("succeeded", f"its salary day {key} is gone from Fortnox")
        elif (
            day is not None
            and link is not None
            and link.state == "linked"
            and link.synced_version is not None
            and link.synced_version >= day.version
        ):
            done = "removed from" if deleted else "written to Fortnox with"
            if deleted:
                return Settlement("succeeded", f"its hours are {done} the salary day {key}")
            return Settlement("succeeded", f"{done} the salary day {key} ({flow})")
        return self._from_run(flow, key)

    def _from_run(self, flow: str, key: str) -> Settlement:
        employee, day = split_day_id(key)
        for item in self.items.get(flow, []):
            grouped = item.external_id == employee or item.external_id.startswith(f"{employee}/")
            mine = item.external_id == key or (
                grouped and day in (item.changes or {}).get("days", [])
            )
            if not mine:
                continue
            if item.outcome == "failed":
                return Settlement("failed", item.message or item.reason, flow, item)
            if item.outcome == "skipped" and item.problem:
                return Settlement("held", f"its salary day {key}: {item.reason}", flow)
        if flow not in self.items:
            return Settlement("pending", f"waiting for {flow} to write its salary day {key}")
        return Settlement("pending", f"waiting for its salary day {key} to be written")

    def of_register(self, entity: str, external_id: str, deleted: bool) -> Settlement | None:
        if deleted:
            return Settlement(
                "succeeded", "deleted; time entries on it are left out of their salary days"
            )
        field_name = REGISTER_FIELDS[entity]
        entries = [
            r.external_id
            for r in self.mirror.live(self.tenant_id, TIME_ENTRY)
            if r.payload.get(field_name) == external_id
        ]
        absences = AbsenceUse(0)
        if entity == ABSENCE_TYPE:  # absences on it go to Fortnox too (hr.absence.push)
            absences = absence_use(self.session, self.tenant_id, external_id, self.items)
            if absences.status == "held":
                return Settlement("held", absences.message, ABSENCE_FLOW)
        if not entries and not absences.count:
            return Settlement("succeeded", "stored; no reported time uses it yet")
        waiting = None
        for entry in entries:
            found = self.of_entry(entry, deleted=False)
            if found is None or found.status == "succeeded":
                continue
            if found.status in ("held", "failed"):
                return Settlement("held", f"time entry {entry}: {found.message}", found.flow)
            waiting = waiting or found
        if waiting is not None:
            return Settlement("pending", "waiting for the salary days of its time entries")
        if absences.status is not None:
            return Settlement(absences.status, absences.message)
        return Settlement("succeeded", in_fortnox(len(entries), absences.count))


def refresh(sessions: sessionmaker[Session], tenant_id: int, clock: Clock) -> RefreshResult:
    """Recompute the salary days touched by changes since the last refresh (see module doc)."""
    started = clock.now()
    result = RefreshResult()
    with sessions.begin() as session:
        built = BuiltSourceRepository(session)
        first = not built.any(tenant_id, CURSOR)
        mirror = MirrorRepository(session)
        changed = built.unbuilt(tenant_id, CURSOR, (TIME_ENTRY, PROJECT, ABSENCE_TYPE))
        full = first or any(r.entity_type != TIME_ENTRY for r in changed)
        days = _LoadedDays(session, tenant_id)
        if full:
            entries = _by_day(mirror.live(tenant_id, TIME_ENTRY))
            touched = set(entries) | set(days.ids())
        else:
            entries, touched = days.entries_of_touched(mirror, changed)
        projects = _payloads(mirror, tenant_id, PROJECT)
        absence_types = _payloads(mirror, tenant_id, ABSENCE_TYPE)
        for external_id in sorted(touched):
            result.looked_at += 1
            employee, day = split_day_id(external_id)
            found = entries.get(external_id, [])
            for kind, entity in ENTITIES.items():
                mine = [(i, e) for i, e in found if kind_of(e) == kind]
                if mine:
                    payload = aggregate(employee, day, mine, projects, absence_types)
                    outcome = mirror.upsert(
                        tenant_id, entity, external_id, payload, now=started, origin=ORIGIN
                    ).outcome
                else:
                    gone = mirror.delete(tenant_id, entity, external_id, now=started)
                    outcome = gone.outcome if gone is not None else "unchanged"
                if outcome != "unchanged":
                    result.changed.append(f"{entity}:{external_id}")
        built.mark(tenant_id, CURSOR, changed)
    return result


def _key(payload: Mapping[str, Any]) -> str | None:
    employee, day = payload.get("employee"), payload.get("date")
    return day_id(str(employee), str(day)) if employee and day else None


def _by_day(records: Iterable[Any]) -> dict[str, list[tuple[str, dict[str, Any]]]]:
    """Live time entries (mirror records or rows) by the day they are on."""
    found: dict[str, list[tuple[str, dict[str, Any]]]] = {}
    for record in records:
        key = _key(record.payload)
        if key is not None and not record.deleted:
            found.setdefault(key, []).append((record.external_id, dict(record.payload)))
    return found


def _payloads(
    mirror: MirrorRepository, tenant_id: int, entity: str
) -> dict[str, Mapping[str, Any] | None]:
    return {record.external_id: dict(record.payload) for record in mirror.live(tenant_id, entity)}


class _LoadedDays:
    """The stored salary days of a tenant, read as needed."""

    def __init__(self, session: Session, tenant_id: int) -> None:
        self.session, self.tenant_id = session, tenant_id

    def ids(self) -> set[str]:
        return set(
            self.session.scalars(
                select(MirrorRecord.external_id).where(
                    MirrorRecord.tenant_id == self.tenant_id,
                    MirrorRecord.entity_type.in_(tuple(ENTITIES.values())),
                    MirrorRecord.deleted.is_(False),
                )
            )
        )

    def rows(self, mirror: MirrorRepository, ids: set[str]) -> list[Any]:
        """The stored days among ``ids``, of both kinds."""
        return [
            row
            for entity in ENTITIES.values()
            for row in mirror.rows(self.tenant_id, entity, ids).values()
        ]

    def entries_of_touched(
        self, mirror: MirrorRepository, changed: list[MirrorRecord]
    ) -> tuple[dict[str, list[tuple[str, dict[str, Any]]]], set[str]]:
        """The days changed time entries were and are on, with the entries they hold now.

        A day's ``entries`` list the time entries it held at the last refresh; a changed entry
        was on the day it still names when deleted, on its current day when that day lists it,
        and otherwise (moved to another employee or date) on whichever day lists it.
        """
        touched: set[str] = set()
        for record in changed:
            key = _key(record.payload)
            if key is not None:
                touched.add(key)
        stored = self.rows(mirror, touched)
        listed: dict[str, set[str]] = {}
        for row in stored:
            listed.setdefault(row.external_id, set()).update(_listed(row))
        moved = {
            r.external_id
            for r in changed
            if not r.deleted
            and r.version > 1
            and r.external_id not in listed.get(_key(r.payload) or "", set())
        }
        if moved:
            for entity in ENTITIES.values():
                for record in mirror.live(self.tenant_id, entity):
                    if moved & set(record.payload.get("entries", [])):
                        touched.add(record.external_id)
            stored = self.rows(mirror, touched)
        ids: set[str] = {r.external_id for r in changed}
        for row in stored:
            ids.update(_listed(row))
        current = mirror.rows(self.tenant_id, TIME_ENTRY, ids)
        entries = _by_day(
            _Row(row.external_id, row.payload, row.deleted) for row in current.values()
        )
        return {k: v for k, v in entries.items() if k in touched}, touched


def _listed(row: Any) -> list[str]:
    if row is None or row.deleted:
        return []
    return list(row.payload.get("entries", []))


@dataclass(frozen=True)
class _Row:
    external_id: str
    payload: dict[str, Any]
    deleted: bool
