"""Tenants and their API keys."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, EmailStr, Field

Policy = Literal["bridge_wins", "fortnox_wins", "ask"]
Digest = Literal["per_run", "daily"]
ProblemMail = Literal["digest", "remind"]


class TenantOut(BaseModel):
    """A tenant and its settings."""

    id: int
    name: str
    fortnox_tenant_id: int | None
    conflict_policy: Policy
    sweep_interval_minutes: int
    recipients: list[str] = Field(description="Who gets e-mail about problems and connections.")
    digest: Digest
    problem_mail: ProblemMail = Field(
        description="How failures are e-mailed: digest (new ones once, then the digest) or "
        "remind (after every run, each failure of the run while it stands)."
    )
    families: list[str] = Field(
        description="The flow families the tenant uses (hr, payroll, projects): only their "
        "flows run, and a consent link asks only for their scopes."
    )
    refusal_retry_hours: int = Field(
        description="Hours after which a write Fortnox refused is sent again although neither "
        "the record nor the flow's settings or mappings changed (resolving its problem sends it "
        "at the next sweep)."
    )
    realtime_sweep_factor: int = Field(
        description="While the stream of Fortnox's change events is healthy, sweeps run this "
        "many times less often (1: as often as ever); they are back to their interval as soon "
        "as the stream is not."
    )
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
    problem_mail: ProblemMail | None = None
    families: list[str] | None = Field(
        default=None,
        description="The flow families the tenant uses, all of them (replaces): the base "
        "flows of a family run as soon as it is chosen; flows of the others stop.",
    )
    refusal_retry_hours: int | None = Field(default=None, ge=1, le=720)
    realtime_sweep_factor: int | None = Field(default=None, ge=1, le=48)


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
