"""Host records, batches and change operations."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

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
    operation_id: int | None = Field(
        default=None,
        description="The change operation this write created (follow it at "
        "/api/v1/operations/{id}); null when nothing changed, and on reads.",
    )


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
