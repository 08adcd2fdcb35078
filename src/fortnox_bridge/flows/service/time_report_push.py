"""``service.time_report.push``: technicians' reported hours → Fortnox attendance transactions
(``/3/attendancetransactions``), when the tenant turns the setting ``time_reports`` on.

One time report is one transaction: the employee by its employee number (Fortnox's
EmployeeId), the day, the hours and the cause code Fortnox uses for the report's attendance code
(a PAXml time code, checked when the report is received as the payroll family checks its codes:
``ÖT1`` is sent as ``OT1``), with the project and cost centre when the report names them. The
order a report was made on stays with the host: Fortnox's transaction has no field for it. A
changed report changes its transaction; a deleted report deletes it. A report dated in Fortnox's
locked period is held back with a problem.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, ClassVar, Literal

from pydantic import BaseModel

from fortnox_bridge.engine.flow.base import Flow, FlowSettings, MappingKind
from fortnox_bridge.flows.service.mappings import (
    COST_CENTER_MAPPING,
    EMPLOYEE_MAPPING,
    employee_id,
    with_cost_centers,
)
from fortnox_bridge.flows.service.register_records import HostTimeReport
from fortnox_bridge.flows.service.settings import SETTINGS_FLOW, ServiceSettings
from fortnox_bridge.formats.paxml.codes import to_fortnox


class TimeReportPush(Flow):
    """Writes time reports as Fortnox attendance transactions."""

    name: ClassVar[str] = "service.time_report.push"
    entity: ClassVar[str] = "time_report"
    resource: ClassVar[str] = "attendance_transactions"
    direction: ClassVar[Literal["push", "pull"]] = "push"
    fortnox_id_field: ClassVar[str] = "id"
    record_model: ClassVar[type[BaseModel]] = HostTimeReport
    Settings: ClassVar[type[FlowSettings]] = ServiceSettings
    settings_flow: ClassVar[str | None] = SETTINGS_FLOW
    base: ClassVar[bool] = True
    order: ClassVar[int] = 260
    # A lost answer is looked up by employee, day and cause before anything is written again.
    natural_key: ClassVar[tuple[str, ...]] = ("employee_id", "date", "cause_code")
    natural_key_search: ClassVar[Mapping[str, str]] = {"employee_id": "employeeid", "date": "date"}
    date_field: ClassVar[str] = "date"
    #: The application's technicians and cost centres, as Fortnox knows them (``mappings.py``).
    mapping_kinds: ClassVar[tuple[MappingKind, ...]] = (EMPLOYEE_MAPPING, COST_CENTER_MAPPING)

    def map(self, record: Mapping[str, Any]) -> dict[str, Any]:
        """Time report → attendance transaction fields (employee and cost centre as the
        tenant's mappings translate them)."""
        record = with_cost_centers(self.mappings, record)
        fields = {
            "employee_id": employee_id(self.mappings, record["employee_number"]),
            "date": str(record["date"]),
            "cause_code": to_fortnox(str(record["code"])).fortnox,
            "hours": str(record["hours"]),
            "project": record.get("project"),
            "cost_center": record.get("cost_center"),
        }
        return {key: value for key, value in fields.items() if value not in (None, "")}

    def paused(self) -> str | None:
        """Off until the tenant turns ``time_reports`` on."""
        return None if getattr(self.settings, "time_reports", False) else "time_reports is off"

    def reference(self, external_id: str, record: Mapping[str, Any] | None) -> str:
        """``time report t-7 (employee 12, 2026-03-02, TID)``."""
        if not record:
            return f"time report {external_id}"
        return (
            f"time report {external_id} (employee {record.get('employee_number')}, "
            f"{record.get('date')}, {record.get('code')})"
        )
