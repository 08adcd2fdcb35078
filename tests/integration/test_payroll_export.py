"""The payroll export against the sandbox, on SQLite and PostgreSQL: a month of time entries of
ten employees becomes exactly the expected attendance and absence transactions; afterwards only
changed days are written; locked salary periods and employees missing in Fortnox are reported
once per employee (and period) and not tried again on every sweep."""

from __future__ import annotations

from collections import defaultdict
from datetime import date
from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy.orm import Session, sessionmaker

from fortnox_bridge.clock import ManualClock
from fortnox_bridge.engine.flow.results import FlowResult, RunSummary
from fortnox_bridge.engine.sync.runner import Runner
from fortnox_bridge.flows.hr.employee_push import EmployeePush
from fortnox_bridge.flows.payroll.transactions_push import AbsencePush, AttendancePush
from fortnox_bridge.fortnox import FortnoxClient
from fortnox_bridge.sandbox.control_client import SandboxControl
from fortnox_bridge.store.connections import ConnectionRepository
from fortnox_bridge.store.flow_configs import FlowConfigRepository
from fortnox_bridge.store.links import LinkRepository
from fortnox_bridge.store.problems import ProblemRepository

from .conftest import Put, employee
from .salary_data import registers_in_fortnox, salary_transactions

FLOWS = [EmployeePush, AttendancePush, AbsencePush]
PROJECTS = {"p1": "P100", "p2": "P200", "p3": "P300"}
MARCH = [date(2026, 3, d) for d in range(1, 32) if date(2026, 3, d).weekday() < 5]
#: (employee, date, cause, project, cost centre) → hours
Expected = dict[tuple[str, str, str, str | None, str | None], Decimal]


def month_of_entries() -> dict[str, dict[str, Any]]:
    """March 2026 for e001..e010: work on three projects with cost centres, overtime,
    vacation, sick leave, VAB and two entries of one day, code and project to be summed."""
    entries: dict[str, dict[str, Any]] = {}
    for number in range(1, 11):
        person = f"e{number:03d}"
        for index, day in enumerate(MARCH):
            base = {"employee": person, "date": day.isoformat()}
            key = f"{person}-{day.isoformat()}"
            if number == 3 and 16 <= day.day <= 20:
                entries[key] = {**base, "hours": "8", "absence_type": "semester"}
                continue
            if number == 4 and day.day == 10:
                entries[key] = {**base, "hours": "8", "absence_type": "sick"}
                continue
            project = f"p{(number + index) % 3 + 1}"
            cost_center = f"CC{number % 2 + 1}"
            work = {**base, "project": project, "cost_center": cost_center}
            if number == 5 and day.day == 11:
                entries[key + "-vab"] = {**base, "hours": "4", "absence_type": "vab"}
                entries[key] = {**work, "hours": "4"}
                continue
            if number == 6 and day.day == 2:  # two entries, same day, code and project: summed
                entries[key + "-a"] = {**work, "hours": "4"}
                entries[key + "-b"] = {**work, "hours": "3.5"}
                continue
            entries[key] = {**work, "hours": "8"}
            if number in (1, 2) and day.weekday() == 3:  # overtime on Thursdays
                entries[key + "-ot"] = {**work, "hours": "2.5", "paxml_code": "ÖT1"}
    return entries


def expected(entries: dict[str, dict[str, Any]], ids: dict[str, str]) -> tuple[Expected, Expected]:
    """Attendance and absence transactions the entries must become, computed by hand."""
    absence_causes = {"semester": "SEM", "sick": "SJK", "vab": "VAB"}
    attendance: Expected = defaultdict(Decimal)
    absence: Expected = defaultdict(Decimal)
    for entry in entries.values():
        who, day, hours = ids[entry["employee"]], entry["date"], Decimal(entry["hours"])
        if "absence_type" in entry:
            absence[(who, day, absence_causes[entry["absence_type"]], None, None)] += hours
            continue
        cause = {"ÖT1": "OT1", "ÖT2": "OT2"}.get(entry.get("paxml_code", "TID"), "TID")
        project = PROJECTS[entry["project"]]
        attendance[(who, day, cause, project, entry["cost_center"])] += hours
    return dict(attendance), dict(absence)


class Payroll:
    """The payroll flows of one tenant against the sandbox company."""

    def __init__(
        self,
        sessions: sessionmaker[Session],
        clock: ManualClock,
        tenant: int,
        client: FortnoxClient,
        put: Put,
        control: SandboxControl,
        company: int,
    ) -> None:
        self.sessions, self.clock, self.tenant, self.client, self.put = (
            sessions, clock, tenant, client, put,
        )  # fmt: skip
        self.control, self.company = control, company
        self.runner = Runner(sessions, clock=clock, flows=FLOWS)
        now = clock.now()
        with sessions.begin() as session:
            configs = FlowConfigRepository(session)
            for flow in FLOWS:
                configs.put(tenant, flow.name, enabled=True, settings={}, now=now)

    async def run(self) -> RunSummary:
        self.clock.advance(60)  # the access token lives an hour
        return await self.runner.run_cycle(self.tenant, self.client)

    @staticmethod
    def result(summary: RunSummary, name: str) -> FlowResult:
        (found,) = [r for r in summary.flows if r.flow == name]
        return found

    def ids(self) -> dict[str, str]:
        with self.sessions.begin() as session:
            links = LinkRepository(session).by_external_id(self.tenant, "employee")
            return {key: link.fortnox_id for key, link in links.items()}

    async def in_fortnox(self) -> tuple[Expected, Expected]:
        """Fortnox's attendance and absence transactions, as (employee, day, cause, project,
        cost centre) → hours; a key seen twice fails the test."""
        attendance, absence, _ = await salary_transactions(self.client)
        return attendance, absence

    async def log_size(self) -> int:
        return len(await self.control.requests(self.company, limit=10_000))

    async def writes_since(self, size: int) -> list[tuple[str, str]]:
        log = (await self.control.requests(self.company, limit=10_000))[size:]
        return [
            (entry["method"], entry["path"].split("/")[2])
            for entry in log
            if entry["method"] in ("POST", "PUT", "DELETE")
        ]

    def problems(self) -> list[tuple[str, str, str, str]]:
        with self.sessions.begin() as session:
            found = ProblemRepository(session).open(self.tenant)
            return sorted((p.flow, p.external_id, p.reference, p.message) for p in found)


@pytest.fixture
async def payroll(
    sessions: sessionmaker[Session],
    clock: ManualClock,
    tenant: int,
    engine_client: FortnoxClient,
    put: Put,
    control: SandboxControl,
    company: int,
) -> Payroll:
    payroll = Payroll(sessions, clock, tenant, engine_client, put, control, company)
    for number in range(1, 11):
        put("employee", f"e{number:03d}", employee(number))
    for host_id, number in PROJECTS.items():
        put("project", host_id, {"number": number, "name": f"Projekt {number}"})
    put("absence_type", "semester", {"code": "semester", "name": "Semester"})
    put("absence_type", "sick", {"code": "sick", "name": "Sjuk", "paxml_code": "SJK"})
    put("absence_type", "vab", {"code": "vab", "name": "Vård av barn", "paxml_code": "VAB"})
    await registers_in_fortnox(engine_client, PROJECTS.values(), ["CC1", "CC2"])
    return payroll


async def test_a_month_of_time_entries_becomes_exactly_the_expected_transactions(
    payroll: Payroll,
) -> None:
    entries = month_of_entries()
    for external_id, entry in entries.items():
        payroll.put("time_entry", external_id, entry)
    first = await payroll.run()
    assert first.error is None
    ids = payroll.ids()
    assert len(ids) == 10
    want_attendance, want_absence = expected(entries, ids)
    attendance, absence = await payroll.in_fortnox()
    assert attendance == want_attendance
    assert absence == want_absence
    six = ids["e006"]
    assert attendance[(six, "2026-03-02", "TID", "P100", "CC1")] == Decimal("7.5")  # summed
    assert Payroll.result(first, "payroll.attendance.push").created == len(want_attendance)
    assert Payroll.result(first, "payroll.absence.push").created == len(want_absence)
    assert payroll.problems() == []

    # Edit three entries: hours, code, delete.
    payroll.clock.advance(60)
    payroll.put("time_entry", "e001-2026-03-03", {**entries["e001-2026-03-03"], "hours": "6"})
    payroll.put(
        "time_entry", "e002-2026-03-04", {**entries["e002-2026-03-04"], "paxml_code": "ÖT2"}
    )
    payroll.put("time_entry", "e007-2026-03-05", None)
    before = await payroll.log_size()
    second = await payroll.run()
    assert second.error is None
    writes = await payroll.writes_since(before)
    assert sorted(writes) == sorted(
        [
            ("PUT", "attendancetransactions"),  # e001 03-03: 8 → 6 hours
            ("DELETE", "attendancetransactions"),  # e002 03-04: TID line gone ...
            ("POST", "attendancetransactions"),  # ... an OT2 line instead
            ("DELETE", "attendancetransactions"),  # e007 03-05: no time left that day
        ]
    )
    assert Payroll.result(second, "payroll.absence.push").requests == 0
    changed = dict(entries)
    changed["e001-2026-03-03"] = {**entries["e001-2026-03-03"], "hours": "6"}
    changed["e002-2026-03-04"] = {**entries["e002-2026-03-04"], "paxml_code": "ÖT2"}
    del changed["e007-2026-03-05"]
    want_attendance, want_absence = expected(changed, ids)
    recoded = entries["e002-2026-03-04"]
    where = (PROJECTS[recoded["project"]], recoded["cost_center"])
    assert (ids["e002"], "2026-03-04", "TID", *where) not in want_attendance
    assert want_attendance[(ids["e002"], "2026-03-04", "OT2", *where)] == Decimal(8)
    assert await payroll.in_fortnox() == (want_attendance, want_absence)

    before = await payroll.log_size()
    third = await payroll.run()
    assert await payroll.writes_since(before) == []
    assert third.requests == 0


async def test_a_locked_salary_period_is_one_problem_per_employee_and_not_retried(
    payroll: Payroll,
) -> None:
    for day in MARCH[:5]:
        payroll.put(
            "time_entry",
            f"t-{day}",
            {"employee": "e001", "date": day.isoformat(), "hours": "8", "project": "p1"},
        )
    payroll.put("time_entry", "t-april", {"employee": "e001", "date": "2026-04-01", "hours": "8"})
    with payroll.sessions.begin() as session:  # the facts the bridge keeps of Fortnox
        ConnectionRepository(session).create(payroll.tenant, "key", now=payroll.clock.now())
    # Locked in Fortnox after the bridge last checked (it does not know yet).
    await payroll.control.company_settings(payroll.company, locked_period_end="2026-03-31")
    first = await payroll.run()
    attendance = Payroll.result(first, "payroll.attendance.push")
    assert attendance.created == 1  # April is open
    (problem,) = [p for p in payroll.problems() if p[0] == "payroll.attendance.push"]
    _, external_id, reference, message = problem
    assert (external_id, reference) == ("e001/2026-03", "employee e001, salary period 2026-03")
    assert message.startswith(
        "salary period 2026-03 is locked in Fortnox for employee e001: unlock it in Fortnox "
        "Lön or leave it"
    )
    before = await payroll.log_size()
    second = await payroll.run()
    assert await payroll.writes_since(before) == []
    assert Payroll.result(second, "payroll.attendance.push").write_requests == 0
    assert [p[1] for p in payroll.problems()] == ["e001/2026-03"]
    with payroll.sessions.begin() as session:
        connection = ConnectionRepository(session).for_tenant(payroll.tenant)
        assert connection is not None
        assert connection.facts["locked_until"] == "2026-03-31"  # read once, when refused


async def test_time_of_an_employee_missing_in_fortnox_waits_for_the_employee(
    payroll: Payroll,
) -> None:
    for day in MARCH[:3]:
        payroll.put(
            "time_entry", f"t-{day}", {"employee": "e999", "date": day.isoformat(), "hours": "8"}
        )
    payroll.put("time_entry", "sick", {"employee": "e999", "date": "2026-03-05", "hours": "8",
                                       "absence_type": "sick"})  # fmt: skip
    await payroll.run()
    problems = payroll.problems()
    assert [(p[0], p[1], p[2]) for p in problems] == [
        ("payroll.absence.push", "e999", "employee e999"),
        ("payroll.attendance.push", "e999", "employee e999"),
    ]
    assert "employee e999 is not in Fortnox yet" in problems[0][3]
    before = await payroll.log_size()
    await payroll.run()
    assert await payroll.writes_since(before) == []
    # The employee arrives: the waiting days go.
    payroll.put("employee", "e999", employee(99))
    third = await payroll.run()
    assert Payroll.result(third, "payroll.attendance.push").created == 3
    assert Payroll.result(third, "payroll.absence.push").created == 1
    assert payroll.problems() == []
