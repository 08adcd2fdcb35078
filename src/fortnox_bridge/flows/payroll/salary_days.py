"""Salary days: the reported time of one employee on one day, as Fortnox salary data wants it.

Host time entries are summed per employee, day, cause code, project and cost centre into one
*salary day* per ``(employee, date)`` (what a day holds:
:mod:`~fortnox_bridge.flows.payroll.salary_day_build`), kept in the mirror as the bridge's own
records, never shown in the host API: the attendance of the day (entity
``salary_day_attendance``) and its absence (``salary_day_absence``), each read by its own flow,
so a change of one kind never makes the other flow look. The payroll flows write the lines as
Fortnox attendance and absence transactions.

:data:`SALARY_DAYS` is the builder the payroll flows declare. Its refresh is the engine's
grouped build (:mod:`~fortnox_bridge.engine.sync.grouped_build`): the days touched by time
entries, projects and absence types changed since the last refresh are recomputed and a day is
stored only when it really changed, so a day's version — and so "needs a look" of the payroll
flows — moves only for real changes; a day left without entries is deleted. A time entry whose
code cannot be resolved is kept out of its day and listed under ``errors`` (the flows report
it); the other entries and days go on. How the changes stand after a run is
:mod:`~fortnox_bridge.flows.payroll.salary_day_status`.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from fortnox_bridge.clock import Clock
from fortnox_bridge.engine.flow.base import Builder
from fortnox_bridge.engine.flow.results import FlowResult
from fortnox_bridge.engine.sync.change_status import Settlement
from fortnox_bridge.engine.sync.grouped_build import Grouping, RefreshResult, refresh_grouped
from fortnox_bridge.engine.sync.stored_view import StoredView
from fortnox_bridge.flows.payroll import salary_day_status
from fortnox_bridge.flows.payroll.salary_day_build import (
    ABSENCE_TYPE,
    ENTITIES,
    PROJECT,
    TIME_ENTRY,
    build_day,
    day_key,
    kind_of,
)
from fortnox_bridge.flows.payroll.salary_day_status import Operation

#: The builder's name: what it built in is kept under it (``built_sources``).
CURSOR = "payroll.salary_days"

#: How time entries are grouped into salary days.
GROUPING = Grouping(
    name=CURSOR,
    member=TIME_ENTRY,
    registers=(PROJECT, ABSENCE_TYPE),
    entities=ENTITIES,
    key=day_key,
    kind_of=kind_of,
    build=build_day,
    origin="derived",
)


class SalaryDays(Builder):
    """The builder of salary days (the engine calls :meth:`refresh` before the payroll flows).

    The engine hands it the store's sessions, typed loosely as its :class:`Builder` interface
    does: the family reads and writes only through the engine's grouped build and stored view."""

    name = CURSOR
    entity = "salary_day"
    built_from = (TIME_ENTRY, PROJECT, ABSENCE_TYPE)

    def settle(
        self,
        session: Any,
        tenant_id: int,
        operations: Sequence[Operation],
        results: Sequence[FlowResult],
    ) -> dict[int, Settlement]:
        """Where the changes of time entries (and of the projects and absence types they name)
        stand after a run, from their salary days."""
        return salary_day_status.settle(StoredView(session, tenant_id), operations, results)

    def refresh(self, sessions: Any, tenant_id: int, clock: Clock) -> RefreshResult:
        """Recompute the days touched since the last refresh and store those that changed."""
        return refresh_grouped(sessions, tenant_id, clock, GROUPING)


SALARY_DAYS = SalaryDays()
