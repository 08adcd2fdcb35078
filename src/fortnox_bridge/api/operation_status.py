"""``/api/v1/operations``: the status of each accepted host change on its way to Fortnox.

Every write that changes a record answers with an ``operation_id``. The operation is ``pending``
until the engine has written the change, then ``succeeded`` (with the Fortnox id) or ``failed``
(with Fortnox's code, message, explanation and fix); a newer change of the same record that
arrives first makes it ``superseded``. While an open conflict (policy ``ask``) holds fields of
the record back it is ``conflict``, with the ``conflict_id`` to decide; while the engine holds it
back before Fortnox (an employee not in Fortnox yet, a locked period) it is ``held``, with the
reason. The outcomes reach the event feed as ``operation.succeeded``, ``operation.failed`` and
``operation.held``.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Annotated, Literal

from fastapi import APIRouter, Path, Query, Request

from fortnox_bridge.api.auth import ReaderDep, not_found
from fortnox_bridge.api.paging import (
    DEFAULT_LIMIT,
    MAX_ID,
    Cursor,
    Limit,
    decode_cursor,
    encode_cursor,
)
from fortnox_bridge.api.paging import invalid as invalid_parameter
from fortnox_bridge.api.schemas import OperationOut, Page, Problem
from fortnox_bridge.engine.flow.entities import HostEntity
from fortnox_bridge.store.change_operations import ChangeOperationRepository
from fortnox_bridge.store.models import ChangeOperation

OperationStatus = Literal[
    "pending", "processing", "conflict", "held", "succeeded", "failed", "superseded"
]
OperationId = Annotated[int, Path(ge=1, le=MAX_ID, description="The operation's id.")]
EntityFilter = Annotated[
    str | None,
    Query(description="Only this entity, as operations name it: employee, time_entry..."),
]


def operation_status_router(entities: Sequence[HostEntity]) -> APIRouter:
    """``GET /api/v1/operations`` and ``GET /api/v1/operations/{operation_id}``."""
    router = APIRouter(prefix="/api/v1/operations", tags=["operations"])
    known = sorted(e.entity for e in entities)

    @router.get("", response_model=Page[OperationOut], responses={401: {"model": Problem}})
    def list_operations(
        request: Request,
        caller: ReaderDep,
        status: Annotated[OperationStatus | None, Query(description="Only this status.")] = None,
        entity: EntityFilter = None,
        external_id: Annotated[
            str | None, Query(max_length=200, description="Only this record.")
        ] = None,
        limit: Limit = DEFAULT_LIMIT,
        cursor: Cursor = None,
    ) -> Page[OperationOut]:
        """Change operations, newest first."""
        if entity is not None and entity not in known:
            raise invalid_parameter(
                ("query", "entity"),
                f"unknown entity {entity!r}; use one of {', '.join(known)}",
                "unknown_entity",
                entity,
            )
        before = decode_cursor(cursor)
        if before is not None and not isinstance(before, int):
            raise invalid_parameter(
                ("query", "cursor"),
                "not a cursor of this list: pass next_cursor of the previous page unchanged",
                "invalid_cursor",
                cursor,
            )
        with request.app.state.sessions.begin() as session:
            rows = ChangeOperationRepository(session).page(
                caller.tenant_id,
                limit=limit + 1,
                before_id=before,
                status=status,
                entity_type=entity,
                external_id=external_id,
            )
            data = [operation_out(op) for op in rows[:limit]]
        following = encode_cursor(data[-1].id) if len(rows) > limit else None
        return Page[OperationOut](data=data, next_cursor=following)

    @router.get(
        "/{operation_id}",
        response_model=OperationOut,
        responses={401: {"model": Problem}, 404: {"model": Problem}},
    )
    def get_operation(
        request: Request, operation_id: OperationId, caller: ReaderDep
    ) -> OperationOut:
        """One change operation: where the change stands, and Fortnox's answer if it failed."""
        with request.app.state.sessions.begin() as session:
            found = ChangeOperationRepository(session).get(caller.tenant_id, operation_id)
            if found is None:
                raise not_found(f"no operation {operation_id}")
            return operation_out(found)

    return router


def operation_out(op: ChangeOperation) -> OperationOut:
    """The API shape of a change operation."""
    return OperationOut(
        id=op.id,
        entity=op.entity_type,
        external_id=op.external_id,
        action=op.action,
        version=op.version,
        status=op.status,
        flow=op.flow,
        fortnox_id=op.fortnox_id,
        code=op.code,
        http_status=op.http_status,
        message=op.message,
        explanation=op.explanation,
        fix=op.fix,
        conflict_id=op.conflict_id,
        created_at=op.created_at,
        updated_at=op.updated_at,
    )
