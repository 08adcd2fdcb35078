"""Test data for the flow contract suite: one kit per flow.

Adding a flow means adding its kit here; ``test_every_flow_has_a_kit`` fails until then.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

from fortnox_bridge.engine.flow import Flow
from fortnox_bridge.flows.hr.absence_push import AbsencePush
from fortnox_bridge.flows.hr.employee_pull import EmployeePull
from fortnox_bridge.flows.hr.employee_push import EmployeePush
from fortnox_bridge.flows.payroll.time_entry_push import TimeEntryPush
from fortnox_bridge.fortnox import FortnoxClient

Records = dict[str, dict[str, Any]]


def employee(number: int, **extra: Any) -> dict[str, Any]:
    """A valid host employee."""
    return {
        "email": f"kontrakt{number}@example.se",
        "given_name": f"Kontrakt{number}",
        "family_name": "Andersson",
        "phone": f"070-100 00 {number:02d}",
        **extra,
    }


@dataclass
class Kit:
    """How the contract suite exercises one flow."""

    #: The flows to run, the flow under test among them (its dependencies first).
    flows: list[type[Flow]]
    #: Host records by entity that must exist first (e.g. employees for time entries).
    prerequisites: dict[str, Records] = field(default_factory=dict)
    #: Push: host records of the flow's entity, by host id.
    records: Records = field(default_factory=dict)
    #: Push: a host record changed in one mapped field, and that field in Fortnox's terms.
    change: tuple[str, dict[str, Any], str, Any] | None = None
    #: Push: a field Fortnox edits on the changed record that the host leaves alone.
    fortnox_edit: tuple[str, Any] | None = None
    #: Push: a host record Fortnox refuses (stored as an older host version could have).
    bad: tuple[str, dict[str, Any]] | None = None
    #: Push: whether a deleted record is gone from Fortnox (else: deactivated).
    deletes: bool = True
    #: Pull: Fortnox records to create before the first run (snake_case fields).
    remote: list[dict[str, Any]] = field(default_factory=list)
    #: Pull: a Fortnox-side change (field, value) and the host field it lands in.
    remote_change: tuple[str, Any, str] | None = None
    #: Pull: Fortnox values the host record model refuses.
    remote_bad: dict[str, Any] | None = None
    #: Pull: how to delete a Fortnox record, if Fortnox can.
    remote_delete: Callable[[FortnoxClient, str], Awaitable[None]] | None = None
    #: Flow settings by flow name (default: none).
    settings: dict[str, dict[str, Any]] = field(default_factory=dict)


def absence(employee: str, day: str, **extra: Any) -> dict[str, Any]:
    """An approved one-day host absence (sick leave)."""
    return {
        "employee": employee,
        "absence_type": "sick",
        "start": day,
        "end": day,
        "status": "approved",
        **extra,
    }


KITS: dict[str, Kit] = {
    "hr.employee.push": Kit(
        flows=[EmployeePush],
        records={f"e{n}": employee(n) for n in range(1, 5)},
        change=("e2", employee(2, city="Kiruna"), "city", "Kiruna"),
        fortnox_edit=("job_title", "Montör"),
        bad=("e-bad", {"email": "utan@example.se", "given_name": "Utan"}),
        deletes=False,  # Fortnox has no DELETE for employees: they are deactivated
    ),
    "payroll.time_entry.push": Kit(
        flows=[EmployeePush, TimeEntryPush],
        prerequisites={"employee": {"e1": employee(1), "e2": employee(2)}},
        records={
            "t1": {"employee": "e1", "date": "2026-01-05", "hours": 8},
            "t2": {"employee": "e1", "date": "2026-01-06", "hours": 7.5},
            "t3": {"employee": "e2", "date": "2026-01-05", "hours": 4},
            "t4": {"employee": "e2", "date": "2026-01-07", "hours": 6, "code": "OT1"},
        },
        change=("t2", {"employee": "e1", "date": "2026-01-06", "hours": 6}, "hours", "6"),
        fortnox_edit=("cause_code", "OB1"),
        bad=("t-bad", {"employee": "e1", "date": "2026-01-09", "hours": 30}),
    ),
    "hr.absence.push": Kit(
        flows=[EmployeePush, AbsencePush],
        prerequisites={
            "employee": {"e1": employee(1), "e2": employee(2)},
            "absence_type": {"sick": {"code": "sick", "name": "Sick leave"}},
        },
        # One working day each (2026-01-05 is a Monday): one absence transaction per record.
        records={
            "a1": absence("e1", "2026-01-05"),
            "a2": absence("e1", "2026-01-06"),
            "a3": absence("e2", "2026-01-05"),
            "a4": absence("e2", "2026-01-07", extent=50),
        },
        change=("a2", absence("e1", "2026-01-06", extent=25), "hours", "2"),
        # Fortnox refuses an extent above 100 (an older host version could have stored one).
        bad=("a-bad", absence("e1", "2026-01-08", extent=150)),
        settings={"hr.employee.push": {"default_schedule": "HEL"}},
    ),
    "hr.employee.pull": Kit(
        flows=[EmployeePull, EmployeePush],
        records={f"e{n}": employee(n) for n in (1, 2)},
        remote=[
            {"email": "kontrakt1@example.se", "first_name": "Kontrakt1", "last_name": "Andersson"},
            {"email": "kontrakt2@example.se", "first_name": "Kontrakt2", "last_name": "Andersson"},
            {"email": "bara.fortnox@example.se", "first_name": "Bara", "last_name": "Fortnox"},
        ],
        remote_change=("phone1", "08-123 45 67", "phone"),
        remote_bad={"email": "inte-en-adress"},
    ),
}
