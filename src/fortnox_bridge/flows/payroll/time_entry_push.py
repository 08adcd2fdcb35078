"""``payroll.time_entry.push``: host time entries → Fortnox attendance transactions.

One entry is one ``/3/attendancetransactions`` record (employee, day, cause code, hours). The flow
is dated by month (salary periods, PR3), so a re-sync of an interval is widened to whole months;
the locked period and financial years are checked before anything is written.
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from typing import Any, ClassVar, Literal

from pydantic import BaseModel

from fortnox_bridge.engine.flow import Excluded, Flow, Period
from fortnox_bridge.flows.payroll.records import HostTimeEntry
from fortnox_bridge.fortnox.models.attendance_transaction import AttendanceTransaction

#: Fortnox's attendance cause codes (fortnox-api.md §4.16), as the OpenAPI document lists them.
CAUSE_CODES = frozenset(AttendanceTransaction.wire_limits["CauseCode"]["enum"])


class TimeEntryPush(Flow):
    """Writes host time entries as Fortnox attendance transactions."""

    name: ClassVar[str] = "payroll.time_entry.push"
    entity: ClassVar[str] = "time_entry"
    resource: ClassVar[str] = "attendance_transactions"
    direction: ClassVar[Literal["push", "pull"]] = "push"
    fortnox_id_field: ClassVar[str] = "id"
    record_model: ClassVar[type[BaseModel]] = HostTimeEntry
    order: ClassVar[int] = 250
    collection: ClassVar[str | None] = "time-entries"
    references: ClassVar[Mapping[str, str]] = {"employee": "employee"}
    # HR8: a transaction is matched by employee, day and cause code.
    natural_key: ClassVar[tuple[str, ...]] = ("employee_id", "date", "cause_code")
    natural_key_search: ClassVar[Mapping[str, str]] = {"employee_id": "employeeid", "date": "date"}
    period: ClassVar[Period | None] = "month"
    date_field: ClassVar[str] = "date"

    def map(self, record: Mapping[str, Any]) -> dict[str, Any]:
        """Host time entry (``employee`` already the Fortnox EmployeeId) → attendance fields."""
        code = str(record.get("code") or "TID")
        table = self.mappings.get("attendance_code", {})
        cause = table.get(code, code)
        if cause is None:
            raise Excluded(f"the tenant's attendance_code mapping excludes {code!r}")
        if cause not in CAUSE_CODES:
            raise ValueError(
                f"code {code!r} is not a Fortnox attendance cause code; map it "
                f"(mapping kind 'attendance_code') to one of {', '.join(sorted(CAUSE_CODES))}"
            )
        fields = {
            "employee_id": str(record["employee"]),
            "date": str(record["date"]),
            "cause_code": cause,
            "hours": _hours(record["hours"]),
            "project": record.get("project"),
            "cost_center": record.get("cost_center"),
        }
        return {key: value for key, value in fields.items() if value not in (None, "")}

    def reference(self, external_id: str, record: Mapping[str, Any] | None) -> str:
        """``time entry te-9 (employee emp-7, 2026-01-05)``."""
        data = record or {}
        return f"time entry {external_id} (employee {data.get('employee')}, {data.get('date')})"


def _hours(value: Any) -> str:
    """``7.50`` → ``"7.5"``; Fortnox sends and takes hours as a string."""
    number = Decimal(str(value)).normalize()
    return format(number, "f")
