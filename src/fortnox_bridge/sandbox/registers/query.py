"""List requests: ``limit``/``page``/``offset``, ``filter``, search parameters, ``fromdate`` and
``todate``, ``lastmodified``, ``sortby``/``sortorder``.

Search parameters match case-insensitively as substrings; an unknown ``filter`` answers 2000587,
a bad paging, sort or date parameter 2000588. Unknown parameters are ignored.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from starlette.datastructures import QueryParams

from fortnox_bridge.sandbox.messages import INVALID_FILTER, INVALID_PARAMETER, refuse
from fortnox_bridge.sandbox.registers.spec import Ctx, Record

MAX_LIMIT = 500


def paging(params: QueryParams) -> tuple[int, int, int]:
    """``(page, limit, offset)``, validated as Fortnox does (limit 1–500)."""
    try:
        limit = int(params.get("limit", "100"))
        page = int(params.get("page", "1"))
        offset = int(params.get("offset", "0"))
    except ValueError:
        raise refuse(INVALID_PARAMETER) from None
    if not 1 <= limit <= MAX_LIMIT or page < 1 or offset < 0:
        raise refuse(INVALID_PARAMETER)
    return page, limit, offset


def select(ctx: Ctx, params: QueryParams) -> list[tuple[str, Record]]:
    """The records a list request asks for, in order, before paging."""
    spec = ctx.resource.spec
    register = ctx.register(ctx.resource.name)
    rows = sorted(register.records.items(), key=natural)
    wanted = params.get("filter")
    if wanted is not None:
        if wanted not in spec.filters:
            raise refuse(INVALID_FILTER)
        rows = [(k, r) for k, r in rows if spec.filters[wanted](ctx, r)]
    for param, field in spec.search.items():
        needle = params.get(param)
        if needle is not None:
            needle = needle.casefold()
            rows = [(k, r) for k, r in rows if needle in _text(r.get(field)).casefold()]
    for param, field in spec.exact_search.items():
        value = params.get(param)
        if value is not None:
            rows = [(k, r) for k, r in rows if _text(r.get(field)) == value]
    rows = _dates(ctx, params, rows)
    rows = _modified(ctx, params, rows)
    return _sorted(ctx, params, rows)


def natural(item: tuple[str, Record]) -> tuple[int, int, str]:
    """Numbers in numeric order, then other ids case-insensitively (Fortnox's default order)."""
    key = item[0]
    return (0, int(key), "") if key.isdigit() else (1, 0, key.casefold())


def _text(value: Any) -> str:
    return "" if value is None else str(value)


def _dates(
    ctx: Ctx, params: QueryParams, rows: list[tuple[str, Record]]
) -> list[tuple[str, Record]]:
    field = ctx.resource.spec.date_field
    low, high = params.get("fromdate"), params.get("todate")
    if field is None or (low is None and high is None):
        return rows
    for bound in (low, high):
        if bound is not None and not _is_date(bound):
            raise refuse(INVALID_PARAMETER)
    return [
        (k, r)
        for k, r in rows
        if (low is None or _text(r.get(field)) >= low)
        and (high is None or _text(r.get(field)) <= high)
    ]


def _modified(
    ctx: Ctx, params: QueryParams, rows: list[tuple[str, Record]]
) -> list[tuple[str, Record]]:
    raw = params.get("lastmodified")
    if raw is None:
        return rows
    if not ctx.resource.spec.lastmodified:
        raise refuse(INVALID_PARAMETER)  # e.g. currencies?lastmodified=
    since = _timestamp(raw)
    stamps = ctx.register(ctx.resource.name).modified
    # Inclusive boundary: Fortnox's is UNCONFIRMED; inclusive never loses a change.
    return [(k, r) for k, r in rows if stamps.get(k, "") >= since]


def _timestamp(raw: str) -> str:
    for pattern in ("%Y-%m-%d %H:%M:%S", "%Y-%m-%d %H:%M", "%Y-%m-%d"):
        try:
            return datetime.strptime(raw.strip(), pattern).strftime("%Y-%m-%d %H:%M:%S")
        except ValueError:
            continue
    raise refuse(INVALID_PARAMETER)


def _sorted(
    ctx: Ctx, params: QueryParams, rows: list[tuple[str, Record]]
) -> list[tuple[str, Record]]:
    sortby, order = params.get("sortby"), params.get("sortorder", "ascending")
    if order not in ("ascending", "descending"):
        raise refuse(INVALID_PARAMETER)
    if sortby is not None:
        field = ctx.resource.spec.sort.get(sortby)
        if field is None:
            raise refuse(INVALID_PARAMETER)
        rows = sorted(rows, key=lambda item: _sort_key(item[1].get(field)))
    return list(reversed(rows)) if order == "descending" else rows


def _sort_key(value: Any) -> tuple[int, float, str]:
    if isinstance(value, int | float) and not isinstance(value, bool):
        return (0, float(value), "")
    text = _text(value)
    try:
        return (0, float(text), "")
    except ValueError:
        return (1, 0.0, text.casefold())


def _is_date(text: str) -> bool:
    try:
        datetime.strptime(text, "%Y-%m-%d")
    except ValueError:
        return False
    return True


def paged(list_key: str, items: list[Record], page: int, limit: int, total: int) -> Record:
    """A list body with ``MetaInformation`` as real Fortnox sends it (0 pages when empty)."""
    return {
        "MetaInformation": {
            "@TotalResources": total,
            "@TotalPages": (total + limit - 1) // limit,
            "@CurrentPage": page,
        },
        list_key: items,
    }
