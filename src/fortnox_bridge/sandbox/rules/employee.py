"""Employee rules: ``FullName``, and the SPEC's rules on dated schedules and wages."""

from __future__ import annotations

from fortnox_bridge.sandbox.messages import NOT_ALLOWED, refuse
from fortnox_bridge.sandbox.registers.spec import Ctx, Record, Rules

EPOCH = "1970-01-01"


class EmployeeRules(Rules):
    """``ScheduleId`` xor ``DatedSchedules``; ``DatedWages`` xor ``MonthlySalary``/``HourlyPay``;
    dated lists have one row starting 1970-01-01 and unique first days (SPEC POST/PUT)."""

    def prepare(self, ctx: Ctx, record: Record, sent: Record, old: Record | None) -> None:
        """Check the dated lists that were sent and stamp their rows with the employee."""
        if "ScheduleId" in sent and "DatedSchedules" in sent:
            raise refuse(NOT_ALLOWED, field="ScheduleId", value="skicka inte med DatedSchedules")
        if "DatedWages" in sent and ({"MonthlySalary", "HourlyPay"} & set(sent)):
            raise refuse(NOT_ALLOWED, field="DatedWages", value="skicka inte med lön")
        for name in ("DatedSchedules", "DatedWages"):
            if name in sent:
                rows = record[name]
                _check_dated(name, rows)
                for row in rows:
                    row["EmployeeId"] = record["EmployeeId"]
        if "DatedSchedules" in sent:
            record["ScheduleId"] = max(record["DatedSchedules"], key=_first_day).get("ScheduleId")

    def derive(self, ctx: Ctx, record: Record, out: Record) -> None:
        """``FullName`` is first and last name."""
        out["FullName"] = f"{record.get('FirstName', '')} {record.get('LastName', '')}".strip()


def _first_day(row: Record) -> str:
    return str(row.get("FirstDay", ""))


def _check_dated(name: str, rows: list[Record]) -> None:
    days = [_first_day(row) for row in rows]
    if any(not day for day in days) or len(set(days)) != len(days):
        raise refuse(NOT_ALLOWED, field=f"{name}.FirstDay", value="saknas eller dubblett")
    if days.count(EPOCH) != 1 or min(days) < EPOCH:
        raise refuse(NOT_ALLOWED, field=f"{name}.FirstDay", value=f"en rad måste börja {EPOCH}")


def schedule_on(employee: Record, day: str) -> str | None:
    """The schedule id an employee follows on ``day`` (dated schedules first)."""
    dated = [r for r in employee.get("DatedSchedules") or [] if _first_day(r) <= day]
    if dated:
        return max(dated, key=_first_day).get("ScheduleId") or None
    return employee.get("ScheduleId") or None
