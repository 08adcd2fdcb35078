"""Financial years (no overlap; ``?date=``) and the locked period (``/3/settings/lockedperiod``)."""

from __future__ import annotations

from starlette.datastructures import QueryParams
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Route

from fortnox_bridge.sandbox.messages import INVALID_PARAMETER, NOT_ALLOWED, YEAR_OVERLAPS, refuse
from fortnox_bridge.sandbox.registers.engine import bind
from fortnox_bridge.sandbox.registers.ops import parse_date
from fortnox_bridge.sandbox.registers.resource import Resource
from fortnox_bridge.sandbox.registers.spec import Ctx, Record, Rules
from fortnox_bridge.sandbox.rules.sie import sie_routes
from fortnox_bridge.sandbox.state import SandboxState


class FinancialYearRules(Rules):
    """A year runs from ``FromDate`` to ``ToDate`` and overlaps no other year."""

    def routes(self, state: SandboxState, resource: Resource) -> list[BaseRoute]:
        """The SIE export of a year (:mod:`~fortnox_bridge.sandbox.rules.sie`)."""
        return sie_routes(state, resource)

    def prepare(self, ctx: Ctx, record: Record, sent: Record, old: Record | None) -> None:
        """Refuse reversed or overlapping years."""
        start, end = parse_date(record.get("FromDate")), parse_date(record.get("ToDate"))
        if start is None or end is None or start > end:
            raise refuse(NOT_ALLOWED, field="ToDate", value=record.get("ToDate"))
        for other_id, other in ctx.register(ctx.resource.name).records.items():
            if other_id == str(record.get("Id")):
                continue
            if str(other["FromDate"]) <= end.isoformat() and start.isoformat() <= str(
                other["ToDate"]
            ):
                raise refuse(YEAR_OVERLAPS)

    def narrow(
        self, ctx: Ctx, params: QueryParams, rows: list[tuple[str, Record]]
    ) -> list[tuple[str, Record]]:
        """``?date=YYYY-MM-DD`` (lower-case works; the SPEC spells it ``Date``)."""
        raw = params.get("date", params.get("Date"))
        if raw is None:
            return rows
        day = parse_date(raw)
        if day is None:
            raise refuse(INVALID_PARAMETER)
        text = day.isoformat()
        return [(k, r) for k, r in rows if str(r["FromDate"]) <= text <= str(r["ToDate"])]


class LockedPeriodRules(Rules):
    """``GET /3/settings/lockedperiod`` → ``{"LockedPeriod": {"EndDate": ...}}`` (null: none)."""

    def routes(self, state: SandboxState, resource: Resource) -> list[BaseRoute]:
        """The single read-only route."""

        async def read(ctx: Ctx, request: Request) -> Response:
            end = ctx.company.settings.locked_period_end
            body = {"EndDate": end.isoformat() if end else None}
            return JSONResponse({resource.single_key: body})

        return [Route(resource.desc.path, bind(state, resource, read), methods=["GET"])]
