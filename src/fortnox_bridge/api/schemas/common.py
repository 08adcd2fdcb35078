"""Shapes every part of the API shares: the error answer, the health check, a page of a list."""

from __future__ import annotations

from typing import Generic, Literal, TypeVar

from pydantic import BaseModel, Field


class Problem(BaseModel):
    """An error answer: what went wrong and how to fix it."""

    error: str
    detail: str


class Health(BaseModel):
    """``GET /healthz``."""

    status: Literal["ok"]
    database: Literal["ok"]


ItemT = TypeVar("ItemT")


class Page(BaseModel, Generic[ItemT]):
    """One page of a list: the items and the cursor of the next page (``null`` on the last)."""

    data: list[ItemT]
    next_cursor: str | None = Field(
        description="Pass as ?cursor= to read the next page; null when this is the last page."
    )
