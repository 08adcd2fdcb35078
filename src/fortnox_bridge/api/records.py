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
from datetime import datetime
from enum import Enum
from typing import Annotated, Any

from fastapi import APIRouter, Body, Depends, Path, Query, Request, Response
from fastapi.responses import JSONResponse
from pydantic import (
    AfterValidator,
    BaseModel,
)

from fortnox_bridge.api.auth import ReaderDep, WriterDep, not_found
from fortnox_bridge.api.deps import services_of
from fortnox_bridge.api.documents import backup_route, document_routes, refused_writes
from fortnox_bridge.api.errors import RecordRejected
from fortnox_bridge.api.idempotency import Idempotency, IdempotencyDep
from fortnox_bridge.api.paging import DEFAULT_LIMIT, Cursor, Limit
from fortnox_bridge.api.record_batch import (
    EXTERNAL_ID_SCHEMA,
    batch_route,
    record_out,
    tell_engine,
)
from fortnox_bridge.api.schemas import BatchOut, Page, Problem, RecordOut
from fortnox_bridge.engine.flow.base import Flow
from fortnox_bridge.engine.flow.entities import HostEntity
from fortnox_bridge.services.record_reads import RecordReader
from fortnox_bridge.services.records import MAX_BATCH, EntityWriter, Incoming, Outcome
from fortnox_bridge.services.validation import EXTERNAL_ID_MAX, check_external_id

#: How the documents show an external id (checked by ``check_external_id``, which explains).
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


def record_router(entities: Sequence[HostEntity], flows: Sequence[type[Flow]]) -> APIRouter:
    """Routes for the host records of every entity the flow families declare.

    Built once per set of entities and flows: the routes keep nothing of an app (they reach
    its services through the request), and building them (FastAPI analysing ~80 endpoints)
    was nine tenths of the cost of creating the API app, which every test of the API does."""
    entities, flows = tuple(entities), tuple(flows)
    for built in _BUILT:
        if _same(built[0], entities) and _same(built[1], flows):
            return built[2]
    router = APIRouter(prefix="/api/v1")
    for entity in entities:
        _entity_routes(router, entity, EntityWriter(entity, entities, flows))
    _BUILT[:] = [(entities, flows, router), *_BUILT[:7]]
    return router


#: Routers built, newest first, with the very entity and flow objects they were built for.
_BUILT: list[tuple[tuple[HostEntity, ...], tuple[type[Flow], ...], APIRouter]] = []


def _same(these: tuple[object, ...], those: tuple[object, ...]) -> bool:
    return len(these) == len(those) and all(a is b for a, b in zip(these, those, strict=True))


def _entity_routes(router: APIRouter, entity: HostEntity, writer: EntityWriter) -> None:
    collection, label = entity.collection, entity.label
    tags: list[str | Enum] = [collection]
    backup_route(router, entity)
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
        f"/{collection}/{{external_id}}",
        _get(entity),
        methods=["GET"],
        response_model=RecordOut,
        tags=tags,
        summary=f"One {label} as the bridge holds it",
        responses={401: {"model": Problem}, 404: {"model": Problem}},
    )
    document_routes(router, entity)
    if entity.fortnox_owned:
        refused_writes(router, entity)
    else:
        _write_routes(router, entity, writer)


def _write_routes(router: APIRouter, entity: HostEntity, writer: EntityWriter) -> None:
    collection, label = entity.collection, entity.label
    path = f"/{collection}/{{external_id}}"
    tags: list[str | Enum] = [collection]
    router.add_api_route(
        f"/{collection}:batch",
        batch_route(entity, writer),
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
    writes = services_of(request).record_writes

    def act() -> Response:
        answer: list[tuple[int, dict[str, Any]]] = []

        def keep(outcomes: list[Outcome]) -> tuple[int, dict[str, Any]] | None:
            (outcome,) = outcomes
            if outcome.row is None:
                return None
            status = 201 if outcome.status == "created" else 200
            body = record_out(entity, outcome.row, outcome).model_dump(mode="json")
            answer.append((status, body))
            return status, body

        (outcome,) = writes.write(
            writer, tenant_id, [incoming], answer=keep, claim=idempotency.claim
        )
        if outcome.status == "rejected":
            if outcome.not_found:
                raise not_found(outcome.issues[0].message)
            raise RecordRejected(outcome.issues)
        if outcome.changed:
            tell_engine(request, writer, tenant_id, [outcome])
        status, body = answer[0]
        return JSONResponse(body, status_code=status)

    return idempotency.run(tenant_id, act)


def _get(entity: HostEntity) -> Callable[..., RecordOut]:
    def get_record(external_id: ExternalId, caller: ReaderDep, reader: Reader) -> RecordOut:
        """One record as the mirror holds it; 404 if it was never stored or is deleted."""
        return record_out(entity, reader.get(caller.tenant_id, entity, external_id), None)

    return get_record


def _list(entity: HostEntity) -> Callable[..., Page[RecordOut]]:
    def list_records(
        caller: ReaderDep,
        reader: Reader,
        limit: Limit = DEFAULT_LIMIT,
        cursor: Cursor = None,
        updated_since: UpdatedSince = None,
        include_deleted: IncludeDeleted = False,
    ) -> Page[RecordOut]:
        """Records in the order they last changed (then by storage order): a client that keeps
        the last ``next_cursor`` reads every change once."""
        rows, following = reader.page(
            caller.tenant_id,
            entity,
            limit=limit,
            cursor=cursor,
            updated_since=updated_since,
            include_deleted=include_deleted,
        )
        return Page[RecordOut](
            data=[record_out(entity, row, None) for row in rows], next_cursor=following
        )

    return list_records


def _reader(request: Request) -> RecordReader:
    return services_of(request).records


Reader = Annotated[RecordReader, Depends(_reader)]
