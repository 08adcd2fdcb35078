"""``/3/scheduletimes/{EmployeeId}/{Date}``: an employee's scheduled hours on one day."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from typing import Any
from urllib.parse import quote

from fortnox_bridge.fortnox.models.schedule_time import ScheduleTime
from fortnox_bridge.fortnox.resources.base import Requester, describe


class ScheduleTimeResource:
    """Read, change or reset the schedule of one employee on one day."""

    description = describe("schedule_time")

    def __init__(self, client: Requester) -> None:
        self._client = client

    def _path(self, employee_id: str, day: date) -> str:
        return f"{self.description.path}/{quote(employee_id, safe='')}/{day.isoformat()}"

    async def get(self, employee_id: str, day: date) -> ScheduleTime:
        """The scheduled hours of ``employee_id`` on ``day``."""
        data = await self._client.request("GET", self._path(employee_id, day))
        return ScheduleTime.model_validate(data["ScheduleTime"])

    async def update(self, employee_id: str, day: date, changes: Mapping[str, Any]) -> ScheduleTime:
        """Change the day (e.g. ``{"hours": "4"}``)."""
        body = {"ScheduleTime": ScheduleTime.wire_fields(changes, blank_none=True)}
        data = await self._client.request("PUT", self._path(employee_id, day), body=body)
        return ScheduleTime.model_validate(data["ScheduleTime"])

    async def reset_day(self, employee_id: str, day: date) -> ScheduleTime:
        """Put the day back to what the employee's schedule says."""
        data = await self._client.request("PUT", f"{self._path(employee_id, day)}/resetday")
        return ScheduleTime.model_validate(data["ScheduleTime"])
