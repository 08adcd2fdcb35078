"""``/api/v1/<collection>``: the host records of every entity the flow families declare.

One set of routes per host entity (``employees``, ``absence-types``, ``absences``, ``projects``,
``time-entries``, ...; see ``engine/flow/entities.py``), validated by the entity's model and by
Fortnox's limits: adding an entity adds its routes.

- ``PUT /{collection}/{external_id}`` creates (201) or replaces (200) a record;
- ``PATCH /{collection}/{external_id}`` merges a JSON merge patch (RFC 7396) into it;
- ``DELETE /{collection}/{external_id}`` deletes it (in Fortnox too);
- ``GET /{collection}/{external_id}`` and ``GET /{collection}`` (paged, ``updated_since``);
- ``POST /{collection}:batch`` stores up to 1,000 records with a result per record.

Every write honours ``Idempotency-Key`` and answers with the change operation it created; a
stored change is handed to the engine at once (event-driven push within about a second).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from enum import Enum
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Body, HTTPException, Path, Query, Request, Response
from fastapi.responses import JSONResponse
from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    WithJsonSchema,
    create_model,
)
from sqlalchemy.orm import Session

from fortnox_bridge.api.auth import ReaderDep, WriterDep, not_found
from fortnox_bridge.api.errors import FieldIssue, RecordRejected, pydantic_issues
from fortnox_bridge.api.idempotency import Idempotency, IdempotencyDep
from fortnox_bridge.api.ingest import MAX_BATCH, EntityWriter, Incoming, Outcome
from fortnox_bridge.api.paging import DEFAULT_LIMIT, Cursor, Limit, decode_cursor, encode_cursor
from fortnox_bridge.api.paging import invalid as invalid_parameter
from fortnox_bridge.api.schemas import BatchOut, Page, Problem, RecordOut
from fortnox_bridge.api.validation import (
    EXTERNAL_ID_CHARACTERS,
    EXTERNAL_ID_MAX,
    ExternalIdText,
    check_external_id,
)
from fortnox_bridge.engine.flow.base import Flow
from fortnox_bridge.engine.flow.entities import HostEntity
from fortnox_bridge.store.mirror import MirrorRepository
from fortnox_bridge.store.mirror_bulk import StoredRow

#: How the documents show an external id (checked by ``check_external_id``, which explains).
EXTERNAL_ID_SCHEMA = {"pattern": f"^[{EXTERNAL_ID_CHARACTERS}]+$"}
ExternalId = Annotated[
    str,
    Path(
        min_length=1,
        max_length=EXTERNAL_ID_MAX,
        description="The host application's id of the record: 1–200 of A-Z a-z 0-9 . _ : @ ~ -.",
        json_schema_extra=EXTERNAL_ID_SCHEMA,
    ),
    AfterValidator(check_external_id),
]
UpdatedSince = Annotated[
    datetime | None,
    Query(
        description="Only records changed at or after this moment (ISO 8601; without a time "
        "zone: UTC). Add include_deleted=true to see deletions too."
    ),
]
IncludeDeleted = Annotated[
    bool, Query(description="Also list deleted records (with deleted: true).")
]
_WRITE_ERRORS: dict[int | str, dict[str, Any]] = {
    401: {"model": Problem},
    403: {"model": Problem},
    404: {"model": Problem},
    409: {"model": Problem, "description": "Idempotency-Key used for another request, or busy"},
}


class _BatchRecord(BaseModel):
    """One record of a batch as sent (its ``data`` is checked by the entity's model)."""

    model_config = ConfigDict(extra="forbid")

    op: Literal["upsert", "delete"] = "upsert"
    external_id: ExternalIdText = Field(min_length=1, max_length=EXTERNAL_ID_MAX)
    data: Any = None


def record_router(entities: Sequence[HostEntity], flows: Sequence[type[Flow]]) -> APIRouter:
    """Routes for the host records of every entity the flow families declare."""
    router = APIRouter(prefix="/api/v1")
    for entity in entities:
        _entity_routes(router, entity, EntityWriter(entity, entities, flows))
    return router


def _entity_routes(router: APIRouter, entity: HostEntity, writer: EntityWriter) -> None:
    collection, label = entity.collection, entity.label
    path = f"/{collection}/{{external_id}}"
    tags: list[str | Enum] = [collection]
    router.add_api_route(
        f"/{collection}",
        _list(entity),
        methods=["GET"],
        response_model=Page[RecordOut],
        tags=tags,
        summary=f"List {collection}, oldest change first",
        responses={401: {"model": Problem}},
    )
    router.add_api_route(
        f"/{collection}:batch",
        _batch(entity, writer),
        methods=["POST"],
        response_model=BatchOut,
        tags=tags,
        summary=f"Store or delete up to {MAX_BATCH:,} {collection} at once",
        responses={**_WRITE_ERRORS, 413: {"model": Problem, "description": "Too many records"}},
    )
    router.add_api_route(
        path,
        _put(entity, writer),
        methods=["PUT"],
        response_model=RecordOut,
        tags=tags,
        summary=f"Store (create or replace) one {label}",
        responses={201: {"model": RecordOut, "description": "Created"}, **_WRITE_ERRORS},
    )
    router.add_api_route(
        path,
        _patch(entity, writer),
        methods=["PATCH"],
        response_model=RecordOut,
        tags=tags,
        summary=f"Change some fields of one {label} (JSON merge patch)",
        responses=_WRITE_ERRORS,
    )
    router.add_api_route(
        path,
        _get(entity),
        methods=["GET"],
        response_model=RecordOut,
        tags=tags,
        summary=f"One {label} as the bridge holds it",
        responses={401: {"model": Problem}, 404: {"model": Problem}},
    )
    router.add_api_route(
        path,
        _delete(entity, writer),
        methods=["DELETE"],
        response_model=RecordOut,
        tags=tags,
        summary=f"Delete one {label} (in Fortnox too)",
        responses=_WRITE_ERRORS,
    )


# -- single records ----------------------------------------------------------------------------


def _put(entity: HostEntity, writer: EntityWriter) -> Callable[..., Response]:
    def put_record(
        request: Request,
        external_id: ExternalId,
        record: BaseModel,
        caller: WriterDep,
        idempotency: IdempotencyDep,
    ) -> Response:
        """Store one record (create or replace it whole); fields left out are removed."""
        payload, issues = writer.validator.checked(record)
        incoming = Incoming(0, external_id, "upsert", payload=payload, issues=issues)
        return _write_one(request, entity, writer, caller.tenant_id, idempotency, incoming)

    # The body's model differs per entity; FastAPI reads it from the annotation.
    put_record.__annotations__ = {**put_record.__annotations__, "record": entity.model}
    return put_record


def _patch(entity: HostEntity, writer: EntityWriter) -> Callable[..., Response]:
    def patch_record(
        request: Request,
        external_id: ExternalId,
        patch: Annotated[
            dict[str, Any],
            Body(
                media_type="application/merge-patch+json",
                description="The fields to change; null removes an optional field (RFC 7396). "
                "The merged record must be valid as a whole.",
            ),
        ],
        caller: WriterDep,
        idempotency: IdempotencyDep,
    ) -> Response:
        """Change some fields of one stored record; 404 if there is none."""
        incoming = Incoming(0, external_id, "patch", patch=patch)
        return _write_one(request, entity, writer, caller.tenant_id, idempotency, incoming)

    return patch_record


def _delete(entity: HostEntity, writer: EntityWriter) -> Callable[..., Response]:
    def delete_record(
        request: Request, external_id: ExternalId, caller: WriterDep, idempotency: IdempotencyDep
    ) -> Response:
        """Delete one record; the engine deletes (or deactivates) it in Fortnox."""
        incoming = Incoming(0, external_id, "delete")
        return _write_one(request, entity, writer, caller.tenant_id, idempotency, incoming)

    return delete_record


def _write_one(
    request: Request,
    entity: HostEntity,
    writer: EntityWriter,
    tenant_id: int,
    idempotency: Idempotency,
    incoming: Incoming,
) -> Response:
    state = request.app.state

    def act() -> Response:
        answer: list[tuple[int, dict[str, Any]]] = []

        def keep(session: Session, outcomes: list[Outcome]) -> None:
            (outcome,) = outcomes
            if outcome.row is not None:
                status = 201 if outcome.status == "created" else 200
                body = record_out(entity, outcome.row, outcome).model_dump(mode="json")
                idempotency.finish(status, body, session=session)
                answer.append((status, body))

        (outcome,) = writer.write(
            state.sessions, tenant_id, [incoming], now=state.clock.now(), before_commit=keep
        )
        if outcome.status == "rejected":
            if outcome.not_found:
                raise not_found(outcome.issues[0].message)
            raise RecordRejected(outcome.issues)
        if outcome.changed:
            _changed(request, writer, tenant_id, [outcome])
        status, body = answer[0]
        return JSONResponse(body, status_code=status)

    return idempotency.run(tenant_id, act)


def _get(entity: HostEntity) -> Callable[..., RecordOut]:
    def get_record(request: Request, external_id: ExternalId, caller: ReaderDep) -> RecordOut:
        """One record as the mirror holds it; 404 if it was never stored or is deleted."""
        with request.app.state.sessions.begin() as session:
            found = MirrorRepository(session).rows(caller.tenant_id, entity.entity, [external_id])
        row = found.get(external_id)
        if row is None or row.deleted:
            raise not_found(f"no {entity.label} with external id {external_id!r}")
        return record_out(entity, row, None)

    return get_record


def _list(entity: HostEntity) -> Callable[..., Page[RecordOut]]:
    def list_records(
        request: Request,
        caller: ReaderDep,
        limit: Limit = DEFAULT_LIMIT,
        cursor: Cursor = None,
        updated_since: UpdatedSince = None,
        include_deleted: IncludeDeleted = False,
    ) -> Page[RecordOut]:
        """Records in the order they last changed (then by storage order): a client that keeps
        the last ``next_cursor`` reads every change once."""
        after = _position(cursor)
        if updated_since is not None and updated_since.tzinfo is None:
            updated_since = updated_since.replace(tzinfo=UTC)
        with request.app.state.sessions.begin() as session:
            rows = MirrorRepository(session).page(
                caller.tenant_id,
                entity.entity,
                limit=limit + 1,
                after=after,
                updated_since=updated_since,
                include_deleted=include_deleted,
            )
        more = len(rows) > limit
        rows = rows[:limit]
        following = encode_cursor([rows[-1].updated_at.isoformat(), rows[-1].id]) if more else None
        return Page[RecordOut](
            data=[record_out(entity, row, None) for row in rows], next_cursor=following
        )

    return list_records


def _position(cursor: str | None) -> tuple[datetime, int] | None:
    position = decode_cursor(cursor)
    if position is None:
        return None
    try:
        moment, last_id = position
        return datetime.fromisoformat(moment), int(last_id)
    except (TypeError, ValueError):
        raise invalid_parameter(
            ("query", "cursor"),
            "not a cursor of this list: pass next_cursor of the previous page unchanged, or "
            "leave it out to start again",
            "invalid_cursor",
            cursor,
        ) from None


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


def _batch(entity: HostEntity, writer: EntityWriter) -> Callable[..., Response]:
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
        state = request.app.state

        def act() -> Response:
            answer: list[dict[str, Any]] = []

            def keep(session: Session, outcomes: list[Outcome]) -> None:
                body = _batch_answer(outcomes)
                idempotency.finish(200, body, session=session)
                answer.append(body)

            outcomes = writer.write(
                state.sessions,
                caller.tenant_id,
                incoming,
                now=state.clock.now(),
                before_commit=keep,
            )
            _changed(request, writer, caller.tenant_id, outcomes)
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


def _changed(
    request: Request, writer: EntityWriter, tenant_id: int, outcomes: list[Outcome]
) -> None:
    """Tell the engine about stored changes of records a push flow reads."""
    on_change = request.app.state.hooks.on_change
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
