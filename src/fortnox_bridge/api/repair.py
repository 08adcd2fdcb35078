"""Repair of duplicates through the API: the records the bridge made more than once in the
tenant's Fortnox, listed, or repaired with ``{"apply": true}``
(see ``engine/maintenance/repair.py``).

The answer comes when the work is done: an applied repair deletes one record per request, paced
by the tenant's rate limit, so a large one is better run with ``fortnox-bridge repair
duplicates --apply``. Either way every delete is kept in a run of kind ``repair``
(``GET /api/v1/runs?kind=repair``).
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Body
from pydantic import BaseModel, ConfigDict, Field

from fortnox_bridge.api.auth import WriterDep
from fortnox_bridge.api.deps import SyncDep
from fortnox_bridge.engine.maintenance.repair_report import RepairReport


class RepairRequest(BaseModel):
    """``POST /api/v1/repair/duplicates``."""

    model_config = ConfigDict(extra="forbid")

    apply: bool = Field(
        default=False,
        description="Delete the extra records where Fortnox allows it; false: only list them.",
    )


class ExtraOut(BaseModel):
    """A record beside the one kept."""

    fortnox_id: str
    differs: dict[str, Any] = Field(
        description="Fields where it differs from the record kept, with its own values."
    )
    why: str = Field(description="Why it counts as the bridge's (or not).")
    outcome: str = Field(
        description="found, deleted, gone, refused, by_hand, handled (inactive already), busy "
        "or left_alone."
    )
    message: str = Field(description="Fortnox's refusal, or what a person should do.")


class DuplicateGroupOut(BaseModel):
    """Records of one flow under one natural key (or made for one host record)."""

    flow: str
    resource: str
    key: str = Field(description="The natural key's fields as Fortnox shows them.")
    keepers: list[str] = Field(description="The record(s) the bridge links: kept.")
    host_ids: list[str] = Field(description="The host records they stand for.")
    ours: bool = Field(description="false: not made by the bridge, left alone.")
    action: str = Field(description="delete, by_hand or left_alone.")
    busy: bool = Field(description="A write of the record is in flight: try again later.")
    advice: str = Field(description="What applying does (or did not do), in words.")
    extras: list[ExtraOut]


class RepairOut(BaseModel):
    """What the repair found and, applied, what it did."""

    applied: bool
    pending: int = Field(
        description="Extra records of the bridge's still in Fortnox that need something done "
        "(0: nothing left to repair)."
    )
    run_id: int | None = Field(description="The run an applied repair is kept as.")
    groups: list[DuplicateGroupOut]


router = APIRouter(prefix="/api/v1/repair", tags=["control"])


@router.post("/duplicates", response_model=RepairOut)
async def repair_duplicates(
    caller: WriterDep, sync: SyncDep, body: Annotated[RepairRequest | None, Body()] = None
) -> RepairOut:
    """List the records the bridge created more than once in Fortnox; with
    ``{"apply": true}`` delete the extra ones where Fortnox allows it.

    The record the bridge links is kept. Extra attendance and absence transactions are
    deleted (in a locked salary period Fortnox refuses: reported per record); employees
    cannot be deleted in Fortnox and are listed for a person to make inactive or merge.
    Records made in Fortnox by someone else are listed and left alone.
    """
    wanted = body or RepairRequest()
    return repair_out(await sync.repair_duplicates(caller.tenant_id, apply=wanted.apply))


def repair_out(report: RepairReport) -> RepairOut:
    """The API's form of a report."""
    data = report.to_dict()
    return RepairOut(
        applied=report.applied,
        pending=report.pending,
        run_id=report.run_id,
        groups=[DuplicateGroupOut.model_validate(group) for group in data["groups"]],
    )
