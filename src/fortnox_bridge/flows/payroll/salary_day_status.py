"""Where the changes of time entries, projects and absence types stand after a run, from the
salary days they are part of (the salary-day builder's ``settle``).

A time entry is written as part of its salary day: it ``succeeded`` once the day (of its kind)
is linked to Fortnox at the day's current version; it is ``held`` while it is left out of the
day (a project or absence type unknown, a code that cannot be sent) or while the run held its day
back (the employee not in Fortnox yet, a locked period), and ``failed`` when Fortnox refused the
day. A project or absence type succeeds once the days of every time entry on it are in Fortnox,
and is held while one of them is left out. What the store holds is read through the engine's
:class:`~fortnox_bridge.engine.sync.stored_view.StoredView`.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

from fortnox_bridge.engine.flow.results import FlowResult
from fortnox_bridge.engine.sync.change_status import Settlement
from fortnox_bridge.engine.sync.stored_view import StoredView
from fortnox_bridge.flows.payroll.absence_use import (
    ABSENCE_FLOW,
    AbsenceUse,
    absence_use,
    in_fortnox,
)
from fortnox_bridge.flows.payroll.salary_day_build import (
    ABSENCE_TYPE,
    ENTITIES,
    PROJECT,
    TIME_ENTRY,
    day_key,
    kind_of,
    split_day_id,
)
from fortnox_bridge.formats.paxml.codes import ABSENCE

#: The flow that writes the days of each kind of line.
FLOWS = {"attendance": "payroll.attendance.push", ABSENCE: "payroll.absence.push"}
#: The time entry field that names a record of each register.
REGISTER_FIELDS = {PROJECT: "project", ABSENCE_TYPE: "absence_type"}


class Operation(Protocol):
    """What settling reads of a change operation."""

    @property
    def id(self) -> int: ...

    @property
    def entity_type(self) -> str: ...

    @property
    def external_id(self) -> str: ...

    @property
    def action(self) -> str: ...


def settle(
    view: StoredView, operations: Sequence[Operation], results: Sequence[FlowResult]
) -> dict[int, Settlement]:
    """The settlement of each change of a time entry, project or absence type (see the
    module's docstring)."""
    days = _DayStates(view, results)
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

    def __init__(self, view: StoredView, results: Sequence[FlowResult]) -> None:
        self.view = view
        self.items = {result.flow: result.items for result in results}

    def of_entry(self, external_id: str, *, deleted: bool) -> Settlement | None:
        record = self.view.record(TIME_ENTRY, external_id)
        if record is None:
            return None
        key = day_key(record.payload)
        if key is None:
            return None
        kind = kind_of(record.payload)
        entity, flow = ENTITIES[kind], FLOWS[kind]
        day = self.view.record(entity, key)
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
        if deleted and not listed:
            if self.view.link(entity, key) is None:
                return Settlement("succeeded", f"its salary day {key} is gone from Fortnox")
        elif day is not None and self.view.in_fortnox(entity, key, day.version):
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
            for r in self.view.live(TIME_ENTRY)
            if r.payload.get(field_name) == external_id
        ]
        absences = AbsenceUse(0)
        if entity == ABSENCE_TYPE:  # absences on it go to Fortnox too (hr.absence.push)
            absences = absence_use(self.view, external_id, self.items)
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
