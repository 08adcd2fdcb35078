"""Small operations the engine and the rules share: find, store, answer, date checks."""

from __future__ import annotations

from datetime import date

from starlette.responses import JSONResponse, Response

from fortnox_bridge.sandbox.clock import stockholm_stamp
from fortnox_bridge.sandbox.messages import LOCKED_PERIOD, NO_FINANCIAL_YEAR, not_found, refuse
from fortnox_bridge.sandbox.registers.render import render
from fortnox_bridge.sandbox.registers.spec import Ctx, Record

FINANCIAL_YEARS = "financialyears"


def find(ctx: Ctx, record_id: str) -> Record:
    """The record ``record_id`` of the context's resource, or its PascalCase 404."""
    record = ctx.register(ctx.resource.name).records.get(record_id)
    if record is None:
        raise not_found(ctx.resource.spec.not_found)
    return record


def store(ctx: Ctx, record_id: str, record: Record, register: str | None = None) -> None:
    """Save ``record``, stamped with the sandbox time (for ``lastmodified``)."""
    target = ctx.register(register or ctx.resource.name)
    target.put(record_id, record, stockholm_stamp(ctx.now))


def answer(ctx: Ctx, record: Record, status: int = 200) -> Response:
    """``{"<Single>": record}`` rendered."""
    return JSONResponse({ctx.resource.single_key: render(ctx, record)}, status_code=status)


def check_dated(ctx: Ctx, when: date) -> None:
    """Refuse a write dated in the locked period or outside every financial year."""
    end = ctx.company.settings.locked_period_end
    if end is not None and when <= end:
        raise refuse(LOCKED_PERIOD, end=end.isoformat(), value=when.isoformat())
    if financial_year(ctx, when) is None:
        raise refuse(NO_FINANCIAL_YEAR, value=when.isoformat())


def financial_year(ctx: Ctx, when: date) -> Record | None:
    """The financial year that contains ``when``."""
    text = when.isoformat()
    for year in ctx.register(FINANCIAL_YEARS).records.values():
        if str(year.get("FromDate", "")) <= text <= str(year.get("ToDate", "")):
            return year
    return None


def parse_date(value: object) -> date | None:
    """A stored ``YYYY-MM-DD`` value as a date (``None`` when unset or malformed)."""
    if not isinstance(value, str) or len(value) != 10:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        return None
