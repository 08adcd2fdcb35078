"""Salary days are rebuilt from every time entry, however late its writer's transaction commits
(SQLite and PostgreSQL)."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy.orm import Session, sessionmaker

from fortnox_bridge.clock import ManualClock
from fortnox_bridge.engine.sync.probe import read_probe
from fortnox_bridge.flows.payroll.salary_days import SALARY_DAYS
from fortnox_bridge.flows.payroll.transactions_push import AttendancePush
from fortnox_bridge.store.mirror import MirrorRepository

from .conftest import Put


def _day(sessions: sessionmaker[Session], tenant: int) -> dict[str, object] | None:
    with sessions.begin() as session:
        record = MirrorRepository(session).get(tenant, "salary_day_attendance", "e001/2026-03-02")
        return None if record is None or record.deleted else dict(record.payload)


async def test_an_entry_stamped_before_the_last_build_but_committed_after_it_is_built_in(
    sessions: sessionmaker[Session], clock: ManualClock, tenant: int, put: Put
) -> None:
    put("project", "p1", {"number": "P1", "name": "Projekt"})
    put("time_entry", "t1", {"employee": "e001", "date": "2026-03-02", "hours": 2, "project": "p1"})
    stamped = clock.now()  # a big batch's writer takes its time here...
    clock.advance(30)
    SALARY_DAYS.refresh(sessions, tenant, clock)  # ...while a build runs,
    assert _day(sessions, tenant) is not None
    with sessions.begin() as session:  # ...and commits its entry stamped 30 s ago only now
        MirrorRepository(session).upsert(
            tenant,
            "time_entry",
            "t2",
            {"employee": "e001", "date": "2026-03-02", "hours": 3, "project": "p1"},
            now=stamped,
        )
    probe = read_probe(sessions, tenant, [AttendancePush])
    assert probe.unbuilt == frozenset({"payroll.salary_days"})  # a sweep is not idle
    clock.advance(timedelta(minutes=5).total_seconds())
    result = SALARY_DAYS.refresh(sessions, tenant, clock)
    assert result.changed == ["salary_day_attendance:e001/2026-03-02"]
    day = _day(sessions, tenant)
    assert day is not None
    assert [line["hours"] for line in day["lines"]] == ["5"]  # type: ignore[index]
    assert read_probe(sessions, tenant, [AttendancePush]).unbuilt == frozenset()
    assert SALARY_DAYS.refresh(sessions, tenant, clock).changed == []  # nothing left to build
