"""The register check of payroll lines: what a missing project or cost centre does, per setting,
that Fortnox is read once per run, and only when a line names a code, and that what was read
serves later runs for REGISTERS_TTL."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime
from types import SimpleNamespace
from typing import Any

from fortnox_bridge.flows.payroll.registers import REGISTERS_TTL, KnownCodes, check_lines, creator

FLOW = "payroll.attendance.push"


class _Register:
    def __init__(self, attribute: str, *codes: str) -> None:
        self.attribute, self.codes = attribute, list(codes)
        self.reads, self.created = 0, []

    async def iterate(self) -> AsyncIterator[SimpleNamespace]:
        self.reads += 1
        for code in self.codes:
            yield SimpleNamespace(**{self.attribute: code})

    async def create(self, fields: dict[str, Any]) -> None:
        self.created.append(fields)


class _Fortnox:
    def __init__(self, projects: tuple[str, ...] = (), cost_centers: tuple[str, ...] = ()) -> None:
        self.projects = _Register("project_number", *projects)
        self.cost_centers = _Register("code", *cost_centers)


def line(hours: str, project: str | None = None, cost_center: str | None = None) -> dict[str, Any]:
    return {"cause_code": "TID", "hours": hours, "project": project, "cost_center": cost_center}


async def test_lines_without_codes_read_nothing() -> None:
    fortnox = _Fortnox()
    checked = await check_lines([line("8")], {}, FLOW, KnownCodes(), fortnox)  # type: ignore[arg-type]
    assert (checked.lines, checked.held, fortnox.projects.reads) == ([line("8")], [], 0)


async def test_a_missing_project_holds_the_day_by_default_and_fortnox_is_read_once() -> None:
    fortnox, known = _Fortnox(projects=("P1",), cost_centers=("CC1",)), KnownCodes()
    lines = [line("8", "P1", "CC1"), line("2", "P9", "CC1")]
    checked = await check_lines(lines, {}, FLOW, known, fortnox)  # type: ignore[arg-type]
    (held,) = checked.held
    assert held.startswith("project P9 is not in Fortnox: create it in Fortnox's project")
    assert f"set {FLOW}'s missing_project to 'create'" in held
    await check_lines(lines, {}, FLOW, known, fortnox)  # type: ignore[arg-type]
    assert (fortnox.projects.reads, fortnox.cost_centers.reads) == (1, 1)


async def test_omit_leaves_the_code_off_and_sums_the_lines_that_then_agree() -> None:
    fortnox = _Fortnox(projects=("P1",))
    lines = [line("2.5", "P9"), line("1", "P8"), line("8", "P1")]
    policies = {"missing_project": "omit"}
    checked = await check_lines(lines, policies, FLOW, KnownCodes(), fortnox)  # type: ignore[arg-type]
    assert sorted(checked.lines, key=lambda x: x["hours"]) == [line("3.5"), line("8", "P1")]
    assert checked.held == []
    assert checked.notes == [
        "project P8, P9 missing in Fortnox: written without the project (missing_project = omit)"
    ]


async def test_create_makes_each_missing_code_once() -> None:
    fortnox, known = _Fortnox(), KnownCodes()
    policies = {"missing_project": "create", "missing_cost_center": "create"}
    checked = await check_lines([line("8", "P9", "CC9")], policies, FLOW, known, fortnox)  # type: ignore[arg-type]
    assert checked.held == []
    await creator(checked.creates, known, fortnox)()  # type: ignore[arg-type]
    await creator(checked.creates, known, fortnox)()  # type: ignore[arg-type]  # another day
    assert fortnox.projects.created == [{"project_number": "P9", "description": "P9"}]
    assert fortnox.cost_centers.created == [{"code": "CC9", "description": "CC9"}]


async def test_what_a_run_read_serves_the_next_runs_until_it_is_old() -> None:
    now = datetime(2026, 3, 2, 8, tzinfo=UTC)
    fortnox, first = _Fortnox(projects=("P1",)), KnownCodes()
    lines = [line("8", "P1"), line("2", "P2")]
    held = await check_lines(lines, {}, FLOW, first, fortnox)  # type: ignore[arg-type]
    assert held.held
    assert fortnox.projects.reads == 1
    kept = first.to_facts(now)
    assert kept == {"project": {"read_at": now.isoformat(), "codes": ["P1"]}}

    later = KnownCodes()
    later.load(kept, now + REGISTERS_TTL)
    again = await check_lines(lines, {}, FLOW, later, fortnox)  # type: ignore[arg-type]
    assert (again.held, fortnox.projects.reads) == (held.held, 1)  # no read
    assert later.to_facts(now + REGISTERS_TTL) == kept  # still read at the first run

    fortnox.projects.codes.append("P2")
    stale = KnownCodes()
    stale.load(kept, now + REGISTERS_TTL * 2)
    fresh = await check_lines(lines, {}, FLOW, stale, fortnox)  # type: ignore[arg-type]
    assert (fresh.held, fortnox.projects.reads) == ([], 2)
