"""Paging parameters of every list (the envelope is :class:`~fortnox_bridge.api.schemas.Page`);
the paging itself is :mod:`fortnox_bridge.services.paging`."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Query
from fastapi.exceptions import RequestValidationError

from fortnox_bridge.services.paging import (
    DEFAULT_LIMIT,
    MAX_ID,
    decode_cursor,
    encode_cursor,
    in_memory,
    keyset,
)

__all__ = [
    "DEFAULT_LIMIT",
    "MAX_ID",
    "Cursor",
    "Limit",
    "decode_cursor",
    "encode_cursor",
    "in_memory",
    "invalid",
    "keyset",
]

Limit = Annotated[int, Query(ge=1, le=1000, description="Items per page (1..1000).")]
Cursor = Annotated[
    str | None,
    Query(description="The next_cursor of the previous page; leave out for the first page."),
]


def invalid(
    loc: tuple[str | int, ...], message: str, kind: str, value: Any
) -> RequestValidationError:
    """A 422 for one field of the request, in the API's field-level shape."""
    return RequestValidationError([{"type": kind, "loc": loc, "msg": message, "input": value}])
