"""Payroll codes (PAXml → Fortnox cause code) and the salary-day aggregation."""

from __future__ import annotations

from collections.abc import AsyncIterator
from decimal import Decimal
from types import SimpleNamespace
from typing import Any

import pytest

from fortnox_bridge.flows.payroll.codes import VALID_CODES, check_paxml_code, resolve
from fortnox_bridge.flows.payroll.salary_day_build import aggregate, hours_text
from fortnox_bridge.flows.payroll.transactions_push import AbsencePush, AttendancePush

PROJECTS: dict[str, dict[str, Any] | None] = {
    "p1": {"number": "P100", "name": "Bygget", "paxml_code": "TID"},
    "jour": {"number": "P900", "name": "Jour", "paxml_code": "JOR"},
}
TYPES: dict[str, dict[str, Any] | None] = {
    "semester": {"code": "semester", "name": "Semester"},
    "vab": {"code": "vab", "name": "Vård av barn", "paxml_code": "VAB"},
    "odd": {"code": "odd", "name": "Something else"},
}


def test_check_paxml_code_upper_cases_and_lists_the_valid_codes() -> None:
    assert check_paxml_code(" öt1 ") == "ÖT1"
    assert check_paxml_code("sem") == "SEM"
    with pytest.raises(ValueError, match="PAXml code 'XYZ' cannot be sent to Fortnox") as caught:
        check_paxml_code("XYZ")
    assert "TID" in str(caught.value)
    assert "SEM" in str(caught.value)
    assert {"TID", "SEM", "SJK", "VAB", "ÖT1"} <= set(VALID_CODES)


@pytest.mark.parametrize(
    ("entry", "project", "kind", "expected"),
    [
        ({}, None, None, ("TID", "attendance", "TID", "default")),
        ({"project": "p1"}, PROJECTS["p1"], None, ("TID", "attendance", "TID", "project")),
        ({"paxml_code": "ÖT1"}, PROJECTS["p1"], None, ("ÖT1", "attendance", "OT1", "time entry")),
        ({"absence_type": "semester"}, None, TYPES["semester"],
         ("SEM", "absence", "SEM", "absence type")),
        ({"absence_type": "vab"}, None, TYPES["vab"], ("VAB", "absence", "VAB", "absence type")),
    ],
)  # fmt: skip
def test_resolve_takes_entry_then_project_then_absence_type_then_tid(
    entry: dict[str, Any],
    project: dict[str, Any] | None,
    kind: dict[str, Any] | None,
    expected: tuple[str, str, str, str],
) -> None:
    found = resolve(entry, project, kind)
    assert (found.paxml, found.kind, found.cause_code, found.source) == expected


def test_resolve_explains_what_is_missing() -> None:
    with pytest.raises(ValueError, match="absence type 'gone' is unknown"):
        resolve({"absence_type": "gone"}, None, None)
    with pytest.raises(ValueError, match="has no PAXml code and none can be guessed"):
        resolve({"absence_type": "odd"}, None, TYPES["odd"])


def test_hours_text() -> None:
    assert [hours_text(Decimal(v)) for v in ("7.50", "8", "0.25")] == [
        "7.5",
        "8",
        "0.25",
    ]


def test_a_day_sums_hours_per_kind_cause_project_and_cost_centre() -> None:
    entries = [
        ("t3", {"hours": "3.5", "project": "p1", "cost_center": "CC1"}),
        ("t1", {"hours": "4", "project": "p1", "cost_center": "CC1"}),
        ("t2", {"hours": "2", "project": "p1", "cost_center": "CC2"}),
        ("t4", {"hours": "1.25", "project": "p1", "paxml_code": "ÖT1"}),
        ("t5", {"hours": "8", "absence_type": "vab"}),
        ("t6", {"hours": "1", "project": "gone"}),
        ("t7", {"hours": "1", "absence_type": "odd"}),
    ]
    day = aggregate("e1", "2026-03-02", entries, PROJECTS, TYPES)
    assert day["lines"] == [
        {"kind": "absence", "paxml_code": "VAB", "cause_code": "VAB", "hours": "8",
         "project": None, "cost_center": None},
        {"kind": "attendance", "paxml_code": "ÖT1", "cause_code": "OT1", "hours": "1.25",
         "project": "P100", "cost_center": None},
        {"kind": "attendance", "paxml_code": "TID", "cause_code": "TID", "hours": "7.5",
         "project": "P100", "cost_center": "CC1"},
        {"kind": "attendance", "paxml_code": "TID", "cause_code": "TID", "hours": "2",
         "project": "P100", "cost_center": "CC2"},
    ]  # fmt: skip
    assert day["entries"] == ["t1", "t2", "t3", "t4", "t5", "t6", "t7"]
    assert [(e["time_entry"], e["kind"]) for e in day["errors"]] == [
        ("t6", "attendance"),
        ("t7", "absence"),
    ]
    assert "send it to /api/v1/projects/gone first" in day["errors"][0]["message"]
    # Equal entries in another order: an equal day (its version does not move).
    assert aggregate("e1", "2026-03-02", list(reversed(entries)), PROJECTS, TYPES) == day


class _Register:
    """A Fortnox register's list, as the client iterates it."""

    def __init__(self, rows: list[SimpleNamespace] | None = None) -> None:
        self.rows = rows or []

    async def iterate(self) -> AsyncIterator[SimpleNamespace]:
        for row in self.rows:
            yield row


class _Fortnox:
    """A client whose project register holds ``numbers`` (no cost centres)."""

    def __init__(self, *numbers: str) -> None:
        self.projects = _Register([SimpleNamespace(project_number=n) for n in numbers])
        self.cost_centers = _Register()


async def test_each_flow_takes_its_kind_of_lines_and_the_tenants_code_mapping() -> None:
    day = aggregate(
        "e1",
        "2026-03-02",
        [
            ("t1", {"hours": "8", "project": "p1"}),
            ("t2", {"hours": "2", "project": "p1", "paxml_code": "ÖT1"}),
            ("t3", {"hours": "1", "project": "p1", "paxml_code": "ÖT2"}),
        ],
        PROJECTS,
        TYPES,
    )
    record = {**day, "employee": "7"}
    attendance = AttendancePush(mappings={"paxml_code": {"ÖT2": "OT1"}})
    head = attendance.head(record, {})
    assert head.wanted
    parts = await attendance.parts(record, head, _Fortnox("P100"))  # type: ignore[arg-type]
    assert parts.fields == {
        "OT1|P100|": {"employee_id": "7", "date": "2026-03-02", "cause_code": "OT1",
                      "hours": "3", "project": "P100"},
        "TID|P100|": {"employee_id": "7", "date": "2026-03-02", "cause_code": "TID",
                      "hours": "8", "project": "P100"},
    }  # fmt: skip
    excluded = AttendancePush(mappings={"paxml_code": {"ÖT1": None, "ÖT2": None, "TID": None}})
    nothing = excluded.head(record, {})
    assert (nothing.wanted, nothing.reason.startswith("excluded:")) == (False, True)
    assert not AbsencePush().head(record, {}).wanted


@pytest.mark.parametrize(
    ("start", "day", "period"),
    [(1, "2026-03-31", "2026-03"), (25, "2026-03-24", "2026-02-25–2026-03-24"),
     (25, "2026-03-25", "2026-03-25–2026-04-24"), (25, "2026-01-02", "2025-12-25–2026-01-24")],
)  # fmt: skip
def test_salary_periods_start_on_the_period_start_day(start: int, day: str, period: str) -> None:
    flow = AttendancePush(AttendancePush.Settings.model_validate({"period_start_day": start}))
    assert flow.salary_period(day) == period
