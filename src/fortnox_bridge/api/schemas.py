"""Response and request shapes of the REST API (record shapes are the flows' host record models)."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Generic, Literal, TypeVar

from pydantic import BaseModel, Field


class RecordOut(BaseModel):
    """A host record as the bridge's mirror holds it."""

    entity: str
    external_id: str
    version: int
    status: Literal["created", "updated", "unchanged", "deleted"] | None = None
    deleted: bool = False
    #: ``host`` or ``fortnox`` (changed in Fortnox and picked up by a pull flow).
    origin: str = "host"
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


class ProblemOut(BaseModel):
    """An open problem of the tenant."""

    id: int
    flow: str
    reference: str
    external_id: str
    code: int | None
    status: int | None
    message: str = Field(description="What Fortnox said (usually Swedish).")
    explanation: str
    fix: str
    first_seen: datetime
    last_seen: datetime
    count: int


class ConflictOut(BaseModel):
    """Fields changed on both sides, waiting for a decision."""

    id: int
    flow: str
    entity: str
    external_id: str
    fortnox_id: str
    fields: dict[str, dict[str, Any]] = Field(
        description="Per field: the last agreed value (base), the bridge's and Fortnox's."
    )
    created_at: datetime


class Resolution(BaseModel):
    """Which side wins a conflict."""

    winner: Literal["bridge", "fortnox"]


class ResolutionOut(BaseModel):
    """The fields and values that won."""

    id: int
    winner: str
    values: dict[str, Any]


class RunOut(BaseModel):
    """One run of the tenant."""

    id: int
    kind: str
    flow: str | None
    status: str
    started_at: datetime
    finished_at: datetime | None
    counts: dict[str, Any]
    requests: int
    progress_done: int
    progress_total: int
    cancel_requested: bool = False
    error: str | None


class RunItemOut(BaseModel):
    """What a run did with one record."""

    flow: str
    external_id: str
    action: str
    outcome: str
    reason: str
    fortnox_id: str | None
    code: int | None


class RunDetail(RunOut):
    """A run with its item log."""

    params: dict[str, Any]
    items: list[RunItemOut]


class StatusOut(BaseModel):
    """The tenant's connection, last runs and what needs attention."""

    tenant: str
    connection: str
    disconnected_at: datetime | None
    resync_proposals: list[dict[str, Any]]
    facts_checked_at: str | None
    open_problems: int
    open_conflicts: int
    last_runs: list[RunOut]


class Queued(BaseModel):
    """A job was queued."""

    queued: bool
    job: dict[str, Any]


ItemT = TypeVar("ItemT")


class Page(BaseModel, Generic[ItemT]):
    """One page of a list: the items and the cursor of the next page (``null`` on the last)."""

    data: list[ItemT]
    next_cursor: str | None = Field(
        description="Pass as ?cursor= to read the next page; null when this is the last page."
    )
