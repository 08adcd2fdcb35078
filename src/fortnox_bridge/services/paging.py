"""Paging of every list the services hand out (the API's envelope is ``Page``).

``?limit=`` (1..1000, default 100 in the API) sets the page size; ``?cursor=`` continues after
the last item of the previous page. Cursors are opaque (base64 of a small JSON value) and only
ever narrow a query that is already limited to the caller's tenant, so a cursor cannot reach
another tenant's data. Pages follow a unique key, so items added while a client pages are never
skipped or repeated.
"""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Callable, Sequence
from typing import Any, TypeVar

from sqlalchemy import Select
from sqlalchemy.orm import InstrumentedAttribute, Session

from fortnox_bridge.services.errors import InvalidInput

T = TypeVar("T")
Row = TypeVar("Row")

DEFAULT_LIMIT = 100
#: The largest id the store hands out (a 32-bit integer column on PostgreSQL).
MAX_ID = 2**31 - 1


def encode_cursor(position: Any) -> str:
    """An opaque cursor for ``position`` (a JSON value)."""
    raw = json.dumps(position, separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(cursor: str | None) -> Any:
    """The position in ``cursor`` (``None`` for the first page); :class:`InvalidInput` for a
    cursor we never made."""
    if cursor is None:
        return None
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        return json.loads(base64.urlsafe_b64decode(padded.encode()))
    except (binascii.Error, ValueError, UnicodeDecodeError):
        raise _bad_cursor(cursor) from None


def _bad_cursor(cursor: str) -> InvalidInput:
    return InvalidInput(
        "not a cursor of this list: pass next_cursor of the previous page unchanged, or leave "
        "it out to start again",
        code="invalid_cursor",
        field=("query", "cursor"),
        value=cursor,
    )


def _int_position(cursor: str | None) -> int | None:
    position = decode_cursor(cursor)
    if position is None or (isinstance(position, int) and 0 <= position <= MAX_ID + 1):
        return position
    raise _bad_cursor(str(cursor))


def keyset(
    session: Session,
    query: Select[Row],
    key: InstrumentedAttribute[int],
    *,
    limit: int,
    cursor: str | None,
    newest_first: bool = False,
) -> tuple[list[Row], str | None]:
    """One page of ``query`` ordered by the unique integer column ``key``."""
    after = _int_position(cursor)
    if after is not None:
        query = query.where(key < after if newest_first else key > after)
    ordered = query.order_by(key.desc() if newest_first else key).limit(limit + 1)
    rows = list(session.scalars(ordered))
    if len(rows) <= limit:
        return rows, None
    rows = rows[:limit]
    return rows, encode_cursor(int(getattr(rows[-1], key.key)))


def in_memory(
    items: Sequence[T], name_of: Callable[[T], str], *, limit: int, cursor: str | None
) -> tuple[list[T], str | None]:
    """One page of an ordered list whose items have unique names."""
    after = decode_cursor(cursor)
    if after is not None and not isinstance(after, str):
        raise _bad_cursor(str(cursor))
    start = 0
    if after is not None:
        names = [name_of(item) for item in items]
        start = names.index(after) + 1 if after in names else len(items)
    chosen = list(items[start : start + limit])
    more = start + limit < len(items)
    return chosen, encode_cursor(name_of(chosen[-1])) if more and chosen else None
