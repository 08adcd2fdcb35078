"""Problems, conflicts, runs and the status of a tenant."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, Field


class ProblemOut(BaseModel):
    """A problem of the tenant: what failed, for which record, and how to fix it."""

    id: int
    flow: str
    entity: str
    reference: str
    external_id: str
    code: int | None = Field(description="Fortnox's error code, if it gave one.")
    status: int | None = Field(description="The HTTP status Fortnox answered with, if any.")
    message: str = Field(description="What Fortnox said (usually Swedish).")
    explanation: str
    fix: str
    first_seen: datetime
    last_seen: datetime
    count: int
    state: Literal["open", "resolved", "ignored"]
    resolved_at: datetime | None
    ignored_at: datetime | None


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
    status: Literal["open", "resolved"]
    resolution: str | None = Field(
        description="Who won: bridge or fortnox, or mixed when decided per field; agreed when "
        "both sides came to hold the same values as read (once resolved)."
    )
    created_at: datetime
    resolved_at: datetime | None


class Resolution(BaseModel):
    """Which side wins a conflict."""

    winner: Literal["bridge", "fortnox"]


class ResolutionOut(BaseModel):
    """The fields and values that won."""

    id: int
    winner: str
    values: dict[str, Any]


class Progress(BaseModel):
    """How far a job is: items done of the total."""

    done: int
    total: int


class RunOut(BaseModel):
    """One run of the tenant (sweep, push or re-sync)."""

    id: int
    kind: str
    flow: str | None
    status: str
    started_at: datetime
    finished_at: datetime | None
    counts: dict[str, Any]
    requests: int
    progress: Progress
    cancel_requested: bool = False
    error: str | None


class RunItemOut(BaseModel):
    """What a run did with one record."""

    id: int
    flow: str
    external_id: str
    action: str
    outcome: str
    reason: str
    fortnox_id: str | None
    code: int | None


class RunDetail(RunOut):
    """A run with its parameters (its item log is ``GET /api/v1/runs/{run_id}/items``)."""

    params: dict[str, Any]


class FamilyCheckOut(BaseModel):
    """One part of a family's light."""

    name: Literal["connection", "scopes", "licence", "last_sync"]
    ok: bool
    code: str = Field(description="A stable code of the answer, e.g. ``scopes_missing``.")
    detail: str


class FamilyStatusOut(BaseModel):
    """The light of one flow family the tenant uses."""

    family: str
    light: Literal["green", "red"]
    reason: FamilyCheckOut = Field(
        description="Why the light is red (the first failed check), else the last check."
    )
    checks: list[FamilyCheckOut]


class StreamOut(BaseModel):
    """The stream of Fortnox's WebSocket topics of one Fortnox app."""

    app: str = Field(description="The Fortnox app's client id (one stream for all its tenants).")
    connected: bool
    since: datetime = Field(description="When the stream became connected (or stopped).")
    lag_seconds: dict[str, float] = Field(
        description="Per topic: seconds the oldest change not yet read has waited (0: none)."
    )
    events_last_minute: int


class RealtimeOut(BaseModel):
    """Changes streamed from Fortnox as they happen (see docs/realtime.md)."""

    streams: list[StreamOut] = Field(
        description="The stream of the Fortnox app the tenant is connected through (empty: "
        "no stream reported yet; changes come with the sweeps)."
    )
    sweeps_stretched: bool = Field(
        description="Sweeps run the tenant's sweep factor times less often (a stream is healthy)."
    )


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
    families: list[FamilyStatusOut] = Field(
        description="Per flow family the tenant uses: green when it works, red with the reason."
    )
    realtime: RealtimeOut
