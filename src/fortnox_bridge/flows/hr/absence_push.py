"""``hr.absence.push``: host absences → Fortnox absence transactions, one per scheduled day.

An absence is written only when its type maps to a Fortnox cause code, it
is approved, it has an end date and its type counts as work days; it is rewritten when its dates,
extent, status or type change, and its transactions are deleted when it is deleted, no longer
approved or loses its end date. Each day of the absence with scheduled hours becomes one
absence transaction: the employee's hours that day (``/3/scheduletimes``) times the extent.
Fortnox absence transactions have no text field, so a changed note changes nothing in Fortnox.

Beyond the seed: no 50-day limit (every day is written, paced by the rate limit); an absence
whose transactions were disconnected by a mapping change can be re-written under the new mapping
(``fortnox-bridge hr rewrite-absences``).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import Any, ClassVar, Literal

from pydantic import BaseModel

from fortnox_bridge.engine.flow.base import Lookup, MappingKind, Period
from fortnox_bridge.engine.sync.deriving import DerivedFlow, Head, PartFlow, Parts
from fortnox_bridge.flows.hr import employee_fields
from fortnox_bridge.flows.hr.absence_causes import (
    CAUSE_CODES,
    MAPPING_KIND,
    UnmappedType,
    cause_for,
)
from fortnox_bridge.flows.hr.records import HostAbsence
from fortnox_bridge.fortnox import FortnoxClient

HUNDREDTH = Decimal("0.01")


class AbsenceTransactionPart(PartFlow):
    """One Fortnox absence transaction: one employee, day and cause code."""

    name: ClassVar[str] = "hr.absence.push"
    entity: ClassVar[str] = "absence_day"
    resource: ClassVar[str] = "absence_transactions"
    fortnox_id_field: ClassVar[str] = "id"
    record_model: ClassVar[type[BaseModel]] = HostAbsence
    # Adoption after a crash matches by employee, day and cause code.
    natural_key: ClassVar[tuple[str, ...]] = ("employee_id", "date", "cause_code")
    natural_key_search: ClassVar[Mapping[str, str]] = {"employee_id": "employeeid", "date": "date"}
    period: ClassVar[Period | None] = "month"
    date_field: ClassVar[str] = "date"
    numeric_fields: ClassVar[frozenset[str]] = frozenset({"hours", "extent"})


class AbsencePush(DerivedFlow):
    """Writes approved host absences as Fortnox absence transactions, day by day."""

    name: ClassVar[str] = "hr.absence.push"
    entity: ClassVar[str] = "absence"
    resource: ClassVar[str] = "absence_transactions"
    # An absence is written on the days the employee's schedule has time.
    reads: ClassVar[tuple[str, ...]] = ("schedule_times",)
    direction: ClassVar[Literal["push", "pull"]] = "push"
    fortnox_id_field: ClassVar[str] = "id"
    record_model: ClassVar[type[BaseModel]] = HostAbsence
    # After the employees (200) whose Fortnox ids the transactions need.
    order: ClassVar[int] = 260
    # Opt-in, as in the seed ("Create absence in Fortnox when added in Huma").
    default_enabled: ClassVar[bool] = False
    references: ClassVar[Mapping[str, str]] = {"employee": "employee"}
    lookups: ClassVar[Mapping[str, str]] = {"absence_type": "absence_type", "employee": "employee"}
    part: ClassVar[type[PartFlow]] = AbsenceTransactionPart
    disconnect_on: ClassVar[tuple[str, ...]] = ("cause_code",)
    own_fields: ClassVar[tuple[str, ...]] = ("absence_type",)
    mapping_kinds: ClassVar[tuple[MappingKind, ...]] = (
        MappingKind(
            MAPPING_KIND,
            local="an absence type's code",
            fortnox="a Fortnox absence cause code",
            fortnox_values=tuple(sorted(CAUSE_CODES)),
        ),
    )
    rewrite_hint: ClassVar[str] = (
        "'fortnox-bridge hr rewrite-absences --tenant TENANT' re-writes them under the new mapping"
    )
    # Dated: the locked period is checked for every day written. No financial year is needed:
    # Fortnox takes salary transactions for any date (needs_financial_year stays False).
    period: ClassVar[Period | None] = "month"
    date_field: ClassVar[str] = "date"

    def map(self, record: Mapping[str, Any]) -> dict[str, Any]:
        """What every transaction of the absence shares (pre-flight checks its first day)."""
        return {"employee_id": str(record["employee"]), "date": str(record["start"])}

    @classmethod
    def resync_proposal(cls, disconnected: date, today: date) -> tuple[date, date] | None:
        """None: absences are repaired with ``hr rewrite-absences``, not an interval re-sync."""
        return None

    def head(
        self, record: Mapping[str, Any], related: Mapping[str, Mapping[str, Any] | None]
    ) -> Head:
        """Cause code, dates and extent, and whether the absence belongs in Fortnox."""
        kind = related.get("absence_type")
        if kind is None:
            raise ValueError(
                f"absence type {record['absence_type']!r} is unknown (or deleted); send it to "
                f"/api/v1/absence-types/{record['absence_type']} first"
            )
        start = date.fromisoformat(str(record["start"]))
        end = date.fromisoformat(str(record["end"])) if record.get("end") else None
        extent = _text(record.get("extent", 100))
        status = str(record.get("status") or "requested")
        not_sent = None
        if status != "approved":
            not_sent = f"not approved (status {status})"
        elif end is None:
            not_sent = "no end date yet"
        elif not kind.get("counts_as_work_days", True):
            not_sent = f"absence type {kind.get('code')} does not count as work days"
        try:
            cause, how = cause_for(kind, self.mappings)
        except UnmappedType:
            if not_sent is None:
                raise  # it would be sent: the mapping is needed now
            cause, how = None, "no cause code mapped"
        fields = {
            "employee_id": str(record["employee"]),
            "absence_type": str(record["absence_type"]),
            "cause_code": cause,
            "start": start.isoformat(),
            "end": end.isoformat() if end else None,
            "extent": extent,
        }
        if not_sent is not None:
            return Head(fields, False, not_sent)
        if cause is None:
            return Head(fields, False, f"excluded: {how}")
        return Head(fields, True, f"{cause} {start}–{end} at {extent}% ({how})")

    async def parts(self, record: Mapping[str, Any], head: Head, client: FortnoxClient) -> Parts:
        """One transaction per day with scheduled hours: those hours times the extent."""
        employee = str(head.fields["employee_id"])
        start = date.fromisoformat(str(head.fields["start"]))
        end = date.fromisoformat(str(head.fields["end"]))
        extent = Decimal(str(head.fields["extent"]))
        parts: dict[str, dict[str, Any]] = {}
        day = start
        while day <= end:
            scheduled = await client.schedule_times.get(employee, day)
            hours = Decimal(str(scheduled.hours or 0)) * extent / 100
            if hours > 0:
                parts[day.isoformat()] = {
                    "employee_id": employee,
                    "cause_code": head.fields["cause_code"],
                    "date": day.isoformat(),
                    "hours": _text(hours.quantize(HUNDREDTH, rounding=ROUND_HALF_UP)),
                    "extent": str(head.fields["extent"]),
                }
            day += timedelta(days=1)
        warning = None
        if not parts:
            warning = (
                f"warning: Fortnox schedules 0 hours for employee {employee} on every day from "
                f"{start} to {end}, so nothing was written; give the employee a working-time "
                "schedule in Fortnox (employees the bridge creates get none unless the "
                "hr.employee.push setting default_schedule is set) — the absence is tried again "
                "on every sweep"
            )
        return Parts(parts, warning)

    def reference(self, external_id: str, record: Mapping[str, Any] | None) -> str:
        """``absence abs-7 (employee emp-3, 2026-01-05–2026-01-09)``."""
        data = record or {}
        return (
            f"absence {external_id} (employee {data.get('employee')}, "
            f"{data.get('start')}–{data.get('end') or 'open'})"
        )

    def reference_for(
        self,
        external_id: str,
        record: Mapping[str, Any],
        related: Mapping[str, Mapping[str, Any] | None],
    ) -> str:
        """``employee emp-3 (karin.ek@example.se): absence abs-7, 2026-01-05–2026-01-09`` —
        the employee first."""
        employee = employee_fields.reference(str(record.get("employee")), related.get("employee"))
        end = record.get("end") or "open"
        return f"{employee}: absence {external_id}, {record.get('start')}–{end}"

    def concerned(self, external_id: str, lookup: Lookup) -> list[str]:
        """The manager of the absent employee, when the host names one."""
        absence = lookup(self.entity, external_id) or {}
        employee = absence.get("employee")
        return employee_fields.manager_email(str(employee) if employee else None, lookup)


def _text(value: Any) -> str:
    """``Decimal('7.50')`` → ``"7.5"``: decimals as Fortnox shows them."""
    number = Decimal(str(value)).normalize()
    return format(number, "f")
