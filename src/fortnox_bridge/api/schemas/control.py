"""Sync now, re-sync, the connection, the pre-flight check, flows and mappings."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from fortnox_bridge.api.schemas.operations import Progress
from fortnox_bridge.engine.maintenance.resync_targets import MAX_RESYNC_DAYS, interval_too_long


class Queued(BaseModel):
    """A job was queued."""

    queued: bool
    job: dict[str, Any]


class SyncRequest(BaseModel):
    """``POST /api/v1/sync``."""

    model_config = ConfigDict(extra="forbid")

    flows: list[str] | None = Field(
        default=None,
        description="Only these flows (queued, waited for or planned); default: every enabled "
        "flow.",
    )
    dry_run: bool = Field(
        default=False, description="Plan only, write nothing; the answer carries the plan."
    )
    wait: bool = Field(default=False, description="Answer when the run has finished.")


class SyncCounts(BaseModel):
    """What a run did, summed over its flows."""

    created: int
    updated: int
    deleted: int
    unchanged: int
    failed: int


class PlannedItem(BaseModel):
    """What a real run would do with one record, and why."""

    flow: str
    external_id: str
    action: str
    reason: str
    reference: str


class SyncResult(BaseModel):
    """A finished run (``wait``) or its plan (``dry_run``)."""

    run_id: int | None = Field(description="The run's id; null for a dry run or an idle sweep.")
    status: Literal["succeeded", "partial", "failed"]
    dry_run: bool
    counts: SyncCounts
    error: str | None = Field(description="Why the run could not run at all, or null.")
    plan: list[PlannedItem] | None = Field(description="Dry runs: every record a run would touch.")


class Interval(BaseModel):
    """A closed date interval."""

    model_config = ConfigDict(populate_by_name=True)

    from_: date = Field(alias="from")
    to: date


class ResyncRequest(BaseModel):
    """``POST /api/v1/resync``: remove what the bridge wrote in an interval, write it again."""

    model_config = ConfigDict(extra="forbid", populate_by_name=True)

    flow: str = Field(
        description="What to re-sync: a family (payroll: attendance and absence together) or "
        "one dated push flow."
    )
    from_: date = Field(alias="from", description="First day.")
    to: date = Field(
        description=f"Last day (the interval is widened to whole periods); at most "
        f"{MAX_RESYNC_DAYS} days after 'from', both included."
    )
    dry_run: bool = Field(default=False, description="Answer with the plan; change nothing.")

    @model_validator(mode="after")
    def _ordered(self) -> ResyncRequest:
        if self.to < self.from_:
            raise ValueError(f"'to' ({self.to}) is before 'from' ({self.from_})")
        too_long = interval_too_long(self.from_, self.to)
        if too_long is not None:
            raise ValueError(too_long)
        return self


class ResyncPlanOut(BaseModel):
    """What a re-sync deletes, writes again and leaves alone."""

    to_delete: list[str] = Field(description="Host ids whose Fortnox record is deleted first.")
    to_write: list[str] = Field(description="Host ids written again from current data.")
    not_ours: list[dict[str, Any]] = Field(
        description="Fortnox records in the interval the bridge did not create: left alone."
    )


class ResyncJob(BaseModel):
    """A re-sync job; follow it at ``GET /api/v1/runs/{run_id}``."""

    run_id: int | None = Field(description="The job's run; null for a dry run.")
    status: str
    flow: str = Field(description="What is re-synced: a family or one flow.")
    flows: list[str] = Field(default=[], description="The flows it covers.")
    requested: Interval
    interval: Interval = Field(description="The interval widened to whole periods of the flow.")
    progress: Progress
    plan: ResyncPlanOut | None = None


class ConnectionOut(BaseModel):
    """The tenant's Fortnox connection (never its tokens)."""

    state: str = Field(
        description="not_connected, pending_auth, active, needs_reauth, revoked, paused or "
        "missing_licence."
    )
    since: datetime | None = Field(description="When the connection entered this state.")
    disconnected_at: datetime | None
    fortnox_tenant_id: int | None
    scopes: list[str]
    last_error: str | None
    resync_proposals: list[dict[str, Any]]
    facts_checked_at: str | None


class ConsentRequest(BaseModel):
    """``POST /api/v1/connection/consent``: where Fortnox sends the administrator back."""

    model_config = ConfigDict(extra="forbid")

    redirect_uri: str | None = Field(
        default=None,
        min_length=1,
        max_length=2000,
        description="Your page that receives ?code=..&state=..; with a Fortnox app it must be "
        "the app's registered redirect URI (the bridge's fortnox_redirect_uri, the default).",
    )
    state: str = Field(
        min_length=1,
        max_length=500,
        description="An unguessable value of yours, sent back with the code: check it there.",
    )


class ConsentUrl(BaseModel):
    """The Fortnox approval page to send the tenant's Fortnox administrator to."""

    url: str
    redirect_uri: str = Field(description="Where Fortnox will send the administrator back.")


class ConnectIn(BaseModel):
    """``POST /api/v1/connection``: an approval code from Fortnox's redirect."""

    model_config = ConfigDict(extra="forbid")

    code: str = Field(min_length=1, max_length=2000, description="The code Fortnox sent back.")
    redirect_uri: str | None = Field(
        default=None,
        min_length=1,
        max_length=2000,
        description="The redirect URI the approval was asked with (as in the consent request).",
    )
    confirm_shared_company: bool = Field(
        default=False,
        description="Connect even when another tenant of this bridge is connected to the same "
        "Fortnox company (both then write to it); without it that is a 409.",
    )


class DisconnectOut(BaseModel):
    """What disconnecting did, in the bridge and at Fortnox."""

    state: str = Field(description="revoked: nothing is synchronised any more.")
    at_fortnox: Literal["revoked", "none", "failed"] = Field(
        description="revoked: Fortnox revoked the refresh token; none: there was none to "
        "revoke; failed: Fortnox did not confirm (detail says why): disconnect again to retry."
    )
    detail: str


class ServiceAccountIn(BaseModel):
    """``POST /api/v1/connection/service-account``: connect with client credentials."""

    model_config = ConfigDict(extra="forbid")

    fortnox_tenant_id: int = Field(
        ge=1,
        le=2**31 - 1,
        description="The company's Fortnox TenantId (the administrator finds it in Fortnox, or "
        "it came with the service account's approval).",
    )
    client_id: str | None = Field(
        default=None,
        min_length=1,
        max_length=200,
        description="The app that was approved as a service account; default: the bridge's own.",
    )
    client_secret: str | None = Field(
        default=None,
        min_length=1,
        max_length=500,
        description="The app's secret (with client_id); kept encrypted with the connection.",
    )

    @model_validator(mode="after")
    def _both_or_neither(self) -> ServiceAccountIn:
        if (self.client_id is None) != (self.client_secret is None):
            raise ValueError(
                "give client_id and client_secret together, or neither to use the bridge's app"
            )
        return self


class CheckOut(BaseModel):
    """One line of the pre-flight checklist."""

    name: str
    ok: bool
    status: Literal["ok", "warn", "fail"]
    message: str
    fix: str


class ChecklistOut(BaseModel):
    """The pre-flight checklist."""

    checked_at: datetime
    ok: bool
    checks: list[CheckOut]


class FlowOut(BaseModel):
    """A flow and its configuration for the tenant."""

    name: str
    family: str = Field(description="The flow family (hr, payroll, projects).")
    base: bool = Field(
        description="A base flow of its family: on whenever the tenant uses the family, and "
        "cannot be turned off."
    )
    entity: str
    direction: Literal["push", "pull"]
    description: str
    enabled: bool
    configured: bool = Field(description="Whether the tenant changed it (else: the defaults).")
    settings: dict[str, Any]
    settings_schema: dict[str, Any] = Field(description="JSON schema of the settings.")
    last_synced_at: datetime | None = Field(
        default=None,
        description="When the flow last ran through a sync without a failure (null: never). "
        "A sweep that finds nothing to do at all does not move it.",
    )
    settings_flow: str | None = Field(
        default=None,
        description="The flow whose settings this flow runs with (change them there: this "
        "flow refuses settings of its own with 422 settings_shared); null: its own.",
    )


class FlowPatch(BaseModel):
    """``PATCH /api/v1/flows/{flow_name}``: turn a flow on or off, change some settings."""

    model_config = ConfigDict(extra="forbid")

    enabled: bool | None = None
    settings: dict[str, Any] | None = Field(
        default=None, description="Settings to change; the others keep their values."
    )


class MappingOut(BaseModel):
    """One local value and its Fortnox value (or its exclusion)."""

    kind: str
    local_value: str
    fortnox_value: str | None
    excluded: bool
    updated_at: datetime


class MappingIn(BaseModel):
    """``PUT /api/v1/mappings/{kind}/{local_value}``."""

    model_config = ConfigDict(extra="forbid")

    fortnox_value: str | None = Field(default=None, min_length=1, max_length=200)
    excluded: bool = False

    @model_validator(mode="after")
    def _something(self) -> MappingIn:
        if self.fortnox_value is None and not self.excluded:
            raise ValueError("give fortnox_value, or excluded: true to never send this value")
        return self
