"""``/3/scheduletimes/{EmployeeId}/{Date}``: GET, PUT and ``PUT .../resetday``."""

from __future__ import annotations

from fortnox_bridge.sandbox.registers.spec import ResourceSpec
from fortnox_bridge.sandbox.rules.schedule import ScheduleTimeRules

RESOURCE = ResourceSpec(
    module="schedule_time",
    scope="salary",
    not_found=(2000436, "Kan inte hitta den anställde."),
    rules=ScheduleTimeRules(),
)
