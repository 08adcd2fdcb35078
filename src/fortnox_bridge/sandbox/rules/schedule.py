"""Schedule times: one employee's scheduled hours on one day, derived from the employee's
schedule (``HEL`` = 8 h Monday–Friday), changed with PUT and restored with ``resetday``.
Changed days are kept in the ``scheduletimes`` register."""

from __future__ import annotations

from datetime import date

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from fortnox_bridge.sandbox.endpoint import read_wrapped
from fortnox_bridge.sandbox.messages import INVALID_DATE, NOT_ALLOWED, not_found, refuse
from fortnox_bridge.sandbox.registers.engine import bind
from fortnox_bridge.sandbox.registers.ops import answer, store
from fortnox_bridge.sandbox.registers.render import number_text, to_number
from fortnox_bridge.sandbox.registers.resource import Resource
from fortnox_bridge.sandbox.registers.spec import Ctx, Record, Rules
from fortnox_bridge.sandbox.registers.writes import merge, read_fields
from fortnox_bridge.sandbox.rules.employee import schedule_on
from fortnox_bridge.sandbox.state import SandboxState

EMPLOYEE_NOT_FOUND = (2000436, "Kan inte hitta den anställde.")
#: Hours per weekday (Monday first) of the schedules the sandbox knows.
SCHEDULES = {
    "HEL": (8, 8, 8, 8, 8, 0, 0),  # full time
    "DEL": (4, 4, 4, 4, 4, 0, 0),  # half time
    "DEL75": (6, 6, 6, 6, 6, 0, 0),
    "TIM": (0, 0, 0, 0, 0, 0, 0),  # paid by the hour, no schedule
}
EXTRA = ("IWH1", "IWH2", "IWH3", "IWH4", "IWH5")


class ScheduleTimeRules(Rules):
    """``GET|PUT /3/scheduletimes/{EmployeeId}/{Date}`` and ``PUT .../resetday``."""

    def routes(self, state: SandboxState, resource: Resource) -> list[BaseRoute]:
        """The three schedule-time routes."""
        path = resource.desc.path + "/{employee_id}/{day}"

        async def read(ctx: Ctx, request: Request) -> Response:
            return answer(ctx, day_record(ctx, *_target(ctx, request)))

        async def change(ctx: Ctx, request: Request) -> Response:
            employee_id, day = _target(ctx, request)
            sent = read_fields(resource, await read_wrapped(request, resource.single_key))
            for name in ("EmployeeId", "Date"):
                sent.pop(name, None)  # the path names the employee and the day
            changed = merge(day_record(ctx, employee_id, day), sent)
            hours = to_number(changed.get("Hours"))
            if hours is None or not 0 <= hours <= 24:
                raise refuse(NOT_ALLOWED, field="Hours", value=changed.get("Hours"))
            store(ctx, _key(employee_id, day), changed)
            return answer(ctx, changed)

        async def reset(ctx: Ctx, request: Request) -> Response:
            employee_id, day = _target(ctx, request)
            ctx.register(resource.name).remove(_key(employee_id, day))
            return answer(ctx, day_record(ctx, employee_id, day))

        return [
            Route(path, bind(state, resource, read), methods=["GET"]),
            Route(path, bind(state, resource, change), methods=["PUT"]),
            Route(path + "/resetday", bind(state, resource, reset), methods=["PUT"]),
        ]


def day_record(ctx: Ctx, employee_id: str, day: date) -> Record:
    """The changed day if there is one, else the day as the employee's schedule says."""
    changed = ctx.register(ctx.resource.name).records.get(_key(employee_id, day))
    if changed is not None:
        return changed
    employee = ctx.record("employees", employee_id) or {}
    schedule = schedule_on(employee, day.isoformat())
    hours = SCHEDULES.get(schedule or "", (0,) * 7)[day.weekday()]
    record: Record = {
        "EmployeeId": employee_id,
        "Date": day.isoformat(),
        "ScheduleId": schedule or "",
        "Hours": number_text(hours),
    }
    record.update(dict.fromkeys(EXTRA, "0"))
    return record


def _target(ctx: Ctx, request: Request) -> tuple[str, date]:
    employee_id = request.path_params["employee_id"]
    if ctx.record("employees", employee_id) is None:
        raise not_found(EMPLOYEE_NOT_FOUND)
    raw = request.path_params["day"]
    try:
        return employee_id, date.fromisoformat(raw)
    except ValueError:
        raise refuse(INVALID_DATE, field="Date", value=raw) from None


def _key(employee_id: str, day: date) -> str:
    return f"{employee_id}/{day.isoformat()}"
