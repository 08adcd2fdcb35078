"""The event feed and webhook endpoints with their deliveries."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field


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
