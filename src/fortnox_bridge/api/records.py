"""``/api/v1/<collection>/{external_id}``: the host records of every flow's entity.

One set of routes per host entity a flow family declares (``employees``, ``time-entries``, ...;
see ``engine/entities.py``), validated by the entity's model: adding an entity adds its routes.
A stored change is handed to the engine at once (event-driven push within about a second).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path, Request, Response, status
from pydantic import BaseModel

from fortnox_bridge.api.auth import not_found, tenant_of
from fortnox_bridge.api.schemas import Problem, RecordOut
from fortnox_bridge.engine.entities import HostEntity
from fortnox_bridge.store.mirror import MirrorRepository
from fortnox_bridge.store.models import MirrorRecord, Tenant

ExternalId = Annotated[
    str,
    Path(min_length=1, max_length=200, description="The host application's id of the record."),
]
TenantDep = Annotated[Tenant, Depends(tenant_of)]


def record_router(entities: Sequence[HostEntity]) -> APIRouter:
    """Routes for the host records of every entity the flow families declare."""
    router = APIRouter(prefix="/api/v1")
    for entity in entities:
        _entity_routes(router, entity.entity, entity.collection, entity.model)
    return router


def _entity_routes(router: APIRouter, entity: str, collection: str, model: type[BaseModel]) -> None:
    path = f"/{collection}/{{external_id}}"
    label = entity.replace("_", " ")
    errors: dict[int | str, dict[str, Any]] = {401: {"model": Problem}, 404: {"model": Problem}}
    router.add_api_route(
        path,
        _put(entity, model),
        methods=["PUT"],
        response_model=RecordOut,
        tags=[collection],
        responses={201: {"model": RecordOut}, **errors},
        summary=f"Store one {label}",
    )
    router.add_api_route(
        path,
        _get(entity),
        methods=["GET"],
        response_model=RecordOut,
        tags=[collection],
        responses=errors,
        summary=f"One {label} as the bridge holds it",
    )
    router.add_api_route(
        path,
        _delete(entity),
        methods=["DELETE"],
        response_model=RecordOut,
        tags=[collection],
        responses=errors,
        summary=f"Delete one {label} (in Fortnox too)",
    )


def _put(entity: str, model: type[BaseModel]) -> Callable[..., RecordOut]:
    def put_record(
        request: Request,
        external_id: ExternalId,
        record: BaseModel,
        response: Response,
        tenant: TenantDep,
    ) -> RecordOut:
        """Store (create or replace) one record of the host application in the mirror."""
        state = request.app.state
        with state.sessions.begin() as session:
            result = MirrorRepository(session).upsert(
                tenant.id,
                entity,
                external_id,
                record.model_dump(mode="json", exclude_none=True),
                now=state.clock.now(),
            )
            out = record_out(result.record, result.outcome)
        if result.outcome == "created":
            response.status_code = status.HTTP_201_CREATED
        if result.outcome != "unchanged":
            _changed(request, tenant.id, entity, external_id)
        return out

    # The body's model differs per entity; FastAPI reads it from the annotation.
    put_record.__annotations__ = {**put_record.__annotations__, "record": model}
    return put_record


def _get(entity: str) -> Callable[..., RecordOut]:
    def get_record(request: Request, external_id: ExternalId, tenant: TenantDep) -> RecordOut:
        """One record as the mirror holds it."""
        with request.app.state.sessions.begin() as session:
            found = MirrorRepository(session).get(tenant.id, entity, external_id)
            if found is None or found.deleted:
                raise not_found(f"no {entity.replace('_', ' ')} with external id {external_id!r}")
            return record_out(found, None)

    return get_record


def _delete(entity: str) -> Callable[..., RecordOut]:
    def delete_record(request: Request, external_id: ExternalId, tenant: TenantDep) -> RecordOut:
        """Delete one record; the engine deletes (or deactivates) it in Fortnox."""
        state = request.app.state
        with state.sessions.begin() as session:
            result = MirrorRepository(session).delete(
                tenant.id, entity, external_id, now=state.clock.now()
            )
            if result is None:
                raise not_found(f"no {entity.replace('_', ' ')} with external id {external_id!r}")
            out = record_out(result.record, result.outcome)
        if result.outcome == "deleted":
            _changed(request, tenant.id, entity, external_id)
        return out

    return delete_record


def _changed(request: Request, tenant_id: int, entity: str, external_id: str) -> None:
    on_change = request.app.state.hooks.on_change
    if on_change is not None:
        on_change(tenant_id, entity, external_id)


def record_out(record: MirrorRecord, outcome: str | None) -> RecordOut:
    """The API shape of a mirror record."""
    return RecordOut.model_validate(
        {
            "entity": record.entity_type,
            "external_id": record.external_id,
            "version": record.version,
            "status": outcome,
            "deleted": record.deleted,
            "origin": record.origin,
            "updated_at": record.updated_at,
            "data": record.payload,
        }
    )
