"""Batches of host records: ``POST /api/v1/<records>:batch`` with up to 1,000 records, each
stored or rejected alone; and what the record routes share (the answer's shape, telling the
engine about changes)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Any, Literal

from fastapi import HTTPException, Request, Response
from fastapi.responses import JSONResponse
from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    WithJsonSchema,
    create_model,
)

from fortnox_bridge.api.auth import WriterDep
from fortnox_bridge.api.deps import services_of
from fortnox_bridge.api.errors import FieldIssue, pydantic_issues
from fortnox_bridge.api.idempotency import IdempotencyDep
from fortnox_bridge.api.schemas import RecordOut
from fortnox_bridge.engine.flow.entities import HostEntity
from fortnox_bridge.services.record_reads import StoredRow
from fortnox_bridge.services.records import MAX_BATCH, EntityWriter, Incoming, Outcome
from fortnox_bridge.services.validation import (
    EXTERNAL_ID_CHARACTERS,
    EXTERNAL_ID_MAX,
    ExternalIdText,
)

#: How the documents show an external id (checked by ``check_external_id``, which explains).
EXTERNAL_ID_SCHEMA = {"pattern": f"^[{EXTERNAL_ID_CHARACTERS}]+$"}


class _BatchRecord(BaseModel):
    """One record of a batch as sent (its ``data`` is checked by the entity's model)."""

    model_config = ConfigDict(extra="forbid")

    op: Literal["upsert", "delete"] = "upsert"
    external_id: ExternalIdText = Field(min_length=1, max_length=EXTERNAL_ID_MAX)
    data: Any = None


# -- batches -----------------------------------------------------------------------------------


def _batch_model(entity: HostEntity) -> type[BaseModel]:
    """The documented body of a batch: ``{"records": [{"op", "external_id", "data"}]}``.

    Records are read one by one (a bad record is rejected alone), so the schema of a record is
    documented without FastAPI validating it.
    """
    data_schema = entity.model.model_json_schema()
    record_schema = {
        "type": "object",
        "properties": {
            "op": {"type": "string", "enum": ["upsert", "delete"], "default": "upsert"},
            "external_id": {
                "type": "string",
                "minLength": 1,
                "maxLength": EXTERNAL_ID_MAX,
                **EXTERNAL_ID_SCHEMA,
            },
            "data": data_schema,
        },
        "required": ["external_id"],
        "additionalProperties": False,
        "description": f"Upsert: the {entity.label}'s fields in data. Delete: no data.",
    }
    model: type[BaseModel] = create_model(
        f"{entity.model.__name__}Batch",
        __config__=ConfigDict(extra="forbid"),
        records=(
            list[Annotated[Any, WithJsonSchema(record_schema)]],
            Field(
                description=f"Up to {MAX_BATCH:,} records; each external id at most once.",
                json_schema_extra={"maxItems": MAX_BATCH},
            ),
        ),
    )
    return model


def batch_route(entity: HostEntity, writer: EntityWriter) -> Callable[..., Response]:
    def store_batch(
        request: Request, batch: BaseModel, caller: WriterDep, idempotency: IdempotencyDep
    ) -> Response:
        """Store or delete many records; each gets its own result, a bad one stops no other."""
        records: list[Any] = getattr(batch, "records")  # noqa: B009 - a model made per entity
        if len(records) > MAX_BATCH:
            raise HTTPException(
                413,
                {
                    "error": "batch_too_large",
                    "detail": f"a batch carries at most {MAX_BATCH:,} records and this one has "
                    f"{len(records):,}: send them in batches of {MAX_BATCH:,} or fewer",
                },
            )
        incoming = [_incoming(writer, index, raw) for index, raw in enumerate(records)]
        writes = services_of(request).record_writes

        def act() -> Response:
            answer: list[dict[str, Any]] = []

            def keep(outcomes: list[Outcome]) -> tuple[int, dict[str, Any]]:
                body = _batch_answer(outcomes)
                answer.append(body)
                return 200, body

            outcomes = writes.write(
                writer, caller.tenant_id, incoming, answer=keep, claim=idempotency.claim
            )
            tell_engine(request, writer, caller.tenant_id, outcomes)
            return JSONResponse(answer[0])

        return idempotency.run(caller.tenant_id, act)

    store_batch.__annotations__ = {**store_batch.__annotations__, "batch": _batch_model(entity)}
    return store_batch


def _incoming(writer: EntityWriter, index: int, raw: Any) -> Incoming:
    root = f"$.records[{index}]"
    external_id = raw.get("external_id") if isinstance(raw, dict) else None
    external_id = external_id if isinstance(external_id, str) else ""
    item = Incoming(index, external_id, "upsert", data_path=f"{root}.data")
    item.id_path = f"{root}.external_id"
    try:
        parsed = _BatchRecord.model_validate(raw)
    except ValidationError as exc:
        item.issues = pydantic_issues(exc, root)
        return item
    item.op = parsed.op
    if parsed.op == "delete":
        if parsed.data is not None:
            item.issues = [
                FieldIssue(f"{root}.data", "a delete carries no data: leave data out", "extra")
            ]
        return item
    if parsed.data is None:
        item.issues = [
            FieldIssue(f"{root}.data", "an upsert needs data: the record's fields", "missing")
        ]
        return item
    item.payload, issues = writer.validator.payload(parsed.data)
    item.issues = [issue.under(item.data_path) for issue in issues]
    return item


def _batch_answer(outcomes: list[Outcome]) -> dict[str, Any]:
    """The :class:`BatchOut` answer as JSON values (built directly: a batch has 1,000 results)."""
    counts = dict.fromkeys(("created", "updated", "unchanged", "deleted", "rejected"), 0)
    results = []
    for outcome in outcomes:
        counts[outcome.status] += 1
        results.append(
            {
                "index": outcome.index,
                "external_id": outcome.external_id or None,
                "status": outcome.status,
                "version": outcome.row.version if outcome.row is not None else None,
                "operation_id": outcome.operation_id,
                "errors": [issue.to_dict() for issue in outcome.issues],
            }
        )
    return {"results": results, "counts": counts}


# -- shared ------------------------------------------------------------------------------------


def tell_engine(
    request: Request, writer: EntityWriter, tenant_id: int, outcomes: list[Outcome]
) -> None:
    """Tell the engine about stored changes of records a push flow reads."""
    on_change = services_of(request).hooks.on_change
    if on_change is None or not (writer.push_flows or writer.built_by):
        return
    for outcome in outcomes:
        if outcome.changed:
            on_change(tenant_id, writer.entity.entity, outcome.external_id)


def record_out(entity: HostEntity, row: StoredRow, outcome: Outcome | None) -> RecordOut:
    """The API shape of a stored record (with the write's status and operation, if any)."""
    return RecordOut(
        entity=entity.entity,
        external_id=row.external_id,
        version=row.version,
        status=None if outcome is None or outcome.status == "rejected" else outcome.status,
        deleted=row.deleted,
        origin=row.origin,
        updated_at=row.updated_at,
        data=row.payload,
        operation_id=outcome.operation_id if outcome is not None else None,
    )
