"""Response and request shapes of the REST API (record shapes are the flows' host record models)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any, Generic, Literal, TypeVar

from pydantic import BaseModel, ConfigDict, EmailStr, Field, model_validator

from fortnox_bridge.engine.maintenance.resync_targets import MAX_RESYNC_DAYS, interval_too_long


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
    operation_id: int | None = Field(
        default=None,
        description="The change operation this write created (follow it at "
        "/api/v1/operations/{id}); null when nothing changed, and on reads.",
    )


class Problem(BaseModel):
    """An error answer: what went wrong and how to fix it."""

    error: str
    detail: str


class Health(BaseModel):
    """``GET /healthz``."""

    status: Literal["ok"]
    database: Literal["ok"]


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
    family: str
    entity: str
    direction: Literal["push", "pull"]
    description: str
    enabled: bool
    configured: bool = Field(description="Whether the tenant changed it (else: the defaults).")
    settings: dict[str, Any]
    settings_schema: dict[str, Any] = Field(description="JSON schema of the settings.")


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


Policy = Literal["bridge_wins", "fortnox_wins", "ask"]
Digest = Literal["per_run", "daily"]


class TenantOut(BaseModel):
    """A tenant and its settings."""

    id: int
    name: str
    fortnox_tenant_id: int | None
    conflict_policy: Policy
    sweep_interval_minutes: int
    recipients: list[str] = Field(description="Who gets e-mail about problems and connections.")
    digest: Digest
    connection: str = Field(description="The connection's state (not_connected if none).")
    created_at: datetime


class TenantSettings(BaseModel):
    """Settings of a tenant to change (``PATCH``); fields left out keep their values."""

    model_config = ConfigDict(extra="forbid")

    name: str | None = Field(default=None, min_length=1, max_length=200)
    conflict_policy: Policy | None = None
    sweep_interval_minutes: int | None = Field(default=None, ge=1, le=1440)
    recipients: list[EmailStr] | None = None
    digest: Digest | None = None


class TenantCreate(TenantSettings):
    """``POST /api/v1/tenants``."""

    name: str = Field(min_length=1, max_length=200)


class ApiKeyOut(BaseModel):
    """An API key as lists show it: never the key itself, never its hash."""

    id: int
    label: str
    prefix: str = Field(description="The key's first characters, to tell keys apart.")
    scope: Literal["read", "read_write"]
    created_at: datetime
    last_used_at: datetime | None = Field(description="To the minute.")
    revoked_at: datetime | None


class ApiKeyCreate(BaseModel):
    """``POST /api/v1/api-keys``."""

    model_config = ConfigDict(extra="forbid")

    label: str = Field(default="api", min_length=1, max_length=100)
    scope: Literal["read", "read_write"] = "read_write"


class ApiKeyCreated(ApiKeyOut):
    """A new API key: ``key`` is shown this once and cannot be read again."""

    key: str


ItemT = TypeVar("ItemT")


class Page(BaseModel, Generic[ItemT]):
    """One page of a list: the items and the cursor of the next page (``null`` on the last)."""

    data: list[ItemT]
    next_cursor: str | None = Field(
        description="Pass as ?cursor= to read the next page; null when this is the last page."
    )


class EventOut(BaseModel):
    """One event of the tenant's feed."""

    id: str = Field(description="The event's cursor: read what came after it with ?after=<id>.")
    type: str = Field(description="What happened, e.g. record.changed (see the catalogue).")
    entity: str | None = Field(description="The host entity it is about, if any.")
    external_id: str | None = Field(description="The host id of the record, if any.")
    data: dict[str, Any]
    created_at: datetime


class EventPage(BaseModel):
    """Events after a cursor, oldest first, and where to continue."""

    data: list[EventOut]
    next_cursor: str = Field(
        description="Pass as ?after= to read on: the id of the last event, or the cursor given "
        "when there was nothing new."
    )


class WebhookIn(BaseModel):
    """A new webhook endpoint."""

    model_config = ConfigDict(extra="forbid")

    url: str = Field(min_length=1, description="http(s) URL that receives the deliveries.")
    event_types: list[str] = Field(
        default_factory=lambda: ["*"],
        description='The event types delivered, or ["*"] for all.',
    )
    description: str = Field(default="", max_length=200)


class WebhookPatch(BaseModel):
    """Changes to a webhook endpoint; fields left out stay as they are."""

    model_config = ConfigDict(extra="forbid")

    url: str | None = Field(default=None, min_length=1)
    event_types: list[str] | None = None
    description: str | None = Field(default=None, max_length=200)
    active: bool | None = Field(
        default=None,
        description="false pauses deliveries; true resumes them, with what happened meanwhile.",
    )


class WebhookOut(BaseModel):
    """A webhook endpoint (its secret is shown only when it is made)."""

    id: int
    url: str
    event_types: list[str]
    description: str
    active: bool
    created_at: datetime
    updated_at: datetime


class WebhookWithSecret(WebhookOut):
    """A webhook endpoint with its signing secret, shown this once."""

    secret: str = Field(description="Verifies the Fortnox-Bridge-Signature of each delivery.")
    previous_secret_expires_at: datetime | None = Field(
        default=None,
        description="After a rotation: until then deliveries are signed with the old secret too.",
    )


class DeliveryOut(BaseModel):
    """One event on its way to one endpoint."""

    id: int
    webhook_id: int
    event_id: str
    event_type: str
    status: Literal["pending", "retrying", "succeeded", "failed"]
    attempts: int
    next_attempt_at: datetime | None
    last_status_code: int | None
    last_error: str | None
    last_duration_ms: int | None
    created_at: datetime
    updated_at: datetime
    delivered_at: datetime | None


class AttemptOut(BaseModel):
    """One HTTP attempt of a delivery: its status and timing (never the receiver's body)."""

    attempt: int
    at: datetime
    status_code: int | None = Field(description="The receiver's HTTP status; null: no answer.")
    error: str | None = Field(description="Why the attempt failed; null when it succeeded.")
    duration_ms: int


class DeliveryDetail(DeliveryOut):
    """A delivery with its event and every attempt."""

    event: EventOut
    attempt_log: list[AttemptOut]


class FieldErrorOut(BaseModel):
    """One invalid field of a record."""

    path: str = Field(description="Where, as a JSON path into the request: $.records[3].data.email")
    message: str = Field(description="What is wrong and how to fix it.")
    type: str = Field(description="A stable code of the rule, e.g. unique or fortnox_max_length.")


class BatchResult(BaseModel):
    """What a batch did with one of its records (same order as sent)."""

    index: int = Field(description="The record's position in the batch, from 0.")
    external_id: str | None
    status: Literal["created", "updated", "unchanged", "deleted", "rejected"]
    version: int | None = Field(description="The stored version; null when rejected.")
    operation_id: int | None = Field(
        description="The change operation of this record; null when unchanged or rejected."
    )
    errors: list[FieldErrorOut] = Field(description="Why a rejected record was refused.")


class BatchOut(BaseModel):
    """The answer to ``POST /api/v1/<collection>:batch``: a result per record, and counts."""

    results: list[BatchResult]
    counts: dict[str, int] = Field(
        description="How many records were created, updated, unchanged, deleted and rejected."
    )


class OperationOut(BaseModel):
    """One accepted host change on its way to Fortnox, and how it ended."""

    id: int
    entity: str
    external_id: str
    action: Literal["upsert", "delete"]
    version: int = Field(description="The record version this change produced.")
    status: Literal[
        "pending", "processing", "conflict", "held", "succeeded", "failed", "superseded"
    ] = Field(
        description="pending until the engine has written it; conflict while an open "
        "conflict (policy ask) holds fields of the record back: nothing is sent to Fortnox "
        "for them until the conflict (conflict_id) is decided; held while the engine holds it "
        "back before Fortnox (an employee not in Fortnox yet, a locked period, a code with no "
        "mapping: the message says why and what to fix), until the next run after the fix "
        "sends it; failed when Fortnox refused "
        "it (a later run that gets it through makes it succeeded); superseded when a newer "
        "change of the same record came before it succeeded."
    )
    flow: str | None = Field(description="The push flow(s) that carry the change to Fortnox.")
    fortnox_id: str | None = Field(description="The Fortnox record's id, once it is there.")
    code: int | None = Field(description="Fortnox's error code, when Fortnox refused it.")
    http_status: int | None = Field(description="The HTTP status of Fortnox's refusal.")
    message: str | None = Field(
        description="What happened, or why it waits; Fortnox's own message when it failed."
    )
    explanation: str | None = Field(description="What a Fortnox refusal means, in English.")
    fix: str | None = Field(description="How to fix what Fortnox refused.")
    conflict_id: int | None = Field(
        description="The conflict that holds the change back (status conflict; decide it with "
        "POST /api/v1/conflicts/{id}/resolve), or that held it back last."
    )
    created_at: datetime
    updated_at: datetime
