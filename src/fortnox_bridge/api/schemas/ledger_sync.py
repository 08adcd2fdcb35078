"""Shapes of the ledger's write side (``/api/v1/ledger``: sync jobs, SIE uploads, the years)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

#: A year as the API names it: its first day, or the calendar year it starts in.
YEAR_PATTERN = r"^\d{4}(-\d{2}-\d{2})?$"


class LedgerSyncIn(BaseModel):
    """``POST /api/v1/ledger/years:sync``: which years, and what to do with them."""

    model_config = ConfigDict(extra="forbid")

    latest: int | None = Field(
        default=None, ge=1, le=20,
        description="Sync the latest this many financial years (default: the tenant's setting, "
        "2). Left out when years are named.",
    )  # fmt: skip
    years: list[str] | None = Field(
        default=None, min_length=1, max_length=20,
        description='The years to sync, each as "2025" (the year that starts in 2025) or '
        '"2025-07-01" (its first day).',
    )  # fmt: skip
    overwrite: bool = Field(
        default=False,
        description="Also sync years whose ledger was loaded from a SIE file (replacing it).",
    )
    documents_only: bool = Field(
        default=False, description="Leave the ledger as it is; fetch the documents only."
    )
    refresh: bool = Field(
        default=False, description="Read Fortnox's list of financial years first."
    )


class LedgerYearSyncIn(BaseModel):
    """``POST /api/v1/ledger/years/{year}:sync``."""

    model_config = ConfigDict(extra="forbid")

    overwrite: bool = Field(default=False, description="Replace a ledger loaded from a SIE file.")
    documents_only: bool = Field(
        default=False, description="Leave the ledger as it is; fetch the documents only."
    )


class YearOutcomeOut(BaseModel):
    """What a sync or an upload did with one year."""

    year: str = Field(description="The year's first day.")
    status: str = Field(description="synced, unchanged, skipped or failed.")
    read_from: str | None = Field(
        description="export (Fortnox's SIE export), vouchers (one by one, when the export is "
        "unavailable), sie (an uploaded file); null: not read."
    )
    new: int
    changed: int
    removed: int
    unchanged: int
    documents_fetched: int
    documents_linked: int
    error: str | None


class LedgerOperationOut(BaseModel):
    """A ledger sync job."""

    id: int
    status: str = Field(
        description="running, succeeded, partial (a year failed), failed, or interrupted (the "
        "bridge stopped: start the sync again)."
    )
    done: int = Field(description="Years done.")
    total: int = Field(description="Years to do (0 until the job knows).")
    counts: dict[str, Any] = Field(
        description="Totals over the years (new, changed, removed, unchanged, "
        "documents_fetched, documents_linked) and `years`: one outcome per year."
    )
    requests: int = Field(description="Requests made to Fortnox.")
    error: str | None
    started_at: datetime
    finished_at: datetime | None


class LedgerYearOut(BaseModel):
    """A financial year the bridge knows."""

    year: str = Field(description="Its first day: how the API names it.")
    fortnox_id: int | None
    from_date: date
    to_date: date
    source: str = Field(description="fortnox or sie (loaded from an uploaded file).")
    synced_at: datetime | None
    documents_synced_at: datetime | None
    voucher_count: int


class FindingOut(BaseModel):
    """What the SIE reader found in the file: where, what, how to fix."""

    severity: str
    code: str
    line: int | None
    column: int | None
    message: str
    hint: str


class SieLoadOut(BaseModel):
    """What loading a SIE file did."""

    year: LedgerYearOut
    outcome: YearOutcomeOut
    findings: list[FindingOut]
