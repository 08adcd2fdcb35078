"""Response shapes of the REST API (request shapes are the flows' host record models)."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel


class RecordOut(BaseModel):
    """A host record as the bridge's mirror holds it."""

    entity: str
    external_id: str
    version: int
    status: Literal["created", "updated", "unchanged"] | None = None
    updated_at: datetime
    data: dict[str, Any]


class Problem(BaseModel):
    """An error answer: what went wrong and how to fix it."""

    error: str
    detail: str


class Health(BaseModel):
    """``GET /healthz``."""

    status: Literal["ok"]
    database: Literal["ok"]
