"""``payroll.attendance.push`` and ``payroll.absence.push``: salary days → Fortnox transactions.

Both read the salary days the bridge builds from the host's time entries
(:mod:`~fortnox_bridge.flows.payroll.salary_days`): the attendance flow writes a day's attendance
lines as ``/3/attendancetransactions``, the absence flow its absence lines as
``/3/absencetransactions``. One line is one transaction, keyed by cause code, project and cost
centre (``TID|P100|CC1``); a day is diffed line by line, so only changed days are written, and
only their changed lines. Both flows are dated by month (salary periods), so the locked period is
checked before a day is written and a re-sync is widened to whole periods.

A tenant sends absence either from absences (``hr.absence.push``) or from reported time
(``payroll.absence.push``); the pre-flight check warns when both are on.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from decimal import Decimal
from typing import Any, ClassVar, Literal

from pydantic import BaseModel, Field

from fortnox_bridge.engine.flow.base import Builder, FlowSettings, MappingKind, Period, normalise
from fortnox_bridge.engine.flow.results import FlowResult, ItemOutcome
from fortnox_bridge.engine.sync.deriving import DerivedFlow, Head, PartFlow, Parts
from fortnox_bridge.engine.sync.preflight import RegisterGaps
from fortnox_bridge.flows.payroll.registers import (
    CHOICES,
    REGISTERS,
    KnownCodes,
    MissingPolicy,
    check_lines,
    creator,
    gaps,
)
from fortnox_bridge.flows.payroll.salary_day_build import ENTITIES, SalaryDay, split_day_id
from fortnox_bridge.flows.payroll.salary_days import SALARY_DAYS
from fortnox_bridge.formats.paxml.codes import (
    ABSENCE,
    ALIASES,
    FORTNOX_ABSENCE,
    FORTNOX_ATTENDANCE,
    TABLE,
)
from fortnox_bridge.fortnox import FortnoxClient

#: The mapping kind that sends a PAXml code as another Fortnox cause code, or excludes it.
MAPPING = "paxml_code"


def _paxml_mapping(kind: str, fortnox: frozenset[str]) -> MappingKind:
    """The ``paxml_code`` mapping of the lines of ``kind``: a PAXml code this kind of line can
    carry → a Fortnox cause code of the same kind."""
    codes = [row.paxml for row in TABLE if row.kind == kind]
    codes += [alias for alias, code in ALIASES.items() if code in codes]
    words = "absence" if kind == ABSENCE else "attendance"
    return MappingKind(
        MAPPING,
        local="a PAXml time code the bridge sends to Fortnox",
        fortnox=f"a Fortnox {words} cause code",
        local_values=tuple(sorted(codes)),
        fortnox_values=tuple(sorted(fortnox)),
    )


#: Fields of a transaction that tell it apart from the others of the employee's day.
LINE_FIELDS = ("cause_code", "project", "cost_center")


class PayrollSettings(FlowSettings):
    """Settings of the payroll flows."""

    period_start_day: int = Field(
        default=1,
        ge=1,
        le=28,
        description="The day of the month a salary period starts on (1: calendar months). "
        "Re-syncs are widened to whole salary periods, and locked periods are reported per "
        "salary period.",
    )
    missing_project: MissingPolicy = Field(
        default="hold",
        title="Projects missing in Fortnox",
        description="What happens to reported time on a project whose number Fortnox does not "
        "have (Fortnox refuses such transactions): the day is held back with a problem until "
        "the project is created in Fortnox, the bridge creates the project (its number as "
        "number and name), or the time is written without the project.",
        json_schema_extra={"choices": CHOICES},
    )
    missing_cost_center: MissingPolicy = Field(
        default="hold",
        title="Cost centres missing in Fortnox",
        description="The same for a cost centre Fortnox does not have: hold the day back, "
        "create the cost centre in Fortnox (its code as code and name), or write the time "
        "without the cost centre.",
        json_schema_extra={"choices": CHOICES},
    )


class _TransactionPart(PartFlow):
    """One Fortnox transaction: an employee, day, cause code, project and cost centre."""

    fortnox_id_field: ClassVar[str] = "id"
    record_model: ClassVar[type[BaseModel]] = SalaryDay
    # Adopt-before-create matches by employee, day, cause code, project and cost centre.
    natural_key: ClassVar[tuple[str, ...]] = ("employee_id", "date", *LINE_FIELDS)
    natural_key_search: ClassVar[Mapping[str, str]] = {"employee_id": "employeeid", "date": "date"}
    period: ClassVar[Period | None] = "month"
    date_field: ClassVar[str] = "date"

    def key_of(self, fields: Mapping[str, Any]) -> str | None:
        """Like every natural key, but a transaction without project or cost centre has one
        too (blank)."""
        if any(normalise(fields.get(name)) is None for name in ("employee_id", "date")):
            return None
        if normalise(fields.get("cause_code")) is None:
            return None
        return "|".join(
            str(normalise(fields.get(name)) or "").strip().lower() for name in self.natural_key
        )


class AttendanceTransactionPart(_TransactionPart):
    """One Fortnox attendance transaction (hours are text in Fortnox)."""

    name: ClassVar[str] = "payroll.attendance.push"
    entity: ClassVar[str] = "attendance_line"
    resource: ClassVar[str] = "attendance_transactions"


class AbsenceTransactionPart(_TransactionPart):
    """One Fortnox absence transaction (hours are a number in Fortnox)."""

    name: ClassVar[str] = "payroll.absence.push"
    entity: ClassVar[str] = "absence_line"
    resource: ClassVar[str] = "absence_transactions"
    numeric_fields: ClassVar[frozenset[str]] = frozenset({"hours"})


class _SalaryDayPush(DerivedFlow):
    """Writes the lines of one kind of each salary day as Fortnox transactions."""

    direction: ClassVar[Literal["push", "pull"]] = "push"
    fortnox_id_field: ClassVar[str] = "id"
    record_model: ClassVar[type[BaseModel]] = SalaryDay
    Settings: ClassVar[type[FlowSettings]] = PayrollSettings
    builder: ClassVar[Builder | None] = SALARY_DAYS
    # The projects and cost centres the lines name are checked in Fortnox before writing.
    reads: ClassVar[tuple[str, ...]] = tuple(register.resource for register in REGISTERS)
    references: ClassVar[Mapping[str, str]] = {"employee": "employee"}
    period: ClassVar[Period | None] = "month"
    date_field: ClassVar[str] = "date"
    rewrite_hint: ClassVar[str] = "re-sync the salary period to write the days again"
    # The projects and cost centres read are kept between runs (both flows share them).
    facts_key: ClassVar[str | None] = "payroll_registers"
    # The shared base is not a flow of its own; the two below are.
    standalone: ClassVar[bool] = False
    #: ``attendance`` or ``absence``: the lines this flow writes.
    kind: ClassVar[str]

    def map(self, record: Mapping[str, Any]) -> dict[str, Any]:
        """What every transaction of the day shares (pre-flight checks the day)."""
        return {"employee_id": str(record["employee"]), "date": str(record["date"])}

    def head(
        self, record: Mapping[str, Any], related: Mapping[str, Mapping[str, Any] | None]
    ) -> Head:
        """The day's lines of this flow's kind; nothing in Fortnox when there are none.

        The tenant's ``paxml_code`` mapping may send a PAXml code as another cause code, or
        exclude it (those lines are left out quietly); lines that then share a cause code,
        project and cost centre are summed.
        """
        table = self.mappings.get(MAPPING, {})
        summed: dict[tuple[str, str, str], Decimal] = {}
        excluded: list[str] = []
        for line in record.get("lines", []):
            if line.get("kind") != self.kind:
                continue
            code = str(line.get("paxml_code") or line["cause_code"])
            cause = table.get(code, line["cause_code"]) if code in table else line["cause_code"]
            if cause is None:
                excluded.append(code)
                continue
            key = (str(cause), str(line.get("project") or ""), str(line.get("cost_center") or ""))
            summed[key] = summed.get(key, Decimal(0)) + Decimal(str(line["hours"]))
        lines = [
            {
                "cause_code": cause,
                "hours": format(hours.normalize(), "f"),
                "project": project or None,
                "cost_center": cost_center or None,
            }
            for (cause, project, cost_center), hours in sorted(summed.items())
        ]
        errors = [e for e in record.get("errors", []) if e.get("kind") == self.kind]
        fields = {
            "employee_id": str(record["employee"]),
            "date": str(record["date"]),
            "lines": lines,
            "errors": errors,
        }
        if not lines:
            reason = "no reported time of this kind on this day"
            if excluded:
                reason = f"excluded: the tenant's {MAPPING} mapping excludes {', '.join(excluded)}"
            return Head(fields, bool(errors), reason)
        total = sum((Decimal(str(line["hours"])) for line in lines), Decimal(0))
        codes = ", ".join(sorted({str(line["cause_code"]) for line in lines}))
        return Head(fields, True, f"{codes}: {format(total.normalize(), 'f')} h")

    def known_codes(self) -> KnownCodes:
        """The project and cost-centre codes Fortnox has, read once per run (a flow object
        lives for one run)."""
        known = self.__dict__.get("_known_codes")
        if known is None:
            known = self.__dict__["_known_codes"] = KnownCodes()
        return known

    def use_facts(self, cached: Mapping[str, Any], now: datetime) -> None:
        """The projects and cost centres an earlier run read, while still fresh."""
        self.known_codes().load(cached, now)

    def facts_to_keep(self, now: datetime) -> dict[str, Any] | None:
        """The projects and cost centres known now, for the next runs."""
        return self.known_codes().to_facts(now) or None

    async def parts(self, record: Mapping[str, Any], head: Head, client: FortnoxClient) -> Parts:
        """One transaction per line; the entries whose code could not be resolved are a warning
        (the rest of the day is written). A project or cost centre Fortnox lacks holds the day
        back, is created or is left off, as the flow's settings say."""
        policies = {r.setting: getattr(self.settings, r.setting, "hold") for r in REGISTERS}
        known = self.known_codes()
        checked = await check_lines(list(head.fields["lines"]), policies, self.name, known, client)
        if checked.held:
            return Parts({}, held="; ".join(checked.held))
        parts: dict[str, dict[str, Any]] = {}
        for line in checked.lines:
            fields = {
                "employee_id": head.fields["employee_id"],
                "date": head.fields["date"],
                "cause_code": line["cause_code"],
                "hours": str(line["hours"]),
                "project": line.get("project"),
                "cost_center": line.get("cost_center"),
            }
            key = "|".join(str(line.get(n) or "") for n in LINE_FIELDS)
            parts[key] = {k: v for k, v in fields.items() if v not in (None, "")}
        warning = None
        if head.fields["errors"]:
            warning = "; ".join(
                f"time entry {e['time_entry']} is left out: {e['message']}"
                for e in head.fields["errors"]
            )
        prepare = creator(checked.creates, known, client) if checked.creates else None
        return Parts(parts, warning, note="; ".join(checked.notes) or None, prepare=prepare)

    async def register_gaps(
        self, payloads: list[dict[str, Any]], client: FortnoxClient
    ) -> RegisterGaps | None:
        """The projects and cost centres this flow's lines name that Fortnox lacks (pre-flight)."""
        lines = [
            line
            for payload in payloads
            for line in payload.get("lines", [])
            if line.get("kind") == self.kind
        ]
        return await gaps(self.name, lines, self.settings, self.known_codes(), client)

    def reference(self, external_id: str, record: Mapping[str, Any] | None) -> str:
        """``employee e1, 2026-03-02``."""
        employee, day = split_day_id(external_id)
        return f"employee {employee}, {day}"

    def group_problems(self, result: FlowResult) -> None:
        """One problem per employee and salary period for days held back by the locked period
        or waiting for the employee, instead of one per day."""
        groups: dict[str, ItemOutcome] = {}
        kept: list[ItemOutcome] = []
        sent: dict[str, str] = {}
        for item in result.items:
            subject = _subject(item)
            if subject is None:
                kept.append(item)
                if item.outcome == "ok" and "/" in item.external_id:
                    employee, day = split_day_id(item.external_id)
                    sent.setdefault(f"{employee}/{self.salary_period(day)}", employee)
                    sent.setdefault(employee, employee)
                continue
            employee, day = split_day_id(item.external_id)
            period = self.salary_period(day)
            key = f"{employee}/{period}" if subject == "locked" else employee
            group = groups.get(key)
            if group is None:
                groups[key] = _grouped(item, key, employee, period, subject)
                kept.append(groups[key])
            else:
                group.changes.setdefault("days", []).append(day)
        # Days of an employee and period got through: close what was reported for them.
        for key, employee in sorted(sent.items()):
            if key not in groups:
                kept.append(
                    ItemOutcome(key, "check", "ok", f"days of employee {employee} got through")
                )
        result.items = kept

    def salary_period(self, day: str) -> str:
        """``2026-03`` (or ``2026-03-25–2026-04-24`` with a period start day of 25)."""
        start = getattr(self.settings, "period_start_day", 1)
        year, month, dom = (int(part) for part in day.split("-"))
        if start == 1:
            return f"{year:04d}-{month:02d}"
        if dom < start:
            month -= 1
            if month == 0:
                year, month = year - 1, 12
        end_year, end_month = (year + 1, 1) if month == 12 else (year, month + 1)
        return f"{year:04d}-{month:02d}-{start:02d}–{end_year:04d}-{end_month:02d}-{start - 1:02d}"


def _subject(item: ItemOutcome) -> str | None:
    if not item.problem:
        return None
    if item.outcome == "failed":
        refused = item.status == 400 and "låst" in (item.message or "").lower()
        return "locked" if refused else None
    if item.reason.startswith("held back:") and "locked period" in item.reason:
        return "locked"
    if item.reason.startswith("waiting for employee"):
        return "employee"
    return None


def _grouped(item: ItemOutcome, key: str, employee: str, period: str, subject: str) -> ItemOutcome:
    _, day = split_day_id(item.external_id)
    if subject == "locked":
        reason = (
            f"salary period {period} is locked in Fortnox for employee {employee}: unlock it "
            "in Fortnox Lön or leave it; the bridge writes the days once the period is open "
            f"({item.reason})"
        )
        reference = f"employee {employee}, salary period {period}"
    else:
        reason = (
            f"employee {employee} is not in Fortnox yet: the time reported for them waits "
            "until the employee is created there (hr.employee.push, or link the employee)"
        )
        reference = f"employee {employee}"
    return ItemOutcome(
        key,
        "skip",  # one action, so the problem is the same whichever day came first
        "skipped",
        reason,
        reference,
        changes={"days": [day]},
        problem=True,
    )


class AttendancePush(_SalaryDayPush):
    """Writes reported working time, overtime and other attendance as attendance
    transactions."""

    name: ClassVar[str] = "payroll.attendance.push"
    standalone: ClassVar[bool] = True
    # After the employees (200) whose Fortnox ids the transactions need.
    order: ClassVar[int] = 250
    entity: ClassVar[str] = ENTITIES["attendance"]
    resource: ClassVar[str] = "attendance_transactions"
    part: ClassVar[type[PartFlow]] = AttendanceTransactionPart
    kind: ClassVar[str] = "attendance"
    mapping_kinds: ClassVar[tuple[MappingKind, ...]] = (
        _paxml_mapping("attendance", FORTNOX_ATTENDANCE),
    )


class AbsencePush(_SalaryDayPush):
    """Writes reported absence (vacation, sick leave, VAB, ...) as absence transactions."""

    name: ClassVar[str] = "payroll.absence.push"
    standalone: ClassVar[bool] = True
    order: ClassVar[int] = 255
    entity: ClassVar[str] = ENTITIES["absence"]
    resource: ClassVar[str] = "absence_transactions"
    part: ClassVar[type[PartFlow]] = AbsenceTransactionPart
    kind: ClassVar[str] = "absence"
    mapping_kinds: ClassVar[tuple[MappingKind, ...]] = (_paxml_mapping(ABSENCE, FORTNOX_ABSENCE),)
